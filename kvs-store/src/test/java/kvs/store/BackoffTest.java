package kvs.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class BackoffTest {

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final Backoff backoff = new Backoff(1_000, 8_000, now::get);

    @Test
    void failed_doublesTheDelay_upToTheCap_andSuccessResetsIt() {
        assertTrue(backoff.ready());
        assertEquals(1_000, backoff.failed());
        now.addAndGet(999);
        assertFalse(backoff.ready());
        now.addAndGet(1);
        assertTrue(backoff.ready());
        assertEquals(2_000, backoff.failed());
        assertEquals(4_000, backoff.failed());
        assertEquals(8_000, backoff.failed());
        assertEquals(8_000, backoff.failed(), "capped");
        now.addAndGet(7_999);
        assertFalse(backoff.ready());
        backoff.succeeded();
        assertTrue(backoff.ready());
        assertEquals(1_000, backoff.failed(), "from the base again");
    }

    @Test
    void failed_manyTimes_neverOverflows() {
        for (int i = 0; i < 100; i++) {
            assertTrue(backoff.failed() <= 8_000);
        }
    }

    @Test
    void failed_doublesUpTo30Failures_thenWaitsTheCap() {
        Backoff wide = new Backoff(1, Long.MAX_VALUE, now::get);
        long delay = 0;
        for (int i = 1; i <= 30; i++) {
            delay = wide.failed();
        }
        assertEquals(1L << 29, delay, "the 30th failure still doubles");
        assertEquals(Long.MAX_VALUE, wide.failed(), "past 30 the shift would overflow: the cap");
    }
}
