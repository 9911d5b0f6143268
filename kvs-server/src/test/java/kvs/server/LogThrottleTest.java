package kvs.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** {@link LogThrottle} on a clock the test moves by hand. */
class LogThrottleTest {

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private final AtomicLong now = new AtomicLong(123_456_789L);
    private final LogThrottle<String> throttle = new LogThrottle<>(SECOND, now::get);

    @Test
    void tryPass_firstOfAKind_passesWithNothingHeldBack() {
        LogThrottle.Pass p = throttle.tryPass("disk full");
        assertNotNull(p);
        assertEquals(0, p.suppressed());
        assertEquals("", p.suffix());
    }

    @Test
    void tryPass_withinThePeriod_heldBack_thenCountedWithTheNextLine() {
        assertNotNull(throttle.tryPass("disk full"));
        for (int i = 0; i < 1234; i++) {
            now.addAndGet(SECOND / 2000);
            assertNull(throttle.tryPass("disk full"));
        }
        now.set(123_456_789L + 5 * SECOND);
        LogThrottle.Pass p = throttle.tryPass("disk full");
        assertNotNull(p);
        assertEquals(1234, p.suppressed());
        assertEquals(" (and 1234 more like it in the last 5 s)", p.suffix());
        assertNull(throttle.tryPass("disk full"), "a new period began with that line");
    }

    @Test
    void tryPass_exactlyOnePeriodLater_passes_oneNanosecondEarlier_heldBack() {
        assertNotNull(throttle.tryPass("k"));
        now.addAndGet(SECOND - 1);
        assertNull(throttle.tryPass("k"));
        now.addAndGet(1);
        LogThrottle.Pass p = throttle.tryPass("k");
        assertNotNull(p);
        assertEquals(1, p.suppressed());
        assertEquals(" (and 1 more like it in the last 1 s)", p.suffix());
    }

    @Test
    void tryPass_kindsAreThrottledApart() {
        assertNotNull(throttle.tryPass("disk full"));
        assertNotNull(throttle.tryPass("damaged record"));
        assertNull(throttle.tryPass("disk full"));
        assertNull(throttle.tryPass("damaged record"));
    }

    @Test
    void tryPass_clockNearOverflow_stillMeasuresTheInterval() {
        now.set(Long.MAX_VALUE - SECOND / 2);
        assertNotNull(throttle.tryPass("k"));
        now.addAndGet(SECOND); // wraps past Long.MAX_VALUE, as System.nanoTime may
        assertNotNull(throttle.tryPass("k"));
    }

    @Test
    void constructor_nonPositivePeriod_refused() {
        assertThrows(IllegalArgumentException.class, () -> new LogThrottle<String>(0, now::get));
    }
}
