package kvs.server.store;

import static kvs.server.store.StoreTest.b;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Damage other than a torn tail: refused, reported by --check, and salvaged on request. */
class SalvageTest {

    @TempDir
    Path dir;

    private static final int RECORD = RecordFormat.recordSize(3, 10); // keys k00..k99, 10-byte values

    /** 100 records in data file 1, no hint: as a crash leaves it. Returns the file's bytes. */
    private byte[] writeHundred() throws IOException {
        try (Store s = Store.open(dir)) {
            for (int i = 0; i < 100; i++) {
                s.set(b(String.format("k%02d", i)), b(String.format("value-%04d", i)));
            }
        }
        Files.delete(SegmentNames.hintFile(dir, 1));
        return Files.readAllBytes(SegmentNames.dataFile(dir, 1));
    }

    private static long offsetOf(int record) {
        return RecordFormat.FILE_HEADER_BYTES + (long) record * RECORD;
    }

    @Test
    void zeroFilledBlockMidFile_refused_thenSalvaged_keepingEveryGoodRecord() throws IOException {
        byte[] bytes = writeHundred();
        // Zero records 40..44 (and the start of 45).
        Arrays.fill(bytes, (int) offsetOf(40), (int) offsetOf(45) + 3, (byte) 0);
        Files.write(SegmentNames.dataFile(dir, 1), bytes);

        CorruptionException refused = assertThrows(CorruptionException.class, () -> Store.open(dir));
        assertEquals(offsetOf(40), refused.offset());

        StoreCheck.Report report = StoreCheck.run(dir);
        assertFalse(report.clean());
        assertEquals(offsetOf(40), report.findings().get(0).offset());
        assertEquals(94, report.records());

        try (Store s = Store.openSalvaging(dir, StoreOptions.defaults())) {
            for (int i = 0; i < 100; i++) {
                byte[] v = s.get(b(String.format("k%02d", i)));
                if (i >= 40 && i <= 45) {
                    assertNull(v, "k" + i);
                } else {
                    assertArrayEquals(b(String.format("value-%04d", i)), v, "k" + i);
                }
            }
        }
        // The damaged file was kept aside, byte for byte.
        List<Path> aside = corruptCopies();
        assertEquals(1, aside.size());
        assertArrayEquals(bytes, Files.readAllBytes(aside.get(0)));
        // And the store now opens normally, and checks clean.
        try (Store s = Store.open(dir)) {
            assertEquals(94, s.size());
        }
        assertTrue(StoreCheck.run(dir).clean(), StoreCheck.run(dir).findings().toString());
    }

    @Test
    void flippedByteInASealedFile_salvaged() throws IOException {
        try (Store s = Store.open(dir, StoreOptions.defaults().withMaxSegmentBytes(1024))) {
            for (int i = 0; i < 100; i++) {
                s.set(b(String.format("k%02d", i)), b(String.format("value-%04d", i)));
            }
        }
        Path first = SegmentNames.dataFile(dir, 1);
        byte[] bytes = Files.readAllBytes(first);
        bytes[(int) offsetOf(2) + RecordFormat.HEADER_BYTES + 5] ^= 0x01; // a value byte of k02
        Files.write(first, bytes);
        Files.delete(SegmentNames.hintFile(dir, 1));
        assertThrows(CorruptionException.class, () -> Store.open(dir));
        try (Store s = Store.openSalvaging(dir, StoreOptions.defaults())) {
            assertNull(s.get(b("k02")));
            assertArrayEquals(b("value-0003"), s.get(b("k03")));
            assertArrayEquals(b("value-0099"), s.get(b("k99")));
            assertEquals(99, s.size());
        }
    }

    @Test
    void zeroLengthSealedFile_refused_thenSalvaged() throws IOException {
        try (Store s = Store.open(dir, StoreOptions.defaults().withMaxSegmentBytes(1024))) {
            for (int i = 0; i < 100; i++) {
                s.set(b(String.format("k%02d", i)), b(String.format("value-%04d", i)));
            }
        }
        Files.write(SegmentNames.dataFile(dir, 2), new byte[0]);
        Files.delete(SegmentNames.hintFile(dir, 2));
        CorruptionException e = assertThrows(CorruptionException.class, () -> Store.open(dir));
        assertEquals(SegmentNames.dataFile(dir, 2), e.file());
        try (Store s = Store.openSalvaging(dir, StoreOptions.defaults())) {
            assertArrayEquals(b("value-0000"), s.get(b("k00")));
            assertArrayEquals(b("value-0099"), s.get(b("k99")));
        }
    }

    @Test
    void hintThatDisagreesWithItsDataFile_readsReportIt_andCheckFindsIt() throws IOException {
        writeHundred();
        // A whole, checksummed hint for data file 1 whose first entry points at the wrong record.
        long size = Files.size(SegmentNames.dataFile(dir, 1));
        Path tmp = SegmentNames.temporary(SegmentNames.hintFile(dir, 1));
        try (HintFile.Writer w = new HintFile.Writer(tmp)) {
            w.add((int) offsetOf(1), RECORD, 1, RecordFormat.TYPE_PUT, b("k00"));
            for (int i = 1; i < 100; i++) {
                w.add((int) offsetOf(i), RECORD, i + 1, RecordFormat.TYPE_PUT, b(String.format("k%02d", i)));
            }
            w.finish(size);
        }
        Files.move(tmp, SegmentNames.hintFile(dir, 1));
        StoreCheck.Report report = StoreCheck.run(dir);
        assertEquals(1, report.findings().size(), report.findings().toString());
        assertTrue(report.findings().get(0).problem().contains("disagrees"), report.findings().toString());
        try (Store s = Store.open(dir)) {
            CorruptionException e = assertThrows(CorruptionException.class, () -> s.get(b("k00")));
            assertTrue(e.getMessage().contains("another key"), e.getMessage());
            assertArrayEquals(b("value-0050"), s.get(b("k50")));
        }
    }

    @Test
    void check_ofACleanStore_isClean_andChangesNothing() throws IOException {
        try (Store s = Store.open(dir, StoreOptions.defaults().withMaxSegmentBytes(1024))) {
            for (int i = 0; i < 100; i++) {
                s.set(b(String.format("k%02d", i)), b(String.format("value-%04d", i)));
            }
        }
        List<String> before = listing();
        StoreCheck.Report report = StoreCheck.run(dir);
        assertTrue(report.clean(), report.findings().toString());
        assertEquals(100, report.records());
        assertEquals(before, listing());
    }

    @Test
    void check_whileTheStoreIsOpen_refused() throws IOException {
        try (Store s = Store.open(dir)) {
            assertThrows(StoreLockedException.class, () -> StoreCheck.run(dir));
        }
    }

    private List<Path> corruptCopies() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().contains(".corrupt-")).toList();
        }
    }

    private List<String> listing() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> {
                try {
                    return p.getFileName() + ":" + Files.size(p) + ":" + Files.getLastModifiedTime(p);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).sorted().toList();
        }
    }
}
