package kvs.server.store;

/**
 * How a {@link Store} is run. Start from {@link #defaults()} and change what you need:
 * {@code StoreOptions.defaults().withMaxSegmentBytes(1 << 20)}.
 *
 * @param maxSegmentBytes the size past which the active data file is sealed and a new one begun
 *     (a single larger record still gets a file of its own)
 */
public record StoreOptions(long maxSegmentBytes) {

    public static final long DEFAULT_MAX_SEGMENT_BYTES = 128L * 1024 * 1024;

    public StoreOptions {
        if (maxSegmentBytes < 1024) {
            throw new IllegalArgumentException("maxSegmentBytes must be at least 1 KiB, got "
                    + maxSegmentBytes);
        }
    }

    public static StoreOptions defaults() {
        return new StoreOptions(DEFAULT_MAX_SEGMENT_BYTES);
    }

    public StoreOptions withMaxSegmentBytes(long bytes) {
        return new StoreOptions(bytes);
    }
}
