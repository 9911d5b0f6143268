package kvs.store;

import java.time.Duration;

/**
 * How a {@link Store} is run. Start from {@link #defaults()} and change what you need:
 * {@code StoreOptions.defaults().withMaxSegmentBytes(1 << 20)}.
 *
 * @param maxSegmentBytes the size past which the active data file is sealed and a new one begun
 *     (a single larger record still gets a file of its own); 1 KiB to 1 GiB
 * @param compactRatio automatic compaction starts when dead bytes reach this share of the sealed
 *     data files' total, and ...
 * @param compactMinBytes ... are at least this many
 * @param sync when writes are fsynced, and so what an acknowledged write survives
 * @param syncInterval for {@link SyncPolicy#INTERVAL}: the longest time between fsyncs
 * @param io how the store opens the files it writes: {@link StorageIo#real()}, or a test's seam
 */
public record StoreOptions(long maxSegmentBytes, double compactRatio, long compactMinBytes,
        SyncPolicy sync, Duration syncInterval, StorageIo io) {

    public static final long DEFAULT_MAX_SEGMENT_BYTES = 128L * 1024 * 1024;
    public static final long MAX_MAX_SEGMENT_BYTES = 1L << 30;
    public static final double DEFAULT_COMPACT_RATIO = 0.5;
    public static final long DEFAULT_COMPACT_MIN_BYTES = 64L * 1024 * 1024;
    public static final SyncPolicy DEFAULT_SYNC = SyncPolicy.INTERVAL;
    public static final Duration DEFAULT_SYNC_INTERVAL = Duration.ofSeconds(1);

    public StoreOptions {
        if (maxSegmentBytes < 1024 || maxSegmentBytes > MAX_MAX_SEGMENT_BYTES) {
            throw new IllegalArgumentException("maxSegmentBytes must be 1 KiB to 1 GiB, got "
                    + maxSegmentBytes);
        }
        if (!(compactRatio > 0 && compactRatio <= 1)) {
            throw new IllegalArgumentException("compactRatio must be above 0 and at most 1, got "
                    + compactRatio);
        }
        if (compactMinBytes < 0) {
            throw new IllegalArgumentException("compactMinBytes must not be negative, got "
                    + compactMinBytes);
        }
        if (sync == null) {
            throw new IllegalArgumentException("sync policy is null");
        }
        if (syncInterval == null || syncInterval.isNegative() || syncInterval.isZero()) {
            throw new IllegalArgumentException("syncInterval must be positive, got " + syncInterval);
        }
        if (io == null) {
            throw new IllegalArgumentException("io is null");
        }
    }

    /** Options on the real file system. */
    public StoreOptions(long maxSegmentBytes, double compactRatio, long compactMinBytes,
            SyncPolicy sync, Duration syncInterval) {
        this(maxSegmentBytes, compactRatio, compactMinBytes, sync, syncInterval, StorageIo.real());
    }

    public static StoreOptions defaults() {
        return new StoreOptions(DEFAULT_MAX_SEGMENT_BYTES, DEFAULT_COMPACT_RATIO,
                DEFAULT_COMPACT_MIN_BYTES, DEFAULT_SYNC, DEFAULT_SYNC_INTERVAL);
    }

    public StoreOptions withMaxSegmentBytes(long bytes) {
        return new StoreOptions(bytes, compactRatio, compactMinBytes, sync, syncInterval, io);
    }

    public StoreOptions withCompactRatio(double ratio) {
        return new StoreOptions(maxSegmentBytes, ratio, compactMinBytes, sync, syncInterval, io);
    }

    public StoreOptions withCompactMinBytes(long bytes) {
        return new StoreOptions(maxSegmentBytes, compactRatio, bytes, sync, syncInterval, io);
    }

    public StoreOptions withSync(SyncPolicy policy) {
        return new StoreOptions(maxSegmentBytes, compactRatio, compactMinBytes, policy, syncInterval, io);
    }

    public StoreOptions withSyncInterval(Duration interval) {
        return new StoreOptions(maxSegmentBytes, compactRatio, compactMinBytes, sync, interval, io);
    }

    /** The same options with the store's file I/O going through {@code io}: a hook for tests. */
    public StoreOptions withIo(StorageIo io) {
        return new StoreOptions(maxSegmentBytes, compactRatio, compactMinBytes, sync, syncInterval, io);
    }
}
