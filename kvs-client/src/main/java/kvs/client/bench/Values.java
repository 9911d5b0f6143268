package kvs.client.bench;

import java.util.Arrays;

/**
 * What {@code kvs-client bench} writes under a key: letters that are a function of the key and
 * of the value's length alone, whichever run writes them, with whichever {@code --value-size}.
 *
 * <p>So a value read back is judged by itself: it is one that bench writes if and only if it
 * equals {@link #of of(key, value.length)}. An earlier run's value of another size passes; a
 * value that is damaged, another key's, or data that bench did not write fails (by chance it
 * passes once in 26<sup>length</sup>, so a check of a 1-byte value is weak). The length is part
 * of the seed so that a value cut short is not itself a shorter value that bench writes.
 */
public final class Values {

    private Values() {
    }

    /** The value bench writes under {@code key} when it writes {@code length} bytes. */
    public static byte[] of(byte[] key, int length) {
        byte[] v = new byte[length];
        long x = seed(key, length);
        for (int j = 0; j < v.length; j++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            v[j] = (byte) ('a' + Math.floorMod(x, 26));
        }
        return v;
    }

    /** Whether {@code value} is what bench writes under {@code key} at that value's length. */
    public static boolean isBenchValue(byte[] key, byte[] value) {
        return Arrays.equals(value, of(key, value.length));
    }

    /** FNV-1a over the key, then the length, mixed (SplitMix64's finalizer); never 0, which xorshift would keep. */
    private static long seed(byte[] key, int length) {
        long h = 0xcbf29ce484222325L;
        for (byte b : key) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        h ^= length * 0x9E3779B97F4A7C15L;
        h = (h ^ (h >>> 30)) * 0xbf58476d1ce4e5b9L;
        h = (h ^ (h >>> 27)) * 0x94d049bb133111ebL;
        h ^= h >>> 31;
        return h == 0 ? 1 : h;
    }
}
