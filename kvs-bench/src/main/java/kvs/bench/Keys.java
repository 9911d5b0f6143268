package kvs.bench;

import java.nio.charset.StandardCharsets;

/** The benchmark's data: 16-byte keys, 100-byte values. */
final class Keys {

    static final int KEY_BYTES = 16;
    static final int VALUE_BYTES = 100;

    private Keys() {
    }

    /** Key {@code i}: "k" and 15 digits, 16 bytes. */
    static byte[] key(long i) {
        return String.format("k%015d", i).getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] value(long seed) {
        byte[] v = new byte[VALUE_BYTES];
        for (int i = 0; i < v.length; i++) {
            v[i] = (byte) (seed * 31 + i);
        }
        return v;
    }
}
