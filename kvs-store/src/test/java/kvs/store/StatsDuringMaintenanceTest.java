package kvs.store;

import static kvs.store.StoreTest.b;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Store#stats} never waits for maintenance: it answers while a compaction is held in
 * progress, and while the keydir's write lock (which compaction takes once per key it
 * moves, and every writer takes) is held.
 */
class StatsDuringMaintenanceTest {

    private static final StoreOptions SMALL = StoreOptions.defaults().withMaxSegmentBytes(4096)
            .withCompactMinBytes(Long.MAX_VALUE / 2); // no automatic compaction

    @TempDir
    Path dir;

    @Test
    void stats_whileTheKeydirIsWriteLocked_answersAtOnce() throws Exception {
        ExecutorService other = Executors.newSingleThreadExecutor();
        try (Store s = Store.open(dir, SMALL)) {
            s.set(b("a"), b("1"));
            List<StoreStats> seen = new ArrayList<>();
            s.keydir.whileWriteLockedForTest(() -> {
                try {
                    seen.add(other.submit(s::stats).get(10, TimeUnit.SECONDS));
                } catch (Exception e) {
                    throw new AssertionError("stats waited for the keydir's write lock", e);
                }
            });
            assertEquals(1, seen.get(0).keys());
        } finally {
            other.shutdownNow();
        }
    }

    @Test
    void stats_get_set_answerWhileACompactionIsHeldInProgress() throws Exception {
        ExecutorService other = Executors.newSingleThreadExecutor();
        try (Store s = Store.open(dir, SMALL)) {
            for (int round = 0; round < 5; round++) {
                for (int k = 0; k < 40; k++) {
                    s.set(b("key" + k), b("value " + round + " of key " + k));
                }
            }
            LinkedBlockingQueue<String> reached = new LinkedBlockingQueue<>();
            CountDownLatch release = new CountDownLatch(1);
            s.compactorForTest().listener(step -> {
                reached.add(step);
                try {
                    if (!release.await(30, TimeUnit.SECONDS)) {
                        throw new java.io.IOException("test never released the compaction");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException();
                }
            });
            CompletableFuture<Void> compaction = s.compactAsync();
            String step = reached.poll(30, TimeUnit.SECONDS);
            assertNotNull(step, "the compaction never reached its first step");
            assertEquals("outputs-written", step);
            // The compaction is in progress, held; everything else goes on.
            StoreStats stats = other.submit(s::stats).get(10, TimeUnit.SECONDS);
            assertEquals(40, stats.keys());
            other.submit(() -> {
                s.set(b("key0"), b("during"));
                return null;
            }).get(10, TimeUnit.SECONDS);
            assertArrayEquals(b("during"), other.submit(() -> s.get(b("key0"))).get(10, TimeUnit.SECONDS));
            release.countDown();
            compaction.get(30, TimeUnit.SECONDS);
            assertEquals(1, s.stats().compactions());
            assertArrayEquals(b("during"), s.get(b("key0")));
        } finally {
            other.shutdownNow();
        }
    }
}
