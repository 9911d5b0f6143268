package kvs.store;

import static kvs.store.StoreTest.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Opening a store directory ({@link StoreLoader}): what a failed open leaves behind. */
class StoreLoaderTest {

    private static final Path OWN_FDS = Path.of("/proc/self/fd");

    @TempDir
    Path dir;

    /** How many of this process's file descriptors are open on {@code file} (Linux). */
    private static long openDescriptors(Path file) throws IOException {
        Path real = file.toRealPath();
        try (Stream<Path> fds = Files.list(OWN_FDS)) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).equals(real);
                } catch (IOException | UnsupportedOperationException e) {
                    return false; // closed meanwhile (the listing's own descriptor), or not a link
                }
            }).count();
        }
    }

    @Test
    void failedOpen_closesTheFilesItHadOpened() throws IOException {
        Assumptions.assumeTrue(Files.isDirectory(OWN_FDS), "needs /proc/self/fd");
        StoreOptions o = StoreOptions.defaults().withSync(SyncPolicy.NEVER).withMaxSegmentBytes(1024);
        try (Store s = Store.open(dir, o)) {
            s.set(b("a"), new byte[600]);
            s.set(b("b"), new byte[600]); // seals file 1
        }
        Path first = SegmentNames.dataFile(dir, 1);
        Files.delete(SegmentNames.hintFile(dir, 1)); // so that opening reads file 1
        byte[] bytes = Files.readAllBytes(first);
        bytes[RecordFormat.FILE_HEADER_BYTES + RecordFormat.HEADER_BYTES + 10] ^= 1; // inside a's value
        Files.write(first, bytes);
        assertThrows(CorruptionException.class, () -> Store.open(dir, o));
        assertEquals(0, openDescriptors(first), "the damaged file was left open");
    }

    private static final StoreOptions SMALL =
            StoreOptions.defaults().withSync(SyncPolicy.NEVER).withMaxSegmentBytes(1024);

    @Test
    void newestLogFileAlreadyFull_isNotTheActiveFile() throws IOException {
        try (Store s = Store.open(dir, SMALL)) {
            s.set(b("a"), new byte[1024 - RecordFormat.FILE_HEADER_BYTES - RecordFormat.HEADER_BYTES - 1]);
        }
        assertEquals(1024, Files.size(SegmentNames.dataFile(dir, 1)));
        Files.delete(SegmentNames.hintFile(dir, 1)); // without its hint, file 1 could stay active
        StoreLoader.Loaded loaded = StoreLoader.load(dir, SMALL, false);
        try {
            assertEquals(2, loaded.active().id, "a full file is sealed, not written on");
        } finally {
            for (Segment seg : loaded.segments().values()) {
                seg.close();
            }
        }
    }

    @Test
    void openThatCannotFsyncTheDirectoryAfterCreatingTheActiveFile_fails() throws IOException {
        FaultyIo io = new FaultyIo();
        io.failForces(p -> p.equals(dir), new IOException("Input/output error"));
        IOException e = assertThrows(IOException.class, () -> Store.open(dir, SMALL.withIo(io)));
        assertTrue(e.getMessage().contains("Input/output error"), e.getMessage());
    }

    @Test
    void tornTailCutOffAtOpen_isFsynced() throws IOException {
        try (Store s = Store.open(dir, SMALL)) {
            s.set(b("a"), b("1"));
        }
        Path first = SegmentNames.dataFile(dir, 1);
        long size = Files.size(first);
        Files.delete(SegmentNames.hintFile(dir, 1));
        Files.write(first, new byte[] {1, 2, 3}, java.nio.file.StandardOpenOption.APPEND);
        FaultyIo io = new FaultyIo();
        try (Store s = Store.open(dir, SMALL.withIo(io))) {
            assertEquals(size, Files.size(first));
            assertTrue(io.forcesDone() >= 1);
            assertTrue(io.events().stream().anyMatch(ev -> ev.equals("force " + first.getFileName())),
                    io.events().toString());
        }
    }
}
