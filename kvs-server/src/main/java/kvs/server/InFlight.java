package kvs.server;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts requests received and not yet answered, across all connections, so that shutdown can
 * wait until every request already read has its response written. Counted on the hot path by
 * every event loop, so a {@link LongAdder} (no shared cache line, no lock); only shutdown reads
 * the sum, polling.
 */
final class InFlight {

    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

    private final LongAdder count = new LongAdder();

    void add(int n) {
        count.add(n);
    }

    void done(int n) {
        count.add(-n);
    }

    long count() {
        return count.sum();
    }

    /**
     * Waits until nothing is in flight or the deadline passes; returns whether drained. Called
     * once new requests are no longer read, so the count only falls.
     */
    boolean awaitZero(long deadlineNanos) throws InterruptedException {
        while (count.sum() > 0) {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.sleep(Math.min(left, POLL_NANOS));
        }
        return true;
    }
}
