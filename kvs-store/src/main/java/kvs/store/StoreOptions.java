package kvs.store;

import java.time.Clock;
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
 * @param maxKeydirBytes the most heap the keydir may take, as its own estimate counts it (about 45
 *     bytes a key beyond the key's bytes): a set of a new key that would pass it is refused with
 *     {@link KeydirFullException}; overwrites and removes go on. A store that holds more opens
 *     anyway (nothing on disk is dropped), logs a warning, and refuses new keys until enough are
 *     removed. {@link #UNLIMITED} by default: an embedding program knows its heap best
 * @param io how the store opens the files it writes: {@link StorageIo#real()}, or a test's seam
 * @param clock the clock that decides when keys expire: the system's, or a test's
 */
public record StoreOptions(long maxSegmentBytes, double compactRatio, long compactMinBytes,
        SyncPolicy sync, Duration syncInterval, long maxKeydirBytes, StorageIo io, Clock clock) {

    public static final long DEFAULT_MAX_SEGMENT_BYTES = 128L * 1024 * 1024;
    public static final long MAX_MAX_SEGMENT_BYTES = 1L << 30;
    public static final double DEFAULT_COMPACT_RATIO = 0.5;
    public static final long DEFAULT_COMPACT_MIN_BYTES = 64L * 1024 * 1024;
    public static final SyncPolicy DEFAULT_SYNC = SyncPolicy.INTERVAL;
    public static final Duration DEFAULT_SYNC_INTERVAL = Duration.ofSeconds(1);
    /** No keydir budget. */
    public static final long UNLIMITED = Long.MAX_VALUE;

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
        if (clock == null) {
            throw new IllegalArgumentException("clock is null");
        }
        if (maxKeydirBytes < 1) {
            throw new IllegalArgumentException("maxKeydirBytes must be at least 1, got "
                    + maxKeydirBytes);
        }
    }

    /** Options on the real file system, with no keydir budget. */
    public StoreOptions(long maxSegmentBytes, double compactRatio, long compactMinBytes,
            SyncPolicy sync, Duration syncInterval) {
        this(maxSegmentBytes, compactRatio, compactMinBytes, sync, syncInterval, UNLIMITED,
                StorageIo.real(), Clock.systemUTC());
    }

    public static StoreOptions defaults() {
        return new StoreOptions(DEFAULT_MAX_SEGMENT_BYTES, DEFAULT_COMPACT_RATIO,
                DEFAULT_COMPACT_MIN_BYTES, DEFAULT_SYNC, DEFAULT_SYNC_INTERVAL);
    }

    public StoreOptions withMaxSegmentBytes(long bytes) {
        return new StoreOptions(bytes, compactRatio, compactMinBytes, sync, syncInterval,
                maxKeydirBytes, io, clock);
    }

    public StoreOptions withCompactRatio(double ratio) {
        return new StoreOptions(maxSegmentBytes, ratio, compactMinBytes, sync, syncInterval,
                maxKeydirBytes, io, clock);
    }

    public StoreOptions withCompactMinBytes(long bytes) {
        return new StoreOptions(maxSegmentBytes, compactRatio, bytes, sync, syncInterval,
                maxKeydirBytes, io, clock);
    }

    public StoreOptions withSync(SyncPolicy policy) {
        return new StoreOptions(maxSegmentBytes, compactRatio, compactMinBytes, policy, syncInterval,
                maxKeydirBytes, io, clock);
    }

    public StoreOptions withSyncInterval(Duration interval) {
        return new StoreOptions(maxSegmentBytes, compactRatio, compactMinBytes, sync, interval,
                maxKeydirBytes, io, clock);
    }

    /** The same options with the store's file I/O going through {@code io}: a hook for tests. */
    public StoreOptions withIo(StorageIo io) {
        return new StoreOptions(maxSegmentBytes, compactRatio, compactMinBytes, sync, syncInterval,
                maxKeydirBytes, io, clock);
    }

    /** The same options with a keydir budget of {@code bytes} ({@link #UNLIMITED}: none). */
    public StoreOptions withMaxKeydirBytes(long bytes) {
        return new StoreOptions(maxSegmentBytes, compactRatio, compactMinBytes, sync, syncInterval,
                bytes, io, clock);
    }

    /** The same options with keys expiring by {@code clock}: a hook for tests. */
    public StoreOptions withClock(Clock clock) {
        return new StoreOptions(maxSegmentBytes, compactRatio, compactMinBytes, sync, syncInterval,
                maxKeydirBytes, io, clock);
    }
}
