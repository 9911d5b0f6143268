package kvs.store;

/**
 * CRC32C arithmetic that {@link java.util.zip.CRC32C} lacks: combining the CRCs of two byte
 * strings into the CRC of their concatenation, {@code crc(A ‖ B)} from {@code crc(A)},
 * {@code crc(B)} and the length of B, in time logarithmic in that length.
 *
 * <p>So a record's CRC can be computed in two parts: the key and value, which are most of its
 * bytes, before the store's write lock is taken; the 17 header bytes that hold the sequence
 * number, known only under the lock, after. The method is zlib's {@code crc32_combine}
 * (Mark Adler): appending n zero bits to A is a linear map over GF(2), got by squaring the
 * one-zero-bit operator; the Castagnoli polynomial takes the place of zlib's, and the operators
 * for 2^k zero bytes are computed once rather than at every call.
 */
final class Crc32c {

    /** The Castagnoli polynomial, reflected. */
    private static final int POLY = 0x82F63B78;

    private Crc32c() {
    }

    /**
     * ZEROS[k] appends 2^k zero bytes to a CRC's register: built once, by squaring the operator
     * for one zero bit, so that {@link #combine} needs one matrix-vector product per set bit of
     * the length instead of the squarings.
     */
    private static final int[][] ZEROS = new int[64][];

    static {
        int[] op = new int[32]; // one zero bit
        op[0] = POLY;
        for (int n = 1; n < 32; n++) {
            op[n] = 1 << (n - 1);
        }
        for (int bits = 1; bits < 8; bits <<= 1) {
            op = square(op); // two, four, then eight zero bits: one zero byte
        }
        for (int k = 0; k < 64; k++) {
            ZEROS[k] = op;
            op = square(op);
        }
    }

    /** The CRC32C of {@code A ‖ B}, given {@code crcA}, {@code crcB} and B's length in bytes. */
    static int combine(int crcA, int crcB, long lengthB) {
        int crc = crcA;
        for (int k = 0; lengthB != 0; k++, lengthB >>>= 1) {
            if ((lengthB & 1) != 0) {
                crc = times(ZEROS[k], crc);
            }
        }
        return crc ^ crcB;
    }

    private static int times(int[] matrix, int vector) {
        int sum = 0;
        for (int i = 0; vector != 0; i++, vector >>>= 1) {
            if ((vector & 1) != 0) {
                sum ^= matrix[i];
            }
        }
        return sum;
    }

    private static int[] square(int[] matrix) {
        int[] square = new int[32];
        for (int n = 0; n < 32; n++) {
            square[n] = times(matrix, matrix[n]);
        }
        return square;
    }
}
