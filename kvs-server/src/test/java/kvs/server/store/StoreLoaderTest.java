package kvs.server.store;

import static kvs.server.store.StoreTest.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
}
