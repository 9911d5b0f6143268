package kvs.store;

import static kvs.store.StoreTest.b;
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

    /** 100 records in data files of at most 1 KiB, each sealed with its hint: a clean close. */
    private void writeHundredInSealedFiles() throws IOException {
        try (Store s = Store.open(dir, StoreOptions.defaults().withMaxSegmentBytes(1024))) {
            for (int i = 0; i < 100; i++) {
                s.set(b(String.format("k%02d", i)), b(String.format("value-%04d", i)));
            }
        }
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
        writeHundredInSealedFiles();
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

    /**
     * A sealed data file of 0 bytes never got its header: opening takes it for an unfinished
     * creation (what a full disk at a seal leaves) and removes it, as {@link DataFileState}
     * decides for open and check alike. Were it a file emptied by damage, its records were gone
     * before the open.
     */
    @Test
    void zeroLengthSealedFile_isAnUnfinishedCreation_removedAtOpen() throws IOException {
        writeHundredInSealedFiles();
        Files.write(SegmentNames.dataFile(dir, 2), new byte[0]);
        Files.delete(SegmentNames.hintFile(dir, 2));
        assertTrue(StoreCheck.run(dir).clean(), StoreCheck.run(dir).findings().toString());
        try (Store s = Store.open(dir)) {
            assertArrayEquals(b("value-0000"), s.get(b("k00")));
            assertArrayEquals(b("value-0099"), s.get(b("k99")));
        }
        assertFalse(Files.exists(SegmentNames.dataFile(dir, 2)));
    }

    @Test
    void hintThatDisagreesWithItsDataFile_readsReportIt_andCheckFindsIt() throws IOException {
        writeHundred();
        // A whole, checksummed hint for data file 1 whose first entry points at the wrong record.
        long size = Files.size(SegmentNames.dataFile(dir, 1));
        Path tmp = SegmentNames.temporary(SegmentNames.hintFile(dir, 1));
        try (HintFile.Writer w = new HintFile.Writer(tmp)) {
            w.add((int) offsetOf(1), RECORD, 1, RecordFormat.TYPE_PUT, b("k00"), 0);
            for (int i = 1; i < 100; i++) {
                w.add((int) offsetOf(i), RECORD, i + 1, RecordFormat.TYPE_PUT, b(String.format("k%02d", i)), 0);
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

    /**
     * A sealed file with a hint is opened from its hint, so its damage is found on read only.
     * Salvage reads every data file itself (a hint never vouches for its data file) and repairs
     * it; check finds it too, and blames only the data file, not its unchanged hint.
     */
    @Test
    void damageInAHintedSealedFile_foundByCheck_andRepairedBySalvage() throws IOException {
        writeHundredInSealedFiles();
        Path first = SegmentNames.dataFile(dir, 1);
        assertTrue(Files.exists(SegmentNames.hintFile(dir, 1)));
        byte[] bytes = Files.readAllBytes(first);
        bytes[(int) offsetOf(2) + RecordFormat.HEADER_BYTES + 5] ^= 0x01; // a value byte of k02
        Files.write(first, bytes);

        try (Store s = Store.open(dir)) { // opened from the hint: the damage is found on read
            CorruptionException e = assertThrows(CorruptionException.class, () -> s.get(b("k02")));
            assertEquals(first, e.file());
            assertEquals(offsetOf(2), e.offset());
        }
        StoreCheck.Report report = StoreCheck.run(dir);
        assertEquals(1, report.findings().size(), report.findings().toString());
        assertEquals(first, report.findings().get(0).file());
        assertEquals(offsetOf(2), report.findings().get(0).offset());

        try (Store s = Store.openSalvaging(dir, StoreOptions.defaults())) {
            assertNull(s.get(b("k02")));
            assertArrayEquals(b("value-0003"), s.get(b("k03")));
            assertArrayEquals(b("value-0099"), s.get(b("k99")));
            assertEquals(99, s.size());
        }
        assertEquals(1, corruptCopies().size());
        assertArrayEquals(bytes, Files.readAllBytes(corruptCopies().get(0)));
        assertTrue(StoreCheck.run(dir).clean(), StoreCheck.run(dir).findings().toString());
    }

    /** "entry 42 disagrees": check compared a valid hint with a scan that skipped a record. */
    @Test
    void check_afterOneDamagedRecord_blamesTheDataFile_notItsValidHint() throws IOException {
        try (Store s = Store.open(dir)) {
            for (int i = 0; i < 100; i++) {
                s.set(b(String.format("k%02d", i)), b(String.format("value-%04d", i)));
            }
        }
        assertTrue(Files.exists(SegmentNames.hintFile(dir, 1)), "sealed with a hint at close");
        byte[] bytes = Files.readAllBytes(SegmentNames.dataFile(dir, 1));
        bytes[(int) offsetOf(42) + RecordFormat.HEADER_BYTES + 4] ^= 0x40;
        Files.write(SegmentNames.dataFile(dir, 1), bytes);
        StoreCheck.Report report = StoreCheck.run(dir);
        assertEquals(List.of(new StoreCheck.Finding(SegmentNames.dataFile(dir, 1), offsetOf(42),
                "checksum mismatch in record of " + RECORD + " bytes (" + RECORD + " bytes unreadable)")),
                report.findings());
        assertEquals(99, report.records());
    }

    /** Salvage sets damaged files aside under corrupt/, which opening ignores without a word. */
    @Test
    void afterSalvage_laterStartsDoNotWarnAboutTheFileSetAside() throws IOException {
        byte[] bytes = writeHundred();
        bytes[(int) offsetOf(50) + 2] ^= 0x01;
        Files.write(SegmentNames.dataFile(dir, 1), bytes);
        try (Store s = Store.openSalvaging(dir, StoreOptions.defaults())) {
            assertEquals(99, s.size());
        }
        List<String> logged = new java.util.ArrayList<>();
        try (var capture = LogCapture.of(StoreLoader.class, logged)) {
            for (int i = 0; i < 2; i++) {
                try (Store s = Store.open(dir)) {
                    assertEquals(99, s.size());
                }
            }
        }
        assertEquals(List.of(), logged);
        assertEquals(1, corruptCopies().size());
        assertTrue(StoreCheck.run(dir).clean());
    }

    @Test
    void check_ofACleanStore_isClean_andChangesNothing() throws IOException {
        writeHundredInSealedFiles();
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

    /**
     * Salvage keeps exactly the good records, byte for byte and in order, skips exactly the
     * damaged record, returns the bytes skipped, and logs the damage, the skip and the copy.
     */
    @Test
    void repair_dropsExactlyTheDamagedRecord_andLogsWhatItSkipped() throws IOException {
        byte[] bytes = writeHundred();
        long at = offsetOf(50); // over 1000: printed without a thousands separator
        bytes[(int) at + RecordFormat.HEADER_BYTES + 5] ^= 0x01; // a value byte of k50
        Path file = SegmentNames.dataFile(dir, 1);
        Files.write(file, bytes);
        DataFileState state;
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file)) {
            state = DataFileState.classify(ch, (offset, size, seq, type, key, expiry) -> { });
        }
        List<String> logged = new java.util.ArrayList<>();
        long skipped;
        try (var capture = LogCapture.of(Salvage.class, logged)) {
            skipped = Salvage.repair(dir, 1, RecordFormat.KIND_LOG, state);
        }
        assertEquals(RECORD, skipped);
        java.io.ByteArrayOutputStream expected = new java.io.ByteArrayOutputStream();
        expected.write(bytes, 0, (int) at);
        expected.write(bytes, (int) at + RECORD, bytes.length - (int) at - RECORD);
        assertArrayEquals(expected.toByteArray(), Files.readAllBytes(file));
        List<Path> aside = corruptCopies();
        assertEquals(1, aside.size());
        assertArrayEquals(bytes, Files.readAllBytes(aside.get(0)));
        String reason = "checksum mismatch in record of " + RECORD + " bytes";
        assertEquals(List.of(
                "salvage: " + file + ": damaged at offset " + at + ": " + reason,
                "salvage: " + file + ": skipped " + RECORD + " bytes at offset " + at + " (" + reason + ")",
                "salvage: " + file + " rewritten without " + RECORD + " damaged bytes; the damaged file is"
                        + " kept as " + dir.relativize(aside.get(0))), logged);
    }

    /** A damaged compaction commit record: refused at open; salvage moves it aside, unchanged. */
    @Test
    void damagedCommitRecord_refused_thenMovedAsideBySalvage() throws IOException {
        writeHundredInSealedFiles();
        byte[] garbage = "not a commit record at all".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        Files.write(CompactionCommit.path(dir), garbage);
        CorruptionException refused = assertThrows(CorruptionException.class, () -> Store.open(dir));
        assertEquals(CompactionCommit.path(dir), refused.file());
        try (Store s = Store.openSalvaging(dir, StoreOptions.defaults())) {
            assertEquals(100, s.size());
        }
        assertFalse(Files.exists(CompactionCommit.path(dir)));
        Path aside = dir.resolve(SegmentNames.CORRUPT_DIR);
        try (Stream<Path> files = Files.list(aside)) {
            List<Path> moved = files.toList();
            assertEquals(1, moved.size(), moved.toString());
            assertTrue(moved.get(0).getFileName().toString().startsWith(
                    CompactionCommit.path(dir).getFileName() + ".corrupt-"), moved.toString());
            assertArrayEquals(garbage, Files.readAllBytes(moved.get(0)));
        }
        assertTrue(StoreCheck.run(dir).clean(), StoreCheck.run(dir).findings().toString());
    }

    private List<Path> corruptCopies() throws IOException {
        Path aside = dir.resolve(SegmentNames.CORRUPT_DIR);
        if (!Files.isDirectory(aside)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(aside)) {
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
