package kvs.store;

import static kvs.store.StoreTest.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --dump} of real files, whole and damaged: the exact lines printed, and the verdict. */
class StoreDumpTest {

    @TempDir
    Path dir;

    private static final byte[] ODD_KEY = {0x00, 0x7F};
    private static final int FIRST = RecordFormat.FILE_HEADER_BYTES;
    private static final int PUT_SIZE = RecordFormat.recordSize(5, 5); // "alpha" -> "12345"
    private static final int TOMB_SIZE = RecordFormat.recordSize(5, 0);
    private static final int ODD_SIZE = RecordFormat.recordSize(2, 1);

    /** Output that reached the writer's destination, with no flush by the test. */
    private record Dumped(boolean whole, List<String> lines) {
    }

    /** Dumps through a buffered writer the test never flushes: only what dump flushed shows. */
    private Dumped dump(Path file) throws IOException {
        StringWriter sink = new StringWriter();
        PrintWriter out = new PrintWriter(new BufferedWriter(sink, 64 * 1024));
        boolean whole = StoreDump.dump(file, out);
        return new Dumped(whole, sink.toString().lines().toList());
    }

    /** A data file of the given kind: put alpha, delete alpha, put a key that is not text. */
    private Path dataFile(byte kind) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write(RecordFormat.fileHeader(kind).array());
        bytes.write(RecordFormat.encode(1, RecordFormat.TYPE_PUT, b("alpha"), b("12345")).array());
        bytes.write(RecordFormat.encode(2, RecordFormat.TYPE_TOMBSTONE, b("alpha"), new byte[0]).array());
        bytes.write(RecordFormat.encode(3, RecordFormat.TYPE_PUT, ODD_KEY, b("v")).array());
        Path f = SegmentNames.dataFile(dir, 1);
        Files.write(f, bytes.toByteArray());
        return f;
    }

    private static List<String> records() {
        return List.of("# offset size seq type key value_bytes",
                FIRST + " " + PUT_SIZE + " 1 put alpha 5",
                (FIRST + PUT_SIZE) + " " + TOMB_SIZE + " 2 tombstone alpha 0",
                (FIRST + PUT_SIZE + TOMB_SIZE) + " " + ODD_SIZE + " 3 put 0x007f 1");
    }

    @Test
    void wholeLogFile_everyRecordOnALine_andWhole() throws IOException {
        Path f = dataFile(RecordFormat.KIND_LOG);
        Dumped d = dump(f);
        assertTrue(d.whole());
        List<String> expected = new java.util.ArrayList<>(List.of(
                "# " + f + ": data file, kind log, " + Files.size(f) + " bytes", "# state: whole"));
        expected.addAll(records());
        assertEquals(expected, d.lines());
    }

    @Test
    void damageMidFile_shownWhereItLies_recordsAfterItStillListed() throws IOException {
        Path f = dataFile(RecordFormat.KIND_COMPACTED);
        byte[] bytes = Files.readAllBytes(f);
        int tomb = FIRST + PUT_SIZE;
        bytes[tomb + RecordFormat.HEADER_BYTES] ^= 0x01; // a key byte of the tombstone
        Files.write(f, bytes);
        Dumped d = dump(f);
        assertFalse(d.whole());
        String reason = "checksum mismatch in record of " + TOMB_SIZE + " bytes";
        assertEquals(List.of(
                "# " + f + ": data file, kind compacted, " + bytes.length + " bytes",
                "# state: damaged at offset " + tomb + ": " + reason,
                "# offset size seq type key value_bytes",
                FIRST + " " + PUT_SIZE + " 1 put alpha 5",
                "# DAMAGE at offset " + tomb + ": " + TOMB_SIZE + " bytes unreadable: " + reason,
                (tomb + TOMB_SIZE) + " " + ODD_SIZE + " 3 put 0x007f 1"), d.lines());
    }

    /** A torn tail is judged as opening judges the newest log file: cut off, with its size. */
    @Test
    void tornTailOfALogFile_saysHowManyBytesOpeningCutsOff() throws IOException {
        Path f = dataFile(RecordFormat.KIND_LOG);
        byte[] bytes = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(bytes, bytes.length - 1));
        Dumped d = dump(f);
        assertFalse(d.whole());
        int odd = FIRST + PUT_SIZE + TOMB_SIZE;
        assertEquals("# state: torn tail at offset " + odd + " (record of " + ODD_SIZE
                + " bytes cut short by the end of the file): " + (ODD_SIZE - 1)
                + " bytes left by an interrupted write; opening cuts them off", d.lines().get(1));
    }

    @Test
    void aFileOfAnotherProgram_saidNotToBeKvs_andNotWhole() throws IOException {
        Path f = dir.resolve("000000001.data");
        Files.writeString(f, "hello, this is not kvs");
        Dumped d = dump(f);
        assertFalse(d.whole());
        assertEquals(List.of("# " + f + ": not a kvs data or hint file: it begins with 68 65 6c 6c, where a"
                + " data file begins with \"KVSD\" and a hint file with \"KVSH\""), d.lines());
    }

    @Test
    void aDataFileNamedAsAHint_dumpedAsTheDataFileItIs() throws IOException {
        Path f = dataFile(RecordFormat.KIND_LOG);
        Path renamed = dir.resolve("copy.hint");
        Files.copy(f, renamed);
        assertEquals(dump(f).lines().subList(1, dump(f).lines().size()),
                dump(renamed).lines().subList(1, dump(renamed).lines().size()));
    }

    @Test
    void unknownKind_namedByItsNumber() throws IOException {
        Path f = dataFile((byte) 5);
        Dumped d = dump(f);
        assertEquals("# " + f + ": data file, kind unknown 5, " + Files.size(f) + " bytes", d.lines().get(0));
    }

    @Test
    void unfinishedCreation_stateOnly_noRecordLines() throws IOException {
        Path f = SegmentNames.dataFile(dir, 2);
        Files.write(f, Arrays.copyOf(RecordFormat.fileHeader(RecordFormat.KIND_LOG).array(), 5));
        Dumped d = dump(f);
        assertTrue(d.whole(), "not damage: opening removes it");
        assertEquals(List.of("# " + f + ": data file, kind log, 5 bytes",
                "# state: unfinished creation: 5 of 8 header bytes, no records (the disk was full or the"
                        + " process stopped while the file was created); opening removes it"), d.lines());
    }

    private Path hint(long dataSize) throws IOException {
        Path h = SegmentNames.hintFile(dir, 1);
        Path tmp = SegmentNames.temporary(h);
        try (HintFile.Writer w = new HintFile.Writer(tmp)) {
            w.add(FIRST, PUT_SIZE, 1, RecordFormat.TYPE_PUT, b("alpha"), 0);
            w.add(FIRST + PUT_SIZE, TOMB_SIZE, 2, RecordFormat.TYPE_TOMBSTONE, b("alpha"), 0);
            w.add(FIRST + PUT_SIZE + TOMB_SIZE, ODD_SIZE, 3, RecordFormat.TYPE_PUT, ODD_KEY, 0);
            w.finish(dataSize);
        }
        Files.move(tmp, h);
        return h;
    }

    @Test
    void wholeHint_everyEntryOnALine_andWhole() throws IOException {
        long size = FIRST + PUT_SIZE + TOMB_SIZE + ODD_SIZE;
        Path h = hint(size);
        Dumped d = dump(h);
        assertTrue(d.whole());
        assertEquals(List.of("# " + h + ": hint file for a data file of " + size + " bytes",
                "# offset size seq type key",
                FIRST + " " + PUT_SIZE + " 1 put alpha",
                (FIRST + PUT_SIZE) + " " + TOMB_SIZE + " 2 tombstone alpha",
                (FIRST + PUT_SIZE + TOMB_SIZE) + " " + ODD_SIZE + " 3 put 0x007f"), d.lines());
    }

    @Test
    void damagedHint_noEntries_saysTheStoreIgnoresIt() throws IOException {
        long size = FIRST + PUT_SIZE + TOMB_SIZE + ODD_SIZE;
        Path h = hint(size);
        byte[] bytes = Files.readAllBytes(h);
        bytes[HintFile.HEADER_BYTES + 3] ^= 0x01; // inside the first entry: the checksum fails
        Files.write(h, bytes);
        Dumped d = dump(h);
        assertFalse(d.whole());
        assertEquals(List.of("# " + h + ": hint file for a data file of " + size + " bytes",
                "# offset size seq type key",
                "# DAMAGE: not a whole hint file (bad magic, version, count or checksum); a store ignores it"
                        + " and reads the data file"), d.lines());
    }

    /** The header alone (16 bytes) still names the data file's size; fewer bytes cannot. */
    @Test
    void hintCutShort_sizeReadFromAWholeHeaderOnly() throws IOException {
        Path h = hint(1234);
        byte[] bytes = Files.readAllBytes(h);
        Files.write(h, Arrays.copyOf(bytes, HintFile.HEADER_BYTES));
        Dumped header = dump(h);
        assertFalse(header.whole());
        assertEquals("# " + h + ": hint file for a data file of 1234 bytes", header.lines().get(0));
        Files.write(h, Arrays.copyOf(bytes, HintFile.HEADER_BYTES - 1));
        Dumped shorter = dump(h);
        assertFalse(shorter.whole());
        assertEquals("# " + h + ": hint file for a data file of -1 bytes", shorter.lines().get(0));
    }

    @Test
    void printable_asciiFrom0x21To0x7E_asText_elseHex() {
        assertEquals("!~", StoreDump.printable(b("!~")));
        assertEquals("0x612062", StoreDump.printable(b("a b")));
        assertEquals("0x617f", StoreDump.printable(new byte[] {'a', 0x7F}));
        assertEquals("0xc3a9", StoreDump.printable(b("\u00e9")));
        assertEquals("0xff", StoreDump.printable(new byte[] {(byte) 0xFF}));
    }
}
