package kvs.store;

import java.nio.ByteBuffer;

/**
 * One write of an atomic batch ({@link Store#batchAsync}): a put, which may expire, or a removal.
 */
public sealed interface Write permits Write.Put, Write.Remove {

    /** The key written. */
    byte[] key();

    /**
     * Sets {@code key} to the remaining bytes of {@code value} (read when the batch is drafted;
     * its position is left alone), expiring at {@code expireAt} (ms since the epoch), or never:
     * {@link Store#NO_EXPIRY}.
     */
    record Put(byte[] key, ByteBuffer value, long expireAt) implements Write {
        public Put {
            if (value == null) {
                throw new IllegalArgumentException("value is null");
            }
            if (expireAt < 0) {
                throw new IllegalArgumentException("a batch's put takes an expiry time or NO_EXPIRY, not "
                        + expireAt);
            }
        }
    }

    /** Removes {@code key}, if held. */
    record Remove(byte[] key) implements Write {
    }

    static Write put(byte[] key, byte[] value) {
        return new Put(key, ByteBuffer.wrap(value), Store.NO_EXPIRY);
    }

    static Write put(byte[] key, byte[] value, long expireAt) {
        return new Put(key, ByteBuffer.wrap(value), expireAt);
    }

    static Write remove(byte[] key) {
        return new Remove(key);
    }
}
