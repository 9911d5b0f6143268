package kvs.server.store;

import static kvs.server.store.StoreTest.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyncTest {

    @TempDir
    Path dir;

    @Test
    void always_eachAcknowledgedWriteIsCoveredByAnFsync() throws Exception {
        try (Store s = Store.open(dir, StoreOptions.defaults().withSync(SyncPolicy.ALWAYS))) {
            for (int i = 1; i <= 5; i++) {
                s.set(b("k" + i), b("v"));
                assertEquals(i, s.stats().fsyncs(), "one writer: one fsync per write");
            }
            assertTrue(s.remove(b("k1")));
            assertEquals(6, s.stats().fsyncs());
        }
    }

    @Test
    void always_concurrentWritersShareFsyncs() throws Exception {
        int writers = 50;
        int each = 20;
        try (Store s = Store.open(dir, StoreOptions.defaults().withSync(SyncPolicy.ALWAYS))) {
            ExecutorService pool = Executors.newFixedThreadPool(writers);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int w = 0; w < writers; w++) {
                    int id = w;
                    done.add(pool.submit(() -> {
                        for (int i = 0; i < each; i++) {
                            s.set(b("w" + id + "-" + i), b("v"));
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get(120, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            long fsyncs = s.stats().fsyncs();
            assertTrue(fsyncs < writers * each / 2, fsyncs + " fsyncs for " + writers * each + " writes");
            assertEquals(writers * each, s.size());
        }
    }

    @Test
    void interval_fsyncsInTheBackground() throws Exception {
        StoreOptions o = StoreOptions.defaults().withSync(SyncPolicy.INTERVAL)
                .withSyncInterval(Duration.ofMillis(20));
        try (Store s = Store.open(dir, o)) {
            s.set(b("k"), b("v"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (s.stats().fsyncs() == 0) {
                assertTrue(System.nanoTime() < deadline, "no background fsync within 10 s");
                Thread.sleep(5);
            }
        }
    }

    @Test
    void never_fsyncsOnlyWhenSealing() throws Exception {
        StoreOptions o = StoreOptions.defaults().withSync(SyncPolicy.NEVER).withMaxSegmentBytes(1024);
        try (Store s = Store.open(dir, o)) {
            s.set(b("k"), b("v"));
            assertEquals(0, s.stats().fsyncs());
            s.set(b("big"), new byte[2000]); // seals the first file: one fsync
            assertEquals(1, s.stats().fsyncs());
        }
    }

    @Test
    void parse_policies() {
        assertEquals(SyncPolicy.ALWAYS, SyncPolicy.parse("always"));
        assertEquals(SyncPolicy.INTERVAL, SyncPolicy.parse("Interval"));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class, () -> SyncPolicy.parse("sometimes"));
        assertTrue(e.getMessage().contains("always, interval or never"));
    }
}
