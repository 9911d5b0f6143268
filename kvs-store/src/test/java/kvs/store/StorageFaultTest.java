package kvs.store;

import static kvs.store.StoreTest.b;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A full disk and a failed fsync, made by the {@link FaultyIo} seam, and what the store does. */
class StorageFaultTest {

    private static final String ENOSPC = "No space left on device";

    @TempDir
    Path dir;
    final FaultyIo io = new FaultyIo();

    private StoreOptions options(SyncPolicy sync) {
        return StoreOptions.defaults().withSync(sync).withMaxSegmentBytes(1024).withIo(io);
    }

    private List<String> files() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.equals(SegmentNames.LOCK_FILE))
                    .sorted().toList();
        }
    }

    @Test
    void writeOnAFullDisk_failsLeavesNothingOfItself_andWritesSucceedOnceSpaceIsBack() throws Exception {
        Path data = SegmentNames.dataFile(dir, 1);
        try (Store s = Store.open(dir, options(SyncPolicy.NEVER))) {
            s.set(b("a"), b("1"));
            long size = Files.size(data);
            io.spaceLeft(10); // the record is 10 + more bytes: written in part, then ENOSPC
            IOException e = assertThrows(IOException.class, () -> s.set(b("b"), b("0123456789")));
            assertTrue(e.getMessage().contains(ENOSPC), e.getMessage());
            assertTrue(io.events().contains("short-write 000000001.data " + size + " 10"), io.events().toString());
            assertEquals(size, Files.size(data), "the part written is cut off again");
            assertArrayEquals(b("1"), s.get(b("a")), "reads go on");
            assertEquals(null, s.get(b("b")));
            io.spaceLeft(Long.MAX_VALUE);
            s.set(b("b"), b("2"));
            assertArrayEquals(b("2"), s.get(b("b")));
        }
        try (Store s = Store.open(dir)) {
            assertArrayEquals(b("1"), s.get(b("a")));
            assertArrayEquals(b("2"), s.get(b("b")));
        }
    }

    @Test
    void partOfAFailedWriteThatCouldNotBeCutOffAtOnce_isCutOffBeforeTheNextWrite() throws Exception {
        Path data = SegmentNames.dataFile(dir, 1);
        try (Store s = Store.open(dir, options(SyncPolicy.NEVER))) {
            s.set(b("a"), b("1"));
            long size = Files.size(data);
            io.spaceLeft(40);
            io.failTruncates(new IOException("Input/output error"));
            assertThrows(IOException.class, () -> s.set(b("b"), new byte[100]));
            assertEquals(size + 40, Files.size(data), "40 bytes of the failed write are left for now");
            io.failTruncates(null);
            io.spaceLeft(Long.MAX_VALUE);
            s.set(b("c"), b("3")); // a record shorter than those 40 bytes
            s.set(b("d"), new byte[990]); // seals the file: no damage may be sealed in it
            assertTrue(Files.exists(SegmentNames.dataFile(dir, 2)), "sealed");
        }
        try (Store s = Store.open(dir)) {
            assertArrayEquals(b("1"), s.get(b("a")));
            assertEquals(null, s.get(b("b")));
            assertArrayEquals(b("3"), s.get(b("c")));
            assertEquals(990, s.get(b("d")).length);
        }
    }

    @Test
    void sealOnAFullDisk_leavesNoFileBehind_andTheSealedFileGetsItsHintOnceSpaceIsBack() throws Exception {
        try (Store s = Store.open(dir, options(SyncPolicy.NEVER))) {
            s.set(b("a"), new byte[900]);
            io.spaceLeft(0);
            for (int i = 0; i < 3; i++) { // each needs a seal: the next file cannot be begun
                IOException e = assertThrows(IOException.class, () -> s.set(b("b"), new byte[500]));
                assertTrue(e.getMessage().contains(ENOSPC), e.getMessage());
            }
            assertEquals(List.of("000000001.data"), files(), "a refused write leaves nothing behind");
            io.spaceLeft(Long.MAX_VALUE);
            s.set(b("b"), new byte[500]);
            s.awaitMaintenanceForTest();
            assertEquals(List.of("000000001.data", "000000001.hint", "000000002.data"), files(),
                    "no file id was used up by the refused writes");
        }
        try (Store s = Store.open(dir)) {
            assertEquals(900, s.get(b("a")).length);
            assertEquals(500, s.get(b("b")).length);
        }
    }

    @Test
    void hintThatFailedOnAFullDisk_isWrittenAtTheNextSealOrClose() throws Exception {
        try (Store s = Store.open(dir, options(SyncPolicy.NEVER))) {
            s.set(b("a"), new byte[900]);
            io.spaceLeft(RecordFormat.FILE_HEADER_BYTES); // room to begin the next file, no more
            assertThrows(IOException.class, () -> s.set(b("b"), new byte[500]));
            s.awaitMaintenanceForTest();
            assertEquals(List.of("000000001.data", "000000002.data"), files(), "the hint failed");
            io.spaceLeft(Long.MAX_VALUE);
            s.set(b("b"), new byte[500]);
            assertEquals(List.of("000000001.data", "000000002.data"), files());
        } // close writes the pending hint, and the active file's
        assertEquals(List.of("000000001.data", "000000001.hint", "000000002.data", "000000002.hint"),
                files());
        try (Store s = Store.open(dir)) {
            assertEquals(500, s.get(b("b")).length);
        }
    }

    @Test
    void closeOnAFullDisk_isClean_andKeepsEveryWrite() throws Exception {
        Store s = Store.open(dir, options(SyncPolicy.ALWAYS));
        for (int i = 0; i < 10; i++) {
            s.set(b("k" + i), b("v" + i));
        }
        io.spaceLeft(0);
        s.close(); // the active file's hint cannot be written: a warning, not a failure
        assertEquals(List.of("000000001.data"), files(), "no hint, and no half-written one");
        try (Store r = Store.open(dir)) {
            for (int i = 0; i < 10; i++) {
                assertArrayEquals(b("v" + i), r.get(b("k" + i)));
            }
        }
    }

    @Test
    void failedFsync_turnsTheStoreReadOnlyUntilReopened() throws Exception {
        try (Store s = Store.open(dir, options(SyncPolicy.ALWAYS))) {
            s.set(b("a"), b("1"));
            io.failForces(p -> p.getFileName().toString().endsWith(".data"),
                    new IOException("Input/output error"));
            CompletableFuture<Void> unsure = s.setAsync(b("b"), b("2"));
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> unsure.get(30, TimeUnit.SECONDS));
            assertInstanceOf(DurabilityUnknownException.class, e.getCause());

            io.failForces(p -> false, null); // a retried fsync might well succeed: it must not be tried
            StoreReadOnlyException refused = assertThrows(StoreReadOnlyException.class,
                    () -> s.set(b("c"), b("3")));
            String m = refused.getMessage();
            assertTrue(m.contains("read-only") && m.contains("000000001.data")
                    && m.contains("Input/output error") && m.contains("restart"), m);
            assertThrows(StoreReadOnlyException.class, () -> s.remove(b("a")));
            ExecutionException c = assertThrows(ExecutionException.class,
                    () -> s.compactAsync().get(30, TimeUnit.SECONDS));
            assertInstanceOf(StoreReadOnlyException.class, c.getCause());
            assertArrayEquals(b("1"), s.get(b("a")), "reads go on");
            assertTrue(s.stats().readOnly());
        }
        try (Store s = Store.open(dir, options(SyncPolicy.ALWAYS))) {
            assertFalse(s.stats().readOnly(), "reopening clears it");
            s.set(b("c"), b("3"));
            assertArrayEquals(b("1"), s.get(b("a")));
            assertArrayEquals(b("3"), s.get(b("c")));
        }
    }

    @Test
    void failedFsyncInTheBackground_turnsTheStoreReadOnly() throws Exception {
        StoreOptions o = options(SyncPolicy.INTERVAL).withSyncInterval(java.time.Duration.ofMillis(10));
        try (Store s = Store.open(dir, o)) {
            io.failForces(p -> p.getFileName().toString().endsWith(".data"),
                    new IOException("Input/output error"));
            s.set(b("a"), b("1")); // acknowledged at once under this policy; the fsync comes later
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!s.stats().readOnly()) { // bounded poll: the syncer's own thread turns it
                assertTrue(System.nanoTime() < deadline, "not read-only 30 s after a failed fsync");
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
            }
            assertThrows(StoreReadOnlyException.class, () -> s.set(b("b"), b("2")));
            io.failForces(p -> false, null);
        }
    }

    @Test
    void failedFsyncWhenSealing_refusesTheWrite_andTurnsTheStoreReadOnly() throws Exception {
        try (Store s = Store.open(dir, options(SyncPolicy.NEVER))) {
            s.set(b("a"), new byte[900]);
            io.failForces(p -> p.getFileName().toString().endsWith(".data"),
                    new IOException("Input/output error"));
            StoreReadOnlyException e = assertThrows(StoreReadOnlyException.class,
                    () -> s.set(b("b"), new byte[500]));
            assertTrue(e.getMessage().contains("000000001.data"), e.getMessage());
            assertEquals(List.of("000000001.data"), files());
            assertEquals(900, s.get(b("a")).length);
            io.failForces(p -> false, null);
        }
    }
}
