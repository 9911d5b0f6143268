package kvs.store;

import java.util.function.LongSupplier;

/**
 * When to try a failing background task again: not before a delay that doubles with each failure
 * in a row, from a base up to a cap, and back to none after a success. So a compaction that fails
 * (a full disk, say) is retried, but not on every write. Thread-safe.
 */
final class Backoff {

    private final long baseMillis;
    private final long maxMillis;
    private final LongSupplier clock;
    /** Failures in a row; guarded by {@code this}. */
    private int failures;
    /** Clock reading before which {@link #ready} is false; guarded by {@code this}. */
    private long notBefore;

    Backoff(long baseMillis, long maxMillis, LongSupplier clockMillis) {
        this.baseMillis = baseMillis;
        this.maxMillis = maxMillis;
        this.clock = clockMillis;
    }

    /** Whether the task may run now. */
    synchronized boolean ready() {
        return failures == 0 || clock.getAsLong() >= notBefore;
    }

    /** Records a failure; returns the delay, in milliseconds, before the task may run again. */
    synchronized long failed() {
        failures++;
        long delay = failures > 30 ? maxMillis : Math.min(maxMillis, baseMillis << (failures - 1));
        notBefore = clock.getAsLong() + delay;
        return delay;
    }

    /** Records a success: the next failure waits the base delay again. */
    synchronized void succeeded() {
        failures = 0;
    }
}
