package kvs.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class MemoryBudgetTest {

    @Test
    void tryReserve_upToTheLimitExactly_thenWaitsForARelease() {
        MemoryBudget b = new MemoryBudget("test", 100);
        AtomicInteger woken = new AtomicInteger();
        assertTrue(b.tryReserve(60, woken::incrementAndGet));
        assertTrue(b.tryReserve(40, woken::incrementAndGet));
        assertFalse(b.tryReserve(1, woken::incrementAndGet));
        assertEquals(100, b.used());
        assertEquals(0, woken.get());
        b.release(40);
        assertEquals(1, woken.get(), "the waiter is called at the release");
        b.release(10);
        assertEquals(1, woken.get(), "once only");
        assertEquals(50, b.used());
    }

    @Test
    void tryReserveWithoutWaiting_fitsUnderTheLimit_orAloneWhenLarger() {
        MemoryBudget b = new MemoryBudget("test", 100);
        AtomicInteger woken = new AtomicInteger();
        assertTrue(b.tryReserve(250), "larger than the whole budget, but alone");
        assertFalse(b.tryReserve(1));
        assertFalse(b.fits(1, woken::incrementAndGet));
        b.release(250);
        assertEquals(1, woken.get());
        b.add(60);
        assertTrue(b.fits(40, woken::incrementAndGet));
        assertFalse(b.tryReserve(41));
        assertTrue(b.tryReserve(40));
        assertEquals(100, b.used());
    }

    @Test
    void release_wakesOnlyTheWaitersThatFit_firstComeFirstServed() {
        MemoryBudget b = new MemoryBudget("test", 100);
        java.util.List<String> woken = new java.util.ArrayList<>();
        assertTrue(b.tryReserve(100, () -> woken.add("never")));
        assertFalse(b.tryReserve(30, () -> woken.add("a")));
        assertFalse(b.tryReserve(50, () -> woken.add("b")));
        assertFalse(b.tryReserve(10, () -> woken.add("c")));
        b.release(40);
        assertEquals(java.util.List.of("a"), woken, "b (50) does not fit in what is left (10), and c waits behind it");
        b.release(60);
        assertEquals(java.util.List.of("a", "b", "c"), woken);
    }

    @Test
    void release_moreThanHeld_isABug() {
        MemoryBudget b = new MemoryBudget("test", 100);
        b.add(5);
        assertThrows(IllegalStateException.class, () -> b.release(6));
    }
}
