package kvs.store;

import static kvs.store.StoreTest.b;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --check} of hint files against their data files: exactly which findings it reports. */
class StoreCheckTest {

    @TempDir
    Path dir;

    private static final int RECORD = RecordFormat.recordSize(3, 10); // keys k00..k09, 10-byte values

    private static long offsetOf(int record) {
        return RecordFormat.FILE_HEADER_BYTES + (long) record * RECORD;
    }

    /** Ten records in data file 1, sealed with its hint at close. */
    private void writeTen() throws IOException {
        try (Store s = Store.open(dir)) {
            for (int i = 0; i < 10; i++) {
                s.set(b(String.format("k%02d", i)), b(String.format("value-%04d", i)));
            }
        }
    }

    /** In a whole data file, an entry naming an offset inside a record is the hint's fault. */
    @Test
    void hintEntryWhereNoRecordStarts_inAWholeDataFile_isAFinding() throws IOException {
        writeTen();
        long size = Files.size(SegmentNames.dataFile(dir, 1));
        Path hint = SegmentNames.hintFile(dir, 1);
        Path tmp = SegmentNames.temporary(hint);
        try (HintFile.Writer w = new HintFile.Writer(tmp)) {
            for (int i = 0; i < 10; i++) {
                long offset = i == 1 ? offsetOf(1) + 1 : offsetOf(i);
                w.add((int) offset, RECORD, i + 1, RecordFormat.TYPE_PUT, b(String.format("k%02d", i)), 0);
            }
            w.finish(size);
        }
        Files.move(tmp, hint, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        StoreCheck.Report report = StoreCheck.run(dir);
        assertEquals(List.of(new StoreCheck.Finding(hint, 0, "entry 1 names offset " + (offsetOf(1) + 1)
                + " of data file 000000001.data, where no record starts")), report.findings());
        assertEquals(10, report.records());
    }

    private static final byte[] INNER = RecordFormat.encode(77, RecordFormat.TYPE_PUT, b("inner"), b("v")).array();
    private static final int OUTER = RecordFormat.FILE_HEADER_BYTES + RecordFormat.recordSize(1, 1);

    /**
     * Records a, outer (whose value is the encoded record INNER) and z, sealed with a hint; then
     * outer's type byte is set to 9, an insane header, so a scan reads on byte by byte and finds
     * INNER. Returns the damaged file's bytes.
     */
    private byte[] writeOuterWithAnInsaneHeader() throws IOException {
        try (Store s = Store.open(dir)) {
            s.set(b("a"), b("1"));
            s.set(b("outer"), INNER);
            s.set(b("z"), b("2"));
        }
        Path data = SegmentNames.dataFile(dir, 1);
        byte[] bytes = Files.readAllBytes(data);
        bytes[OUTER + RecordFormat.TYPE_OFFSET] = 9;
        Files.write(data, bytes);
        return bytes;
    }

    /**
     * A record whose header is damaged is skipped by reading on byte by byte, which can find a
     * "record" inside its value (here a value that is itself an encoded record). That is part of
     * the damaged record, which the hint rightly names: the data file is blamed, not the hint.
     */
    @Test
    void recordFoundInsideADamagedRecord_isNotBlamedOnTheHint() throws IOException {
        writeOuterWithAnInsaneHeader();
        Path data = SegmentNames.dataFile(dir, 1);
        StoreCheck.Report report = StoreCheck.run(dir);
        assertEquals(List.of(new StoreCheck.Finding(data, OUTER, "unknown record type 9 ("
                + (RecordFormat.HEADER_BYTES + 5) + " bytes unreadable)")), report.findings());
        assertEquals(3, report.records(), "a, the record inside outer's value, and z");
    }

    /**
     * An entry inside damage excuses only records inside that entry's extent: a record right after
     * it that the hint leaves out is still the hint's fault.
     */
    @Test
    void recordMissingFromTheHint_rightAfterADamagedRecord_isAFinding() throws IOException {
        byte[] bytes = writeOuterWithAnInsaneHeader();
        Path data = SegmentNames.dataFile(dir, 1);
        int outerSize = RecordFormat.recordSize(5, INNER.length);
        Path hint = SegmentNames.hintFile(dir, 1);
        Path tmp = SegmentNames.temporary(hint);
        try (HintFile.Writer w = new HintFile.Writer(tmp)) { // no entry for z
            w.add(RecordFormat.FILE_HEADER_BYTES, RecordFormat.recordSize(1, 1), 1, RecordFormat.TYPE_PUT, b("a"), 0);
            w.add(OUTER, outerSize, 2, RecordFormat.TYPE_PUT, b("outer"), 0);
            w.finish(bytes.length);
        }
        Files.move(tmp, hint, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        StoreCheck.Report report = StoreCheck.run(dir);
        assertEquals(List.of(
                new StoreCheck.Finding(data, OUTER, "unknown record type 9 (" + (RecordFormat.HEADER_BYTES + 5)
                        + " bytes unreadable)"),
                new StoreCheck.Finding(hint, 0, "no entry for the record at offset " + (OUTER + outerSize)
                        + " of data file 000000001.data")), report.findings());
    }
}
