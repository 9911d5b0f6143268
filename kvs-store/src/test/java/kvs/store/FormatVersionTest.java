package kvs.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Format versions: a store written by an earlier version opens and works (the golden stores under
 * src/test/resources/golden/, written by {@link GoldenStores} with that version's build), and a
 * data file of a later version than this build reads is refused by name, never taken for damage.
 */
class FormatVersionTest {

    @TempDir
    Path tmp;

    /** A copy of the golden store of {@code version}, which the test may change. */
    private Path golden(String version) throws IOException {
        Path from = Path.of("src/test/resources/golden", version + "-store");
        Path to = Files.createDirectories(tmp.resolve(version));
        try (var files = Files.list(from)) {
            files.forEach(f -> {
                try {
                    Files.copy(f, to.resolve(f.getFileName()));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
        return to;
    }

    private static void assertGoldenContents(Store store) throws IOException {
        assertEquals(GoldenStores.CONTENTS.length, store.size());
        for (String[] kv : GoldenStores.CONTENTS) {
            assertArrayEquals(kv[1].getBytes(UTF_8), store.get(kv[0].getBytes(UTF_8)), kv[0]);
        }
        assertNull(store.get("beta".getBytes(UTF_8)), "removed before the compaction");
        assertNull(store.get("zeta".getBytes(UTF_8)), "removed after it");
    }

    @Test
    void aVersion1Store_opensFromItsHints_andByScanning_andTakesWrites() throws IOException {
        Path dir = golden("v1");
        try (Store store = Store.open(dir)) {
            assertGoldenContents(store);
        }
        try (var hints = Files.newDirectoryStream(dir, "*.hint")) {
            for (Path h : hints) {
                Files.delete(h);
            }
        }
        try (Store store = Store.open(dir)) {
            assertGoldenContents(store);
            store.set("new".getBytes(UTF_8), "written by this build".getBytes(UTF_8));
            long expireAt = store.now() + 3_600_000;
            store.set("expiring".getBytes(UTF_8), "v2 record".getBytes(UTF_8), expireAt);
            store.batchAsync(java.util.List.of(Write.put("batched".getBytes(UTF_8), "too".getBytes(UTF_8)),
                    Write.remove("new".getBytes(UTF_8)), Write.put("new".getBytes(UTF_8),
                    "written by this build".getBytes(UTF_8))), true).join();
            store.compact(); // version 1 and version 2 files in, version 2 out
        }
        try (Store store = Store.open(dir)) {
            assertArrayEquals("written by this build".getBytes(UTF_8), store.get("new".getBytes(UTF_8)));
            assertArrayEquals("too".getBytes(UTF_8), store.get("batched".getBytes(UTF_8)));
            assertTrue(store.pttl("expiring".getBytes(UTF_8)) > 3_500_000);
            assertEquals(GoldenStores.CONTENTS.length + 3, store.size());
        }
    }

    /**
     * A version 1 log file left active by a crash (no hint) is not appended to: a record of a
     * version 2 type in it would be damage to every later scan. It is sealed, and the writes go
     * into a new version 2 file.
     */
    @Test
    void aVersion1LogFileLeftActive_isNotAppendedTo_newRecordsGoIntoAVersion2File() throws IOException {
        Path dir = golden("v1");
        deleteHints(dir);
        try (Store store = Store.open(dir)) {
            store.set("expiring".getBytes(UTF_8), "v".getBytes(UTF_8), store.now() + 3_600_000);
            store.batchAsync(java.util.List.of(Write.put("batched".getBytes(UTF_8), "b".getBytes(UTF_8))), true)
                    .join();
        }
        deleteHints(dir); // read every file by scanning, as after another crash
        try (Store store = Store.open(dir)) {
            assertGoldenContentsAnd(store, 2);
            assertTrue(store.pttl("expiring".getBytes(UTF_8)) > 0);
        }
        StoreCheck.Report report = StoreCheck.run(dir);
        assertEquals(java.util.List.of(), report.findings());
    }

    private static void assertGoldenContentsAnd(Store store, int more) throws IOException {
        assertEquals(GoldenStores.CONTENTS.length + more, store.size());
        for (String[] kv : GoldenStores.CONTENTS) {
            assertArrayEquals(kv[1].getBytes(UTF_8), store.get(kv[0].getBytes(UTF_8)), kv[0]);
        }
    }

    private static void deleteHints(Path dir) throws IOException {
        try (var hints = Files.newDirectoryStream(dir, "*.hint")) {
            for (Path h : hints) {
                Files.delete(h);
            }
        }
    }

    @Test
    void aDataFileOfALaterVersion_isRefusedByName_evenBySalvage_andLeftAsItWas() throws IOException {
        Path dir = golden("v1");
        Path later = dir.resolve("000000003.data");
        int version = RecordFormat.VERSION + 1;
        try (FileChannel ch = FileChannel.open(later, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(2).putShort(0, (short) version), 4);
        }
        byte[] before = Files.readAllBytes(later);
        // What an open would otherwise tidy (an interrupted compaction's output): left too.
        Path tmpFile = Files.writeString(dir.resolve("000000009.data.tmp"), "a compaction's output");

        NewerFormatException e = assertThrows(NewerFormatException.class, () -> Store.open(dir));
        assertEquals(later, e.file());
        assertEquals(version, e.version());
        assertTrue(e.getMessage().contains("format version " + version + ", written by a newer kvs; this"
                + " build reads versions up to " + RecordFormat.VERSION), e.getMessage());
        assertThrows(NewerFormatException.class, () -> Store.openSalvaging(dir, StoreOptions.defaults()));

        assertArrayEquals(before, Files.readAllBytes(later));
        assertFalse(Files.exists(dir.resolve("corrupt")), "salvage set nothing aside");
        assertTrue(Files.exists(tmpFile), "nothing was changed, as the message says");
        assertTrue(Files.exists(dir.resolve("000000002.data")));
    }
}
