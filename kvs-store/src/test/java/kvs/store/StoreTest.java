package kvs.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreTest {

    @TempDir
    Path dir;

    @Test
    void set_thenGet_returnsValue() throws IOException {
        try (Store s = Store.open(dir)) {
            s.set(b("a"), b("1"));
            assertArrayEquals(b("1"), s.get(b("a")));
            assertEquals(1, s.size());
        }
    }

    @Test
    void get_missing_returnsNull() throws IOException {
        try (Store s = Store.open(dir)) {
            assertNull(s.get(b("nope")));
        }
    }

    @Test
    void set_overwrite_lastValueWins() throws IOException {
        try (Store s = Store.open(dir)) {
            s.set(b("k"), b("1"));
            s.set(b("k"), b("2"));
            assertArrayEquals(b("2"), s.get(b("k")));
            assertEquals(1, s.size());
        }
    }

    @Test
    void remove_present_thenAbsent() throws IOException {
        try (Store s = Store.open(dir)) {
            s.set(b("k"), b("1"));
            assertTrue(s.remove(b("k")));
            assertNull(s.get(b("k")));
            assertFalse(s.remove(b("k")));
            assertEquals(0, s.size());
        }
    }

    @Test
    void remove_missing_writesNothing() throws IOException {
        try (Store s = Store.open(dir)) {
            long before = totalBytes();
            assertFalse(s.remove(b("k")));
            assertEquals(before, totalBytes());
        }
    }

    @Test
    void reopen_afterClose_keepsSetsOverwritesAndRemovals() throws IOException {
        try (Store s = Store.open(dir)) {
            s.set(b("a"), b("1"));
            s.set(b("b"), b("2"));
            s.set(b("a"), b("3"));
            s.remove(b("b"));
            s.set(b("c"), b("4"));
        }
        try (Store s = Store.open(dir)) {
            assertArrayEquals(b("3"), s.get(b("a")));
            assertNull(s.get(b("b")));
            assertArrayEquals(b("4"), s.get(b("c")));
            assertEquals(2, s.size());
            s.set(b("b"), b("5"));
        }
        try (Store s = Store.open(dir)) {
            assertArrayEquals(b("5"), s.get(b("b")));
        }
    }

    @Test
    void binaryKeysAndValues_roundTrip() throws IOException {
        byte[] key = new byte[256];
        byte[] value = new byte[256];
        for (int i = 0; i < 256; i++) {
            key[i] = (byte) i;
            value[i] = (byte) (255 - i);
        }
        try (Store s = Store.open(dir)) {
            s.set(key, value);
            s.set(new byte[] {0}, new byte[] {0, 0});
        }
        try (Store s = Store.open(dir)) {
            assertArrayEquals(value, s.get(key));
            assertArrayEquals(new byte[] {0, 0}, s.get(new byte[] {0}));
        }
    }

    @Test
    void emptyValue_isStoredAndDistinctFromMissing() throws IOException {
        try (Store s = Store.open(dir)) {
            s.set(b("e"), new byte[0]);
        }
        try (Store s = Store.open(dir)) {
            assertArrayEquals(new byte[0], s.get(b("e")));
        }
    }

    @Test
    void largeValue_16MiB_roundTrips() throws IOException {
        byte[] value = new byte[16 << 20];
        new Random(42).nextBytes(value);
        try (Store s = Store.open(dir)) {
            s.set(b("big"), value);
            assertArrayEquals(value, s.get(b("big")));
        }
        try (Store s = Store.open(dir)) {
            assertArrayEquals(value, s.get(b("big")));
        }
    }

    @Test
    void maxKey_64KiB_accepted_andLongerRefused() throws IOException {
        try (Store s = Store.open(dir)) {
            byte[] key = new byte[64 * 1024];
            key[0] = 1;
            s.set(key, b("v"));
            assertArrayEquals(b("v"), s.get(key));
            assertThrows(IllegalArgumentException.class, () -> s.set(new byte[64 * 1024 + 1], b("v")));
            assertThrows(IllegalArgumentException.class, () -> s.set(new byte[0], b("v")));
        }
    }

    @Test
    void manyKeys_survive_reopen() throws IOException {
        int n = 20_000;
        try (Store s = Store.open(dir)) {
            for (int i = 0; i < n; i++) {
                s.set(b("key-" + i), b("value-" + i));
            }
        }
        try (Store s = Store.open(dir)) {
            assertEquals(n, s.size());
            for (int i = 0; i < n; i++) {
                assertArrayEquals(b("value-" + i), s.get(b("key-" + i)));
            }
        }
    }

    @Test
    void rotation_sealsFilesAtTheLimit_andReplaysAcrossThem() throws IOException {
        StoreOptions small = StoreOptions.defaults().withMaxSegmentBytes(4096);
        try (Store s = Store.open(dir, small)) {
            for (int i = 0; i < 2000; i++) {
                s.set(b("k" + (i % 50)), b("value-" + i));
            }
        }
        List<Path> data = dataFiles();
        assertTrue(data.size() >= 10, "expected several data files, got " + data);
        for (Path f : data) {
            assertTrue(Files.size(f) <= 4096, f + " is " + Files.size(f) + " bytes");
        }
        try (Store s = Store.open(dir, small)) {
            for (int i = 1950; i < 2000; i++) {
                assertArrayEquals(b("value-" + i), s.get(b("k" + (i % 50))));
            }
        }
    }

    @Test
    void recordLargerThanSegmentLimit_getsAFileOfItsOwn() throws IOException {
        StoreOptions small = StoreOptions.defaults().withMaxSegmentBytes(1024);
        try (Store s = Store.open(dir, small)) {
            s.set(b("small"), b("x"));
            s.set(b("big"), new byte[5000]);
            s.set(b("after"), b("y"));
            assertEquals(5000, s.get(b("big")).length);
        }
        try (Store s = Store.open(dir, small)) {
            assertEquals(5000, s.get(b("big")).length);
            assertArrayEquals(b("y"), s.get(b("after")));
        }
    }

    @Test
    void open_twiceInOneProcess_failsNamingTheDirectory() throws IOException {
        try (Store s = Store.open(dir)) {
            StoreLockedException e = assertThrows(StoreLockedException.class, () -> Store.open(dir));
            assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
        }
        // Released on close.
        Store.open(dir).close();
    }

    @Test
    void closed_store_refusesOperations() throws IOException {
        Store s = Store.open(dir);
        s.set(b("a"), b("1"));
        s.close();
        s.close();
        assertThrows(StoreClosedException.class, () -> s.get(b("a")));
        assertThrows(StoreClosedException.class, () -> s.set(b("a"), b("2")));
        assertThrows(StoreClosedException.class, () -> s.remove(b("a")));
    }

    @Test
    void concurrentWritersAndReaders_seeOnlyWrittenValues() throws Exception {
        int threads = 4;
        int perThread = 2_000;
        try (Store s = Store.open(dir, StoreOptions.defaults().withMaxSegmentBytes(64 * 1024))) {
            ExecutorService pool = Executors.newFixedThreadPool(threads * 2);
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int id = t;
                    futures.add(pool.submit(() -> {
                        for (int i = 0; i < perThread; i++) {
                            s.set(b("t" + id + "-" + (i % 100)), b("v" + i));
                        }
                        return null;
                    }));
                    futures.add(pool.submit(() -> {
                        for (int i = 0; i < perThread; i++) {
                            byte[] v = s.get(b("t" + id + "-" + (i % 100)));
                            if (v != null) {
                                assertTrue(new String(v, UTF_8).startsWith("v"));
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : futures) {
                    f.get(60, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            for (int t = 0; t < threads; t++) {
                for (int k = 0; k < 100; k++) {
                    int last = perThread - 100 + k;
                    assertArrayEquals(b("v" + last), s.get(b("t" + t + "-" + k)));
                }
            }
        }
        try (Store s = Store.open(dir)) {
            assertEquals(threads * 100, s.size());
        }
    }

    // ---- edges of Store that the mutation run (PIT) found untested ----

    /** Options for these tests: 1 KiB files, no fsync, no automatic compaction unless asked. */
    private static StoreOptions small() {
        return StoreOptions.defaults().withSync(SyncPolicy.NEVER).withMaxSegmentBytes(1024);
    }

    /** The record bytes of a put of a 1-byte key and {@code valueBytes}. */
    private static int recordOf(int valueBytes) {
        return RecordFormat.HEADER_BYTES + 1 + valueBytes;
    }

    private static int activeId(Store s) {
        List<Integer> sealed = s.sealedSegments().stream().map(seg -> seg.id).toList();
        return s.segments.keySet().stream().filter(id -> !sealed.contains(id)).findFirst().orElseThrow();
    }

    @Test
    void get_andRemove_ofAnEmptyKey_areRefused() throws IOException {
        try (Store s = Store.open(dir, small())) {
            assertThrows(IllegalArgumentException.class, () -> s.get(new byte[0]));
            assertThrows(IllegalArgumentException.class, () -> s.remove(new byte[0]));
        }
    }

    @Test
    void remove_takesTheRemovedRecordOffTheLiveBytes() throws IOException {
        try (Store s = Store.open(dir, small())) {
            s.set(b("a"), b("1"));
            assertEquals(recordOf(1), s.stats().liveBytes());
            assertTrue(s.remove(b("a")));
            assertEquals(0, s.stats().liveBytes(), "neither the removed record nor the tombstone is live");
        }
    }

    @Test
    void setAfterRemove_survivesReopen() throws IOException {
        try (Store s = Store.open(dir, small())) {
            s.set(b("a"), b("1"));
            assertTrue(s.remove(b("a")));
            s.set(b("a"), b("2")); // its sequence number must be above the tombstone's
        }
        try (Store s = Store.open(dir, small())) {
            assertArrayEquals(b("2"), s.get(b("a")));
        }
    }

    @Test
    void recordThatExactlyFillsTheFile_goesInIt_withoutSealing() throws IOException {
        try (Store s = Store.open(dir, small())) {
            s.set(b("a"), new byte[100]);
            int rest = 1024 - RecordFormat.FILE_HEADER_BYTES - recordOf(100);
            s.set(b("b"), new byte[rest - recordOf(0)]);
            assertEquals(1024, Files.size(SegmentNames.dataFile(dir, 1)));
            assertEquals(List.of(SegmentNames.dataFile(dir, 1)), dataFiles(), "nothing sealed");
        }
    }

    @Test
    void recordLargerThanAFile_goesIntoTheEmptyActiveFile_withoutSealingIt() throws IOException {
        try (Store s = Store.open(dir, small())) {
            s.set(b("a"), new byte[2000]);
            assertEquals(List.of(SegmentNames.dataFile(dir, 1)), dataFiles(), "no empty file sealed");
            assertArrayEquals(new byte[2000], s.get(b("a")));
        }
    }

    /**
     * Sets a=1, then makes a write fail part-way with a truncation that fails too, so that 40
     * bytes of it stay in the file for now; space and truncation work again afterwards. Returns
     * the file's size before the failed write.
     */
    private long failedWriteLeftInTheFile(Store s, FaultyIo io) throws IOException {
        s.set(b("a"), b("1"));
        long size = Files.size(SegmentNames.dataFile(dir, 1));
        io.spaceLeft(40);
        io.failTruncates(new IOException("Input/output error"));
        assertThrows(IOException.class, () -> s.set(b("b"), new byte[100]));
        io.failTruncates(null);
        io.spaceLeft(Long.MAX_VALUE);
        assertEquals(size + 40, Files.size(SegmentNames.dataFile(dir, 1)));
        return size;
    }

    @Test
    void seal_cutsOffThePartOfAFailedWriteThatCouldNotBeCutOffAtOnce() throws Exception {
        FaultyIo io = new FaultyIo();
        try (Store s = Store.open(dir, small().withIo(io))) {
            long size = failedWriteLeftInTheFile(s, io);
            s.set(b("c"), new byte[1000]); // overfills the file: sealed first, then written
            assertEquals(size, Files.size(SegmentNames.dataFile(dir, 1)), "the sealed file ends at its last record");
        }
        try (Store s = Store.open(dir, small())) {
            assertArrayEquals(b("1"), s.get(b("a")));
            assertArrayEquals(new byte[1000], s.get(b("c")));
        }
    }

    @Test
    void close_cutsOffThePartOfAFailedWriteThatCouldNotBeCutOffAtOnce() throws Exception {
        FaultyIo io = new FaultyIo();
        long size;
        try (Store s = Store.open(dir, small().withIo(io))) {
            size = failedWriteLeftInTheFile(s, io);
        }
        assertEquals(size, Files.size(SegmentNames.dataFile(dir, 1)), "close cut the failed write's part off");
    }

    @Test
    void close_fsyncsTheActiveFile() throws IOException {
        FaultyIo io = new FaultyIo();
        Path first = SegmentNames.dataFile(dir, 1);
        try (Store s = Store.open(dir, small().withIo(io))) {
            s.set(b("a"), b("1"));
            assertTrue(io.syncedEnd(first) < Files.size(first), "not fsynced yet (sync policy never)");
        }
        assertEquals(Files.size(first), io.syncedEnd(first));
    }

    @Test
    void close_whoseFsyncFails_saysSo() throws IOException {
        FaultyIo io = new FaultyIo();
        Store s = Store.open(dir, small().withIo(io));
        s.set(b("a"), b("1"));
        io.failForces(p -> true, new IOException("Input/output error"));
        IOException e = assertThrows(IOException.class, s::close);
        assertTrue(e.getMessage().contains("Input/output error"), e.getMessage());
        assertTrue(s.isClosed());
    }

    @Test
    void close_ofAStoreNeverWritten_writesNoHint() throws IOException {
        Store.open(dir, small()).close();
        assertFalse(Files.exists(SegmentNames.hintFile(dir, 1)), "an empty file needs no hint");
        try (Store s = Store.open(dir, small())) {
            assertEquals(1, activeId(s), "the empty file stays the active one");
        }
    }

    @Test
    void close_letsOtherThreadsIn_toBeRefused() throws Exception {
        Store s = Store.open(dir, small());
        s.close();
        ExecutorService other = Executors.newSingleThreadExecutor();
        try {
            Future<?> f = other.submit(() -> {
                assertThrows(StoreClosedException.class, () -> s.set(b("a"), b("1")));
                return null;
            });
            f.get(30, TimeUnit.SECONDS); // a lock left held by close would make this time out
        } finally {
            other.shutdownNow();
        }
    }

    @Test
    void close_stopsTheSyncThread_andWarnsOfNothing() throws IOException {
        List<String> log = new ArrayList<>();
        String name = "kvs-sync " + dir;
        try (LogCapture c = LogCapture.of(Store.class, log)) {
            Store s = Store.open(dir, small().withSync(SyncPolicy.INTERVAL));
            s.set(b("a"), b("1"));
            assertTrue(Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(name)));
            s.close();
        }
        assertFalse(Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals(name) && t.isAlive()), "sync thread still running");
        assertEquals(List.of(), log);
    }

    @Test
    void seal_isCountedAsAnFsync() throws IOException {
        try (Store s = Store.open(dir, small())) {
            s.set(b("a"), new byte[600]);
            assertEquals(0, s.stats().fsyncs());
            s.set(b("b"), new byte[600]); // seals the first file
            assertEquals(1, s.stats().fsyncs());
        }
    }

    @Test
    void seal_whoseDirectoryFsyncFails_turnsTheStoreReadOnly() throws IOException {
        FaultyIo io = new FaultyIo();
        try (Store s = Store.open(dir, small().withIo(io))) {
            s.set(b("a"), new byte[600]);
            io.failForces(p -> p.equals(dir), new IOException("Input/output error"));
            assertThrows(StoreReadOnlyException.class, () -> s.set(b("b"), new byte[600]));
            assertThrows(StoreReadOnlyException.class, () -> s.set(b("c"), b("3")));
            assertTrue(s.stats().readOnly());
            assertArrayEquals(new byte[600], s.get(b("a")), "reads go on");
        }
    }

    @Test
    void compact_ofAStoreWhoseActiveFileIsEmpty_leavesItActive() throws IOException {
        try (Store s = Store.open(dir, small())) {
            s.set(b("a"), b("1"));
            s.compact();
            int active = activeId(s);
            s.compact();
            assertEquals(active, activeId(s), "an empty active file is not sealed");
        }
    }

    @Test
    void writesAfterACompaction_takeNewFileIds() throws IOException {
        try (Store s = Store.open(dir, small())) {
            s.set(b("a"), b("1"));
            s.compact();
            s.set(b("b"), b("2"));
            s.compact(); // seals the active file: its successor must not reuse a compaction's id
            s.set(b("c"), new byte[1000]);
            s.set(b("d"), new byte[1000]);
        }
        try (Store s = Store.open(dir, small())) {
            assertArrayEquals(b("1"), s.get(b("a")));
            assertArrayEquals(b("2"), s.get(b("b")));
            assertArrayEquals(new byte[1000], s.get(b("c")));
            assertArrayEquals(new byte[1000], s.get(b("d")));
        }
    }

    /** A store whose one data file, holding a=1, has id {@code id}, and no hint: it stays active. */
    private void storeWithFileId(int id) throws IOException {
        try (Store s = Store.open(dir, small())) {
            s.set(b("a"), b("1"));
        }
        Files.move(SegmentNames.dataFile(dir, 1), SegmentNames.dataFile(dir, id));
        Files.delete(SegmentNames.hintFile(dir, 1));
    }

    @Test
    void seal_mayCreateTheLastFileId() throws IOException {
        storeWithFileId(SegmentNames.MAX_ID - 1);
        try (Store s = Store.open(dir, small())) {
            s.set(b("b"), new byte[1000]); // seals: the next file is MAX_ID
            assertArrayEquals(new byte[1000], s.get(b("b")));
            assertTrue(Files.exists(SegmentNames.dataFile(dir, SegmentNames.MAX_ID)));
            IOException e = assertThrows(IOException.class, () -> s.set(b("c"), new byte[1000]));
            assertTrue(e.getMessage().contains("ids exhausted"), e.getMessage());
        }
    }

    @Test
    void compaction_mayAllocateTheLastFileId() throws IOException {
        storeWithFileId(SegmentNames.MAX_ID - 2);
        try (Store s = Store.open(dir, small())) {
            s.compact(); // seals into MAX_ID - 1, writes its output as MAX_ID
            assertArrayEquals(b("1"), s.get(b("a")));
        }
        try (Store s = Store.open(dir, small())) {
            assertArrayEquals(b("1"), s.get(b("a")));
        }
    }

    @Test
    void compact_ofAClosedStore_throwsStoreClosed() throws IOException {
        Store s = Store.open(dir, small());
        s.close();
        assertThrows(StoreClosedException.class, s::compact);
    }

    @Test
    void set_interruptedWhileWaitingForItsFsync_throwsAndKeepsTheInterrupt() throws Exception {
        FaultyIo io = new FaultyIo();
        try (Store s = Store.open(dir, small().withSync(SyncPolicy.ALWAYS).withIo(io))) {
            int forces = io.forcesDone();
            io.holdForces(); // the write waits for an fsync that does not come
            java.util.concurrent.CompletableFuture<Boolean> keptInterrupt = new java.util.concurrent.CompletableFuture<>();
            Thread writer = new Thread(() -> {
                try {
                    s.set(b("a"), b("1"));
                    keptInterrupt.completeExceptionally(new AssertionError("set returned"));
                } catch (java.io.InterruptedIOException e) {
                    keptInterrupt.complete(Thread.currentThread().isInterrupted());
                } catch (Throwable t) {
                    keptInterrupt.completeExceptionally(t);
                }
            });
            writer.start();
            try {
                assertTrue(io.awaitForcesEntered(forces + 1, java.time.Duration.ofSeconds(30)), "the fsync began");
                writer.interrupt();
                assertTrue(keptInterrupt.get(30, TimeUnit.SECONDS), "the interrupt is kept");
            } finally {
                io.releaseAll();
                writer.join(30_000);
            }
        }
    }

    @Test
    void get_unpinsTheFile_soThatCompactionClosesIt() throws IOException {
        try (Store s = Store.open(dir, small())) {
            s.set(b("a"), b("1"));
            Segment first = s.segments.get(1);
            assertArrayEquals(b("1"), s.get(b("a")));
            s.compact();
            assertTrue(first.retired());
            assertFalse(first.channel().isOpen(), "a read left the compacted file pinned open");
            assertArrayEquals(b("1"), s.get(b("a")));
        }
    }

    @Test
    void maintenanceThread_doesNotKeepTheJvmAlive() throws Exception {
        try (Store s = Store.open(dir, small())) {
            s.awaitMaintenanceForTest(); // starts the thread
            List<Thread> threads = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("kvs-store-maintenance")).toList();
            assertFalse(threads.isEmpty());
            assertTrue(threads.stream().allMatch(Thread::isDaemon), "a maintenance thread is not a daemon");
        }
    }

    @Test
    void hintWhoseDirectoryFsyncFails_isWarnedOf() throws IOException {
        FaultyIo io = new FaultyIo();
        List<String> log = new ArrayList<>();
        try (LogCapture c = LogCapture.of(Store.class, log)) {
            try (Store s = Store.open(dir, small().withIo(io))) {
                s.set(b("a"), b("1"));
                io.failForces(p -> p.equals(dir), new IOException("Input/output error"));
            } // close writes the active file's hint, then fsyncs the directory
        }
        assertEquals(1, log.size(), log.toString());
        assertTrue(log.get(0).contains("could not write hint file (Input/output error)"), log.get(0));
    }

    @Test
    void open_writesTheHintsThatAreMissing() throws Exception {
        try (Store s = Store.open(dir, small())) {
            s.set(b("a"), new byte[600]);
            s.set(b("b"), new byte[600]);
        }
        Path hint = SegmentNames.hintFile(dir, 1);
        Files.delete(hint);
        try (Store s = Store.open(dir, small())) {
            s.awaitMaintenanceForTest();
            assertTrue(Files.exists(hint));
        }
    }

    /** Options that compact once half the sealed bytes, and at least {@code minBytes}, are dead. */
    private static StoreOptions compacting(long minBytes) {
        return small().withCompactRatio(0.5).withCompactMinBytes(minBytes);
    }

    /** The dead bytes of the file {@link #halfDeadFileSealed} seals: its header and a record. */
    private static final int HALF_DEAD = RecordFormat.FILE_HEADER_BYTES + recordOf(300);

    /**
     * In an empty active file, writes two records of one key, so that the file's dead bytes (its
     * header and the first record) are exactly half its bytes, {@link #HALF_DEAD}; then seals it.
     */
    private static void halfDeadFileSealed(Store s) throws IOException {
        s.set(b("a"), new byte[300]);
        s.set(b("a"), new byte[300 + RecordFormat.FILE_HEADER_BYTES]);
        s.set(b("z"), new byte[360]); // seals: 8 + 322 + 330 + 382 > 1024
    }

    @Test
    void open_compactsWhenCompactionIsDue() throws Exception {
        try (Store s = Store.open(dir, small())) {
            halfDeadFileSealed(s);
            s.awaitMaintenanceForTest();
            assertEquals(0, s.stats().compactions());
        }
        try (Store s = Store.open(dir, small().withCompactRatio(0.1).withCompactMinBytes(0))) {
            s.awaitMaintenanceForTest();
            assertEquals(1, s.stats().compactions());
        }
    }

    @Test
    void seal_compactsWhenDeadBytesReachBothThresholdsExactly_andAgainNextTime() throws Exception {
        try (Store s = Store.open(dir, compacting(HALF_DEAD))) {
            halfDeadFileSealed(s);
            s.awaitMaintenanceForTest();
            assertEquals(1, s.stats().compactions());
            assertTrue(s.remove(b("a"))); // the compaction's output is all dead now
            for (int i = 0; i < 27; i++) {
                s.set(b("b"), new byte[0]);
            }
            s.set(b("z"), new byte[360]); // seals the second file
            s.awaitMaintenanceForTest();
            assertEquals(2, s.stats().compactions());
            assertArrayEquals(new byte[0], s.get(b("b")));
            assertNull(s.get(b("a")));
        }
    }

    @Test
    void everyThousandTwentyFourthWrite_checksWhetherCompactionIsDue() throws Exception {
        StoreOptions o = StoreOptions.defaults().withSync(SyncPolicy.NEVER).withMaxSegmentBytes(64 * 1024)
                .withCompactRatio(0.5).withCompactMinBytes(100L * (RecordFormat.HEADER_BYTES + 3 + 500));
        try (Store s = Store.open(dir, o)) {
            int writes = 0;
            for (int i = 0; i < 100; i++, writes++) {
                s.set(b(String.format("k%02d", i)), new byte[500]);
            }
            s.set(b("z"), new byte[14_000]); // seals the first file, none of it dead: no compaction
            writes++;
            for (int i = 0; i < 100; i++, writes++) { // now all of the sealed file is dead
                s.set(b(String.format("k%02d", i)), b("1"));
            }
            while (writes < 1023) { // removals count too
                s.set(b("r"), b("1"));
                assertTrue(s.remove(b("r")));
                writes += 2;
            }
            assertEquals(1023, writes);
            s.awaitMaintenanceForTest();
            assertEquals(0, s.stats().compactions(), "due, but not checked before the 1024th write");
            assertEquals(1, s.sealedSegments().size());
            s.set(b("r"), b("1"));
            s.awaitMaintenanceForTest();
            assertEquals(1, s.stats().compactions());
        }
    }

    private List<Path> dataFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".data")).sorted().toList();
        }
    }

    private long totalBytes() throws IOException {
        long sum = 0;
        for (Path p : dataFiles()) {
            sum += Files.size(p);
        }
        return sum;
    }

    static byte[] b(String s) {
        return s.getBytes(UTF_8);
    }

    @Test
    void trySetAsync_declinesAWriteThatWouldSeal_andWritesNothing() throws Exception {
        try (Store s = Store.open(dir, StoreOptions.defaults().withSync(SyncPolicy.NEVER).withMaxSegmentBytes(1024))) {
            int writes = 0;
            CompletableFuture<Void> f;
            while ((f = s.trySetAsync(b("k" + writes), java.nio.ByteBuffer.wrap(new byte[100]))) != null) {
                f.get();
                writes++;
                assertTrue(writes < 20, "a 1 KiB file holds fewer than 20 records of 123 bytes");
            }
            assertEquals(8, writes, "8 + 8 * 123 bytes fit in 1024; a 9th record would seal");
            assertNull(s.get(b("k8")), "the declined write left nothing");
            assertEquals(1, s.stats().segments());
            assertTrue(s.tryRemoveAsync(b("k0")).get(), "a tombstone of 23 bytes still fits (1015)");
            assertNull(s.tryRemoveAsync(b("k1")), "a second one would seal");
            assertNotNull(s.get(b("k1")));
            s.setAsync(b("k8"), new byte[100]).get(); // may wait: seals
            assertEquals(2, s.stats().segments());
            assertTrue(s.tryRemoveAsync(b("k1")).get());
            assertNull(s.get(b("k1")));
            assertFalse(s.tryRemoveAsync(b("k1")).get(), "a missing key writes nothing");
        }
    }

    @Test
    void setAsyncAndTrySetAsync_takeTheBuffersRemainingBytes() throws Exception {
        try (Store s = Store.open(dir)) {
            java.nio.ByteBuffer value = java.nio.ByteBuffer.wrap(b("__value__")).position(2).limit(7);
            s.trySetAsync(b("k"), value).get();
            assertArrayEquals(b("value"), s.get(b("k")));
            assertEquals(2, value.position());
            java.nio.ByteBuffer direct = java.nio.ByteBuffer.allocateDirect(200_000);
            direct.put(new byte[] {1, 2, 3}).position(1).limit(100_001);
            s.setAsync(b("big"), direct.asReadOnlyBuffer()).get();
            byte[] expected = new byte[100_000];
            expected[0] = 2;
            expected[1] = 3;
            assertArrayEquals(expected, s.get(b("big")));
        }
    }

    @Test
    void getAtMost_readsNothingOverTheLimit() throws Exception {
        try (Store s = Store.open(dir)) {
            s.set(b("k"), new byte[100]);
            int record = 21 + 1 + 100;
            assertArrayEquals(new byte[100], s.getAtMost(b("k"), record));
            byte[] over = s.getAtMost(b("k"), record - 1);
            assertTrue(Store.isOverLimit(over));
            assertFalse(Store.isOverLimit(s.get(b("k"))));
            assertFalse(Store.isOverLimit(new byte[0]), "only the marker is over the limit");
            assertNull(s.getAtMost(b("missing"), 0));
        }
    }

    @Test
    void trySetAllAsync_appendsInOrder_lastValueOfAKeyWins_survivesReopen() throws Exception {
        Random random = new Random(8);
        java.util.Map<String, byte[]> model = new java.util.HashMap<>();
        try (Store s = Store.open(dir)) {
            for (int batch = 0; batch < 20; batch++) {
                List<byte[]> keys = new ArrayList<>();
                List<java.nio.ByteBuffer> values = new ArrayList<>();
                for (int i = 0; i < 1 + random.nextInt(30); i++) {
                    String key = "k" + random.nextInt(40);
                    // Mostly small; some past the size from which CRCs are combined, and past the
                    // per-thread scratch buffer.
                    byte[] value = new byte[random.nextInt(8) == 0 ? 5_000 + random.nextInt(70_000) : random.nextInt(150)];
                    random.nextBytes(value);
                    keys.add(b(key));
                    values.add(java.nio.ByteBuffer.wrap(value));
                    model.put(key, value);
                }
                s.trySetAllAsync(keys, values).get();
            }
            for (java.util.Map.Entry<String, byte[]> e : model.entrySet()) {
                assertArrayEquals(e.getValue(), s.get(b(e.getKey())), e.getKey());
            }
            assertEquals(model.size(), s.size());
            long live = 0;
            for (java.util.Map.Entry<String, byte[]> e : model.entrySet()) {
                live += 21 + e.getKey().length() + e.getValue().length;
            }
            assertEquals(live, s.stats().liveBytes(), "live bytes are the current records' sizes");
        }
        try (Store s = Store.open(dir)) {
            for (java.util.Map.Entry<String, byte[]> e : model.entrySet()) {
                assertArrayEquals(e.getValue(), s.get(b(e.getKey())), "after reopening: " + e.getKey());
            }
        }
    }

    @Test
    void trySetAllAsync_declinesABatchThatWouldSeal_writingNothing() throws Exception {
        try (Store s = Store.open(dir, StoreOptions.defaults().withSync(SyncPolicy.NEVER).withMaxSegmentBytes(1024))) {
            s.set(b("first"), new byte[100]);
            List<byte[]> keys = new ArrayList<>();
            List<java.nio.ByteBuffer> values = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                keys.add(b("k" + i));
                values.add(java.nio.ByteBuffer.wrap(new byte[100]));
            }
            assertNull(s.trySetAllAsync(keys, values), "10 records of 123 bytes do not fit beside the first");
            assertEquals(1, s.size());
            assertEquals(1, s.stats().segments());
            assertNotNull(s.trySetAllAsync(keys.subList(0, 2), values.subList(0, 2)), "two do");
            assertEquals(3, s.size());
        }
    }

    @Test
    void theTryWrites_whileASealFsyncsUnderTheLock_returnAtOnceWritingNothing() throws Exception {
        FaultyIo io = new FaultyIo();
        StoreOptions options = StoreOptions.defaults().withSync(SyncPolicy.NEVER).withMaxSegmentBytes(1024).withIo(io);
        try (Store s = Store.open(dir, options)) {
            for (int i = 0; i < 8; i++) {
                s.set(b("k" + i), new byte[100]);
            }
            io.holdForces();
            int forcesBefore = io.forcesEntered(); // opening fsyncs the directory, say
            ExecutorService sealer = Executors.newSingleThreadExecutor();
            try {
                // Seals: its fsync is held, with the write lock taken.
                Future<?> seal = sealer.submit(() -> {
                    s.set(b("k8"), new byte[100]);
                    return null;
                });
                assertTrue(io.awaitForcesEntered(forcesBefore + 1, java.time.Duration.ofSeconds(10)),
                        "the seal's fsync began");
                assertNull(s.trySetAsync(b("x"), java.nio.ByteBuffer.wrap(b("1"))));
                assertNull(s.trySetAllAsync(List.of(b("y")), List.of(java.nio.ByteBuffer.wrap(b("2")))));
                assertNull(s.tryRemoveAsync(b("k0")));
                assertFalse(seal.isDone(), "they returned while the seal still held the lock");
                io.releaseAll();
                seal.get(10, TimeUnit.SECONDS);
                assertNull(s.get(b("x")));
                assertNull(s.get(b("y")));
                assertNotNull(s.get(b("k0")));
            } finally {
                io.releaseAll();
                sealer.shutdownNow();
            }
        }
    }
}
