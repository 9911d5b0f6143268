package kvs.store;

import static kvs.store.StoreTest.b;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@link Store#compareAndSetAsync} and {@link Store#incrAsync}. */
class AtomicUpdateTest {

    private static final int ANY_SIZE = Integer.MAX_VALUE;
    private static final int THREADS = 4;

    @TempDir
    Path dir;

    private static Store.Outcome cas(Store s, String key, String expected, String value, boolean previous)
            throws Exception {
        return s.compareAndSetAsync(b(key), b(expected), ByteBuffer.wrap(b(value)), previous, true, ANY_SIZE)
                .get(10, TimeUnit.SECONDS);
    }

    private static long incr(Store s, String key, long by) throws Exception {
        return s.incrAsync(b(key), by, true).get(10, TimeUnit.SECONDS);
    }

    private static String text(byte[] value) {
        return new String(value, StandardCharsets.UTF_8);
    }

    @Test
    void compareAndSet_writesOnlyOverTheExpectedValue() throws Exception {
        try (Store s = Store.open(dir)) {
            assertFalse(cas(s, "k", "", "1", false).applied(), "a missing key matches nothing, not even empty");
            assertNull(s.get(b("k")));
            s.set(b("k"), b("abc"));
            Store.Outcome sameSize = cas(s, "k", "abd", "x", true);
            assertFalse(sameSize.applied());
            assertArrayEquals(b("abc"), sameSize.previous(), "the value it found, though not applied");
            assertFalse(cas(s, "k", "ab", "x", false).applied());
            assertFalse(cas(s, "k", "abcd", "x", false).applied());
            assertArrayEquals(b("abc"), s.get(b("k")));
            Store.Outcome hit = cas(s, "k", "abc", "new", true);
            assertTrue(hit.applied());
            assertArrayEquals(b("abc"), hit.previous());
            assertArrayEquals(b("new"), s.get(b("k")));
            s.set(b("e"), new byte[0]);
            assertTrue(cas(s, "e", "", "full", false).applied(), "an empty value is a value");
            assertArrayEquals(b("full"), s.get(b("e")));
        }
    }

    @Test
    void compareAndSet_onAnEventLoop_readsOnlyAValueThatCouldMatch() throws Exception {
        try (Store s = Store.open(dir)) {
            s.set(b("big"), new byte[1000]);
            assertNull(s.compareAndSetAsync(b("big"), new byte[1000], ByteBuffer.wrap(b("x")), false, false, 100),
                    "declined: a value of the expected size must be read, and it is over the limit");
            Store.Outcome other = s.compareAndSetAsync(b("big"), new byte[999], ByteBuffer.wrap(b("x")), false,
                    false, 100).get(10, TimeUnit.SECONDS);
            assertFalse(other.applied(), "another size cannot match: answered without reading");
            assertEquals(1000, s.get(b("big")).length);
        }
    }

    @Test
    void incr_countsFromZero_andStoresDecimalText() throws Exception {
        try (Store s = Store.open(dir)) {
            assertEquals(1, incr(s, "n", 1));
            assertEquals(11, incr(s, "n", 10));
            assertEquals(-4, incr(s, "n", -15));
            assertArrayEquals(b("-4"), s.get(b("n")));
            assertEquals(0, incr(s, "n", 4));
            assertArrayEquals(b("0"), s.get(b("n")));
            s.set(b("m"), b("9223372036854775806"));
            assertEquals(Long.MAX_VALUE, incr(s, "m", 1));
        }
        try (Store s = Store.open(dir)) {
            assertArrayEquals(b("0"), s.get(b("n")), "survives reopen");
            assertEquals(5, incr(s, "n", 5));
        }
    }

    @Test
    void incr_ofAValueThatIsNotAnInteger_failsAndWritesNothing() throws Exception {
        try (Store s = Store.open(dir)) {
            for (String v : new String[] {"abc", "", " 1", "+1", "01", "1.0", "9223372036854775808"}) {
                s.set(b("k"), b(v));
                long segmentBytes = s.stats().totalBytes();
                NotAnIntegerException e = assertThrows(NotAnIntegerException.class, () -> s.incrAsync(b("k"), 1, true));
                assertFalse(e.isOverflow(), v);
                assertArrayEquals(b(v), s.get(b("k")));
                assertEquals(segmentBytes, s.stats().totalBytes(), "nothing appended for '" + v + "'");
            }
            s.set(b("big"), new byte[10_000]);
            assertThrows(NotAnIntegerException.class, () -> s.incrAsync(b("big"), 1, false),
                    "refused by its size, on an event loop too: nothing to read");
        }
    }

