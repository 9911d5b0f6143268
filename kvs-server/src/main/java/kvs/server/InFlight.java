package kvs.server;

import java.util.concurrent.TimeUnit;

/**
 * Counts requests received and not yet answered, across all connections, so that shutdown can
 * wait until every request already read has its response written.
 */
final class InFlight {

    /** Guarded by {@code this}. */
    private long count;

    synchronized void add(int n) {
        count += n;
    }

    synchronized void done(int n) {
        count -= n;
        if (count == 0) {
            notifyAll();
        }
    }

    synchronized long count() {
        return count;
    }

    /** Waits until nothing is in flight or the deadline passes; returns whether drained. */
    synchronized boolean awaitZero(long deadlineNanos) throws InterruptedException {
        while (count > 0) {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }
}
