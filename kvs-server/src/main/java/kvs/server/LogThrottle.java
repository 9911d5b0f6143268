package kvs.server;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Lets at most one log line of each kind through per period, and counts the rest, so that a
 * failure repeated a million times (a full disk under load) costs a line a second, not a log
 * that fills the disk. The count of lines held back is reported with the next line of that
 * kind that goes through; a storm that stops leaves its last count unreported.
 *
 * <p>Thread-safe: each kind's state is guarded by its own monitor. The clock is injected, in
 * nanoseconds, so that tests need not sleep.
 */
final class LogThrottle<K> {

    /** What to log, when a line may go through: how many were held back, over how long. */
    record Pass(long suppressed, long sinceNanos) {

        /** {@code " (and 1234 more like it in the last 5 s)"}, or empty if none were held back. */
        String suffix() {
            if (suppressed == 0) {
                return "";
            }
            long seconds = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(sinceNanos));
            return " (and " + suppressed + " more like it in the last " + seconds + " s)";
        }
    }

    private static final class State {
        /** When the last line went through; guarded by this. */
        long lastNanos;
        /** Lines held back since then; guarded by this. */
        long suppressed;
    }

    private final long periodNanos;
    private final LongSupplier clock;
    private final ConcurrentHashMap<K, State> kinds = new ConcurrentHashMap<>();

    /**
     * @param periodNanos at most one line per kind in this long
     * @param clock monotonic nanoseconds, {@code System::nanoTime} outside tests
     */
    LogThrottle(long periodNanos, LongSupplier clock) {
        if (periodNanos <= 0) {
            throw new IllegalArgumentException("the period must be positive");
        }
        this.periodNanos = periodNanos;
        this.clock = clock;
    }

    /** One line a second per kind, on the system clock. */
    static <K> LogThrottle<K> perSecond() {
        return new LogThrottle<>(TimeUnit.SECONDS.toNanos(1), System::nanoTime);
    }

    /** Whether a line of {@code kind} may go through now: a pass if so, null if it is held back. */
    Pass tryPass(K kind) {
        long now = clock.getAsLong();
        State s = kinds.get(kind);
        if (s == null) {
            State fresh = new State();
            fresh.lastNanos = now;
            s = kinds.putIfAbsent(kind, fresh);
            if (s == null) {
                return new Pass(0, 0);
            }
        }
        synchronized (s) {
            if (now - s.lastNanos < periodNanos) {
                s.suppressed++;
                return null;
            }
            Pass p = new Pass(s.suppressed, now - s.lastNanos);
            s.lastNanos = now;
            s.suppressed = 0;
            return p;
        }
    }
}