    @Test
    void incr_thatWouldOverflow_failsAndWritesNothing() throws Exception {
        try (Store s = Store.open(dir)) {
            s.set(b("max"), b("9223372036854775807"));
            s.set(b("min"), b("-9223372036854775808"));
            assertTrue(assertThrows(NotAnIntegerException.class, () -> s.incrAsync(b("max"), 1, true)).isOverflow());
            assertTrue(assertThrows(NotAnIntegerException.class, () -> s.incrAsync(b("min"), -1, true)).isOverflow());
            assertEquals("increment or decrement would overflow",
                    assertThrows(NotAnIntegerException.class, () -> s.incrAsync(b("max"), Long.MAX_VALUE, true))
                            .getMessage());
            assertArrayEquals(b("9223372036854775807"), s.get(b("max")));
            assertArrayEquals(b("-9223372036854775808"), s.get(b("min")));
        }
    }

    @Test
    void incr_onAnEventLoop_isDeclinedWhenItWouldSeal() throws Exception {
        StoreOptions options = StoreOptions.defaults().withSync(SyncPolicy.NEVER).withMaxSegmentBytes(1024);
        try (Store s = Store.open(dir, options)) {
            s.set(b("fill"), new byte[1000]);
            assertNull(s.incrAsync(b("n"), 1, false), "it would seal the active file first");
            assertNull(s.get(b("n")), "nothing written");
            assertEquals(1, incr(s, "n", 1), "a caller that may wait seals and writes");
            assertNotNull(s.incrAsync(b("n"), 1, false));
            assertArrayEquals(b("2"), s.get(b("n")));
        }
    }

    /** Runs {@code work} on {@value #THREADS} threads at once, given each its number, and waits for all. */
    private static void onThreads(ThreadWork work) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<?>> all = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                all.add(pool.submit(() -> {
                    work.run(thread);
                    return null;
                }));
            }
            for (Future<?> f : all) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private interface ThreadWork {
        void run(int thread) throws Exception;
    }

    @Test
    @Timeout(60)
    void incr_fromManyThreads_losesNoUpdate() throws Exception {
        int perThread = 500;
        try (Store s = Store.open(dir, StoreOptions.defaults().withSync(SyncPolicy.NEVER))) {
            onThreads(thread -> {
                for (int i = 0; i < perThread; i++) {
                    incr(s, "n", thread + 1);
                }
            });
            assertArrayEquals(b(Long.toString(perThread * (1L + 2 + 3 + 4))), s.get(b("n")));
        }
    }

    @Test
    @Timeout(60)
    void compareAndSetLoops_fromManyThreads_loseNoUpdate() throws Exception {
        int perThread = 200;
        try (Store s = Store.open(dir, StoreOptions.defaults().withSync(SyncPolicy.NEVER))) {
            s.set(b("n"), b("0"));
            onThreads(thread -> {
                int misses = 0;
                for (int done = 0; done < perThread; ) {
                    String seen = text(s.get(b("n")));
                    String next = Long.toString(Long.parseLong(seen) + 1);
                    if (cas(s, "n", seen, next, false).applied()) {
                        done++;
                    } else if (++misses > 1_000_000) {
                        throw new AssertionError("no progress");
                    }
                }
            });
            assertArrayEquals(b(Integer.toString(THREADS * perThread)), s.get(b("n")));
        }
    }

    @Test
    void updates_whileCompactionMovesTheRecords_findTheirNewPlace() throws Exception {
        StoreOptions options = StoreOptions.defaults().withSync(SyncPolicy.NEVER).withMaxSegmentBytes(4096);
        try (Store s = Store.open(dir, options)) {
            for (int round = 0; round < 30; round++) {
                for (int i = 0; i < 40; i++) {
                    s.set(b("c" + i), b(round + "-" + i));
                    s.set(b("n" + i), b(Integer.toString(round * 1000 + i)));
                }
                Future<?> compaction = s.compactAsync();
                for (int i = 0; i < 40; i++) {
                    Store.Outcome o = cas(s, "c" + i, round + "-" + i, round + "-" + i + "'", true);
                    assertTrue(o.applied(), "c" + i);
                    assertEquals(round * 1000 + i + 7, incr(s, "n" + i, 7));
                }
                compaction.get(10, TimeUnit.SECONDS);
            }
        }
    }
}
