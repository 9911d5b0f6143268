package kvs.common;

/**
 * Size limits of the wire protocol (docs/PROTOCOL.md, "Limits").
 *
 * <p>A key is 1 byte to {@link #MAX_KEY_BYTES}; a value is 0 bytes to a server's value limit,
 * {@link #DEFAULT_MAX_VALUE_BYTES} unless configured. The largest frame a server accepts follows
 * from the two: the key and the value plus {@link #FRAME_OVERHEAD_BYTES} for the id, field tags
 * and length prefixes.
 */
public final class Limits {

    /** The largest key the protocol allows: 64 KiB. */
    public static final int MAX_KEY_BYTES = 64 * 1024;

    /** The default largest value: 64 MiB. */
    public static final int DEFAULT_MAX_VALUE_BYTES = 64 * 1024 * 1024;

    /** Room in a request frame for everything but the key's and value's bytes. */
    public static final int FRAME_OVERHEAD_BYTES = 64;

    /** The largest frame a client accepts from a server, whatever the server's value limit. */
    public static final int MAX_RESPONSE_FRAME_BYTES = Integer.MAX_VALUE - 8;

    private Limits() {
    }

    /** The frame limit that follows from a key and a value limit. */
    public static int maxFrameBytes(int maxKeyBytes, int maxValueBytes) {
        long frame = (long) maxKeyBytes + maxValueBytes + FRAME_OVERHEAD_BYTES;
        return (int) Math.min(frame, Integer.MAX_VALUE - 8);
    }
}
