package kvs.store;

/**
 * CRC32C arithmetic that {@link java.util.zip.CRC32C} lacks: combining the CRCs of two byte
 * strings into the CRC of their concatenation, {@code crc(A ‖ B)} from {@code crc(A)},
 * {@code crc(B)} and the length of B, in time logarithmic in that length.
 *
 * <p>So a record's CRC can be computed in two parts: the key and value, which are most of its
 * bytes, before the store's write lock is taken; the 17 header bytes that hold the sequence
 * number, known only under the lock, after. The method is zlib's {@code crc32_combine}
 * (Mark Adler): appending n zero bits to A is a linear map over GF(2), applied by squaring the
 * one-zero-bit operator; the Castagnoli polynomial takes the place of zlib's.
 */
final class Crc32c {

    /** The Castagnoli polynomial, reflected. */
    private static final int POLY = 0x82F63B78;

    private Crc32c() {
    }

    /** The CRC32C of {@code A ‖ B}, given {@code crcA}, {@code crcB} and B's length in bytes. */
    static int combine(int crcA, int crcB, long lengthB) {
        if (lengthB <= 0) {
            return crcA;
        }
        int[] even = new int[32]; // operator for 2^k zero bits, k even
        int[] odd = new int[32];
        odd[0] = POLY; // the operator for one zero bit
        int row = 1;
        for (int n = 1; n < 32; n++) {
            odd[n] = row;
            row <<= 1;
        }
        square(even, odd); // two zero bits
        square(odd, even); // four
        int crc = crcA;
        long len = lengthB;
        do {
            square(even, odd); // first pass: one zero byte (eight bits)
            if ((len & 1) != 0) {
                crc = times(even, crc);
            }
            len >>>= 1;
            if (len == 0) {
                break;
            }
            square(odd, even);
            if ((len & 1) != 0) {
                crc = times(odd, crc);
            }
            len >>>= 1;
        } while (len != 0);
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

    private static void square(int[] square, int[] matrix) {
        for (int n = 0; n < 32; n++) {
            square[n] = times(matrix, matrix[n]);
        }
    }
}
