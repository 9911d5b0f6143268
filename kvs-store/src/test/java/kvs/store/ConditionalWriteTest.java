package kvs.store;

import static kvs.store.StoreTest.b;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Store#setIfAsync}, {@link Store#removeAndGetAsync} and {@link Store#setAllAsync}. */
class ConditionalWriteTest {

    private static final int ANY_SIZE = Integer.MAX_VALUE;

    @TempDir
    Path dir;

    private static Store.Outcome setIf(Store s, String key, String value, Store.Condition c, boolean previous)
            throws Exception {
        return s.setIfAsync(b(key), ByteBuffer.wrap(b(value)), c, previous, true, ANY_SIZE).get(10, TimeUnit.SECONDS);
    }

    @Test
    void ifAbsent_writesOnlyAMissingKey() throws Exception {
        try (Store s = Store.open(dir)) {
            assertTrue(setIf(s, "k", "1", Store.Condition.IF_ABSENT, false).applied());
            Store.Outcome second = setIf(s, "k", "2", Store.Condition.IF_ABSENT, true);
            assertFalse(second.applied());
            assertArrayEquals(b("1"), second.previous(), "the value it found, though not applied");
            assertArrayEquals(b("1"), s.get(b("k")));
        }
    }

    @Test
    void ifPresent_writesOnlyAnExistingKey() throws Exception {
        try (Store s = Store.open(dir)) {
            Store.Outcome missing = setIf(s, "k", "1", Store.Condition.IF_PRESENT, true);
            assertFalse(missing.applied());
            assertNull(missing.previous());
            assertNull(s.get(b("k")));
            s.set(b("k"), b("0"));
            Store.Outcome present = setIf(s, "k", "1", Store.Condition.IF_PRESENT, true);
            assertTrue(present.applied());
            assertArrayEquals(b("0"), present.previous());
            assertArrayEquals(b("1"), s.get(b("k")));
        }
    }

    @Test
    void conditionalWrites_andGetAndRemove_surviveReopen() throws Exception {
        try (Store s = Store.open(dir)) {
            setIf(s, "a", "1", Store.Condition.ALWAYS, false);
            setIf(s, "b", "2", Store.Condition.IF_ABSENT, false);
            s.set(b("c"), b("3"));
            assertArrayEquals(b("3"), s.removeAndGetAsync(b("c"), true, ANY_SIZE).get(10, TimeUnit.SECONDS));
            assertNull(s.removeAndGetAsync(b("c"), true, ANY_SIZE).get(10, TimeUnit.SECONDS), "gone already");
        }
        try (Store s = Store.open(dir)) {
            assertArrayEquals(b("1"), s.get(b("a")));
            assertArrayEquals(b("2"), s.get(b("b")));
            assertNull(s.get(b("c")));
            assertEquals(2, s.size());
        }
    }

    @Test
    void ifAbsent_fromManyThreads_exactlyOneWins() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try (Store s = Store.open(dir)) {
            for (int round = 0; round < 20; round++) {
                String key = "k" + round;
                AtomicInteger wins = new AtomicInteger();
                List<Future<?>> all = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    String value = "t" + t;
                    all.add(pool.submit(() -> {
                        if (setIf(s, key, value, Store.Condition.IF_ABSENT, false).applied()) {
                            wins.incrementAndGet();
                        }
                        return null;
                    }));
                }
                for (Future<?> f : all) {
                    f.get(10, TimeUnit.SECONDS);
                }
                assertEquals(1, wins.get(), key);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void eventLoopCallers_areDeclined_forAPreviousValueOverTheirLimit_andDoNothing() throws Exception {
        try (Store s = Store.open(dir)) {
            s.set(b("big"), new byte[1000]);
            assertNull(s.setIfAsync(b("big"), ByteBuffer.wrap(b("x")), Store.Condition.ALWAYS, true, false, 100));
            assertNull(s.removeAndGetAsync(b("big"), false, 100));
            assertEquals(1000, s.get(b("big")).length, "nothing was written");
            assertNotNull(s.setIfAsync(b("big"), ByteBuffer.wrap(b("x")), Store.Condition.ALWAYS, false, false, 100),
                    "without the previous value nothing is read, so nothing to decline");
        }
    }

    @Test
    void readingThePrevious_whileCompactionMovesIt_findsItsNewPlace() throws Exception {
        StoreOptions options = StoreOptions.defaults().withSync(SyncPolicy.NEVER).withMaxSegmentBytes(4096);
        try (Store s = Store.open(dir, options)) {
            for (int round = 0; round < 30; round++) {
                for (int i = 0; i < 40; i++) {
                    s.set(b("k" + i), b("r" + round + "-" + i));
                }
                Future<?> compaction = s.compactAsync();
                for (int i = 0; i < 40; i++) {
                    Store.Outcome o = setIf(s, "k" + i, "r" + round + "-" + i + "'", Store.Condition.IF_PRESENT, true);
                    assertArrayEquals(b("r" + round + "-" + i), o.previous());
                }
                compaction.get(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void setAll_atTheKeydirBudget_refusesTheWholeBatch_butOverwritesStillPass() throws Exception {
        try (Store s = Store.open(dir)) {
            s.set(b("old"), b("0"));
        }
        try (Store small = Store.open(dir, StoreOptions.defaults().withMaxKeydirBytes(1))) {
            List<byte[]> keys = List.of(b("old"), b("new"));
            List<ByteBuffer> values = List.of(ByteBuffer.wrap(b("1")), ByteBuffer.wrap(b("2")));
            assertThrows(KeydirFullException.class, () -> small.setAllAsync(keys, values));
            assertArrayEquals(b("0"), small.get(b("old")), "nothing of the batch was applied");
            assertNull(small.get(b("new")));
            small.setAllAsync(List.of(b("old")), List.of(ByteBuffer.wrap(b("1")))).get(10, TimeUnit.SECONDS);
            assertArrayEquals(b("1"), small.get(b("old")));
        }
    }

    @Test
    void setAll_mayWaitForASeal_andAppendsAll() throws Exception {
        StoreOptions options = StoreOptions.defaults().withSync(SyncPolicy.NEVER).withMaxSegmentBytes(1024);
        try (Store s = Store.open(dir, options)) {
            s.set(b("first"), new byte[100]);
            List<byte[]> keys = new ArrayList<>();
            List<ByteBuffer> values = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                keys.add(b("k" + i));
                values.add(ByteBuffer.wrap(new byte[100]));
            }
            assertNull(s.trySetAllAsync(keys, values), "an event loop's caller is declined: it would seal");
            s.setAllAsync(keys, values).get(10, TimeUnit.SECONDS);
            assertEquals(11, s.size());
            assertEquals(2, s.stats().segments(), "sealed once, the batch whole in the new file");
        }
    }

    @Test
    void conditionalWrite_onAFullDisk_failsAndLeavesTheOldValue() throws Exception {
        FaultyIo io = new FaultyIo();
        try (Store s = Store.open(dir, StoreOptions.defaults().withIo(io))) {
            s.set(b("k"), b("old"));
            io.spaceLeft(0);
            assertThrows(IOException.class, () -> s.setIfAsync(b("k"), ByteBuffer.wrap(b("new")),
                    Store.Condition.IF_PRESENT, true, true, ANY_SIZE));
            assertThrows(IOException.class, () -> s.removeAndGetAsync(b("k"), true, ANY_SIZE));
            assertArrayEquals(b("old"), s.get(b("k")));
        }
    }
}
