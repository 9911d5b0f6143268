package kvs.store;

import static kvs.store.StoreTest.b;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
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
    void always_eachAcknowledgementComesAfterARealForceOfItsBytes() throws Exception {
        FaultyIo io = new FaultyIo();
        Path active = SegmentNames.dataFile(dir, 1);
        try (Store s = Store.open(dir, StoreOptions.defaults().withSync(SyncPolicy.ALWAYS).withIo(io))) {
            for (int i = 1; i <= 5; i++) {
                CompletableFuture<Void> acked = s.setAsync(b("k" + i), b("v" + i));
                long end = io.writtenEnd(active);
                // Runs where the ack happens (the syncer thread), or here if it happened already.
                CompletableFuture<Long> syncedAtAck = acked.thenApply(v -> io.syncedEnd(active));
                assertTrue(end > RecordFormat.FILE_HEADER_BYTES, "the write went through the seam");
                assertTrue(syncedAtAck.get(30, TimeUnit.SECONDS) >= end, "write " + i + " ends at "
                        + end + " but was acknowledged with the file forced up to " + io.syncedEnd(active)
                        + "; events: " + io.events());
            }
        }
    }

    @Test
    void always_aWriteMadeDuringAnFsyncWaitsForTheNextOne() throws Exception {
        FaultyIo io = new FaultyIo();
        try (Store s = Store.open(dir, StoreOptions.defaults().withSync(SyncPolicy.ALWAYS).withIo(io))) {
            int opening = io.forcesDone(); // opening fsyncs the directory
            io.holdForces();
            try {
                CompletableFuture<Void> first = s.setAsync(b("a"), b("1"));
                assertTrue(io.awaitForcesEntered(opening + 1, Duration.ofSeconds(30)), "no fsync began");
                // The fsync for "a" is under way: "b" lands in the file while it runs.
                CompletableFuture<Void> second = s.setAsync(b("b"), b("2"));
                io.release(1);
                first.get(30, TimeUnit.SECONDS);
                // The syncer goes on to an fsync for "b" (held in the seam): until it returns, "b"
                // is not durable, so it must not be acknowledged.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (!second.isDone() && !io.awaitForcesEntered(opening + 2, Duration.ofMillis(50))) {
                    assertTrue(System.nanoTime() < deadline, "no second fsync within 30 s");
                }
                assertFalse(second.isDone(), "a write made during an fsync was acknowledged by it");
                io.release(1);
                second.get(30, TimeUnit.SECONDS);
                assertEquals(opening + 2, io.forcesDone());
            } finally {
                io.releaseAll();
            }
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
    void always_whatRunsOnAnAcknowledgementDoesNotHoldUpOtherWriters() throws Exception {
        FaultyIo io = new FaultyIo();
        try (Store s = Store.open(dir, StoreOptions.defaults().withSync(SyncPolicy.ALWAYS).withIo(io))) {
            io.holdForces(); // so that the callback below is in place before the acknowledgement
            ExecutorService other = Executors.newSingleThreadExecutor();
            try {
                CompletableFuture<Void> first = s.setAsync(b("a"), b("1"));
                // Runs on the syncer thread as it acknowledges "a": another writer must get through
                // meanwhile, which it cannot if the syncer acknowledges while holding its monitor.
                CompletableFuture<Boolean> otherGotThrough = first.thenApply(v -> {
                    try {
                        other.submit(() -> s.setAsync(b("b"), b("2"))).get(10, TimeUnit.SECONDS);
                        return true;
                    } catch (Exception e) {
                        return false;
                    }
                });
                io.releaseAll();
                assertTrue(otherGotThrough.get(60, TimeUnit.SECONDS), "a writer was held up by an ack");
            } finally {
                io.releaseAll();
                other.shutdownNow();
            }
            s.set(b("c"), b("3"));
            assertArrayEquals(b("2"), s.get(b("b")));
        }
    }

    @Test
    void interval_fsyncsInTheBackground() throws Exception {
        FaultyIo io = new FaultyIo();
        StoreOptions o = StoreOptions.defaults().withSync(SyncPolicy.INTERVAL)
                .withSyncInterval(Duration.ofMillis(20)).withIo(io);
        try (Store s = Store.open(dir, o)) {
            int before = io.forcesDone(); // opening fsyncs the directory
            s.set(b("k"), b("v"));
            Path active = SegmentNames.dataFile(dir, 1);
            long end = io.writtenEnd(active);
            assertTrue(io.awaitForcesDone(before + 1, Duration.ofSeconds(10)), "no background fsync within 10 s");
            assertEquals(end, io.syncedEnd(active), "the background fsync covers the write");
        }
    }

    @Test
    void never_fsyncsOnlyWhenSealing() throws Exception {
        StoreOptions o = StoreOptions.defaults().withSync(SyncPolicy.NEVER).withMaxSegmentBytes(1024);
        try (Store s = Store.open(dir, o)) {
            s.set(b("k"), b("v"));
            assertEquals(0, s.stats().fsyncs());
            s.set(b("big"), new byte[2000]); // seals the first file: one fsync
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

    /** A syncer over one data file of the seam, its last sequence number set by the test. */
    private final class Rig implements Syncer.Target {
        final FaultyIo io = new FaultyIo();
        final Segment file;
        final java.util.concurrent.atomic.AtomicLong lastSeq = new java.util.concurrent.atomic.AtomicLong(1);
        final java.util.concurrent.CountDownLatch snapshots;
        final List<String> failures = new ArrayList<>();

        Rig(int snapshotsAwaited) throws java.io.IOException {
            file = Segment.create(io, dir.resolve("1.data"), 1, RecordFormat.KIND_LOG);
            file.append(java.nio.ByteBuffer.wrap(new byte[] {1, 2, 3}));
            snapshots = new java.util.concurrent.CountDownLatch(snapshotsAwaited);
        }

        @Override
        public Syncer.Snapshot snapshot() {
            snapshots.countDown();
            return new Syncer.Snapshot(lastSeq.get(), file);
        }

        @Override
        public synchronized void fsyncFailed(Path f, java.io.IOException cause) {
            failures.add(f.getFileName() + ": " + cause.getMessage());
        }
    }

    private static Throwable failureOf(CompletableFuture<Void> f) {
        return org.junit.jupiter.api.Assertions.assertThrows(
                java.util.concurrent.ExecutionException.class, () -> f.get(30, TimeUnit.SECONDS)).getCause();
    }

    @Test
    void syncer_aWriteAnFsyncCoveredAlreadyIsDurableAtOnce() throws Exception {
        Rig rig = new Rig(1);
        Syncer syncer = new Syncer(SyncPolicy.ALWAYS, Duration.ofSeconds(1), rig, "covered");
        try {
            syncer.whenDurable(1).get(30, TimeUnit.SECONDS);
            assertEquals(1, rig.io.forcesDone());
            rig.io.holdForces();
            assertTrue(syncer.whenDurable(1).isDone(), "seq 1 is durable: no wait for another fsync");
            assertTrue(syncer.whenDurable(0).isDone());
        } finally {
            rig.io.releaseAll();
            syncer.stop();
            rig.file.close();
        }
        assertEquals(1, rig.io.forcesDone());
    }

    @Test
    void syncer_theFirstFailureIsFinalAndGivenToEveryLaterWrite() throws Exception {
        Rig rig = new Rig(1);
        Syncer syncer = new Syncer(SyncPolicy.ALWAYS, Duration.ofSeconds(1), rig, "failed");
        try {
            java.io.IOException first = new java.io.IOException("first");
            syncer.failWaiters(first);
            syncer.failWaiters(new java.io.IOException("second"));
            CompletableFuture<Void> f = syncer.whenDurable(1);
            assertTrue(f.isDone(), "failed at once, no fsync is waited for");
            Throwable t = failureOf(f);
            assertTrue(t instanceof DurabilityUnknownException, t.toString());
            assertTrue(t.getCause() == first, "the first failure is the one reported: " + t);
        } finally {
            syncer.stop();
            rig.file.close();
        }
        assertEquals(0, rig.io.forcesDone(), "no fsync after a failed one");
    }

    @Test
    void syncer_afterStopAWriteIsRefused() throws Exception {
        Rig rig = new Rig(1);
        Syncer syncer = new Syncer(SyncPolicy.ALWAYS, Duration.ofSeconds(1), rig, "stopped");
        syncer.stop();
        assertTrue(failureOf(syncer.whenDurable(1)) instanceof StoreClosedException);
        rig.file.close();
    }

    @Test
    void syncer_stopReturnsAfterTheLastFsyncForWhoeverWaits() throws Exception {
        Rig rig = new Rig(1);
        Syncer syncer = new Syncer(SyncPolicy.ALWAYS, Duration.ofSeconds(1), rig, "last");
        CompletableFuture<Void> waiting = syncer.whenDurable(1);
        syncer.stop();
        assertTrue(waiting.isDone(), "stop returned before the waiter's fsync");
        waiting.get(0, TimeUnit.SECONDS);
        assertEquals(1, rig.io.forcesDone());
        rig.file.close();
    }

    @Test
    void syncer_stopKeepsTheCallersInterrupt() throws Exception {
        Rig rig = new Rig(1);
        Syncer syncer = new Syncer(SyncPolicy.ALWAYS, Duration.ofSeconds(1), rig, "interrupted");
        Thread.currentThread().interrupt();
        syncer.stop();
        assertTrue(Thread.interrupted(), "the interrupt that cut the join short is kept");
        syncer.stop();
        rig.file.close();
    }

    @Test
    void syncer_threadIsADaemon() throws Exception {
        Rig rig = new Rig(1);
        Syncer syncer = new Syncer(SyncPolicy.ALWAYS, Duration.ofSeconds(1), rig, "daemon-check");
        try {
            List<Thread> found = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("kvs-sync daemon-check")).toList();
            assertEquals(1, found.size(), "the syncer thread runs");
            assertTrue(found.get(0).isDaemon(), "a store left open must not keep the JVM alive");
        } finally {
            syncer.stop();
            rig.file.close();
        }
    }

    @Test
    void syncer_aFileRetiredUnderTheFsyncIsDurableAlready() throws Exception {
        Rig rig = new Rig(1);
        rig.file.retire(); // sealed (fsynced), compacted away and closed since the snapshot
        Syncer syncer = new Syncer(SyncPolicy.ALWAYS, Duration.ofSeconds(1), rig, "retired");
        try {
            CompletableFuture<Void> f = syncer.whenDurable(1);
            f.get(30, TimeUnit.SECONDS);
            assertEquals(List.of(), rig.failures);
        } finally {
            syncer.stop();
        }
    }

    @Test
    void syncer_aFileClosedUnderTheFsyncIsNotDurable() throws Exception {
        Rig rig = new Rig(1);
        rig.file.close(); // closed, but not retired: its bytes were never forced
        List<String> logged = new ArrayList<>();
        Syncer syncer = new Syncer(SyncPolicy.ALWAYS, Duration.ofSeconds(1), rig, "closed");
        try (LogCapture capture = LogCapture.of(Syncer.class, logged)) {
            Throwable t = failureOf(syncer.whenDurable(1));
            assertTrue(t instanceof DurabilityUnknownException, t.toString());
            assertEquals(1, rig.failures.size(), "the store is told: " + rig.failures);
            synchronized (logged) {
                assertEquals(List.of("fsync of " + rig.file.path() + " failed"), logged);
            }
        } finally {
            syncer.stop();
        }
    }

    @Test
    void syncer_intervalDoesNotFsyncWhenNothingWasWritten() throws Exception {
        Rig rig = new Rig(5);
        Syncer syncer = new Syncer(SyncPolicy.INTERVAL, Duration.ofMillis(1), rig, "idle");
        try {
            assertTrue(rig.snapshots.await(30, TimeUnit.SECONDS), "the syncer did not run 5 times");
        } finally {
            syncer.stop();
            rig.file.close();
        }
        assertEquals(1, rig.io.forcesDone(), "one write, one fsync, however many intervals: "
                + rig.io.events());
    }
}
