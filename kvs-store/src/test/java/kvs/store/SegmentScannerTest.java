package kvs.store;

import static kvs.store.StoreTest.b;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scanner attacked byte by byte, in the manner of LevelDB's log_test: files cut at every offset,
 * each byte of each header field flipped, lengths at their limits, damage that holds record-like
 * bytes, files larger than the scanner's buffer, and a channel that reads a little at a time.
 * Each test checks both {@link SegmentScanner#scan} (opening: first damage, torn tail or not) and,
 * where it reads on, {@link SegmentScanner#scanAll} (--check, --salvage, --dump).
 */
class SegmentScannerTest {

    @TempDir
    Path dir;

    private static final int H = RecordFormat.FILE_HEADER_BYTES;

    // ---- building files ----

    private static byte[] fileHeader() {
        return RecordFormat.fileHeader(RecordFormat.KIND_LOG).array();
    }

    private static byte[] put(long seq, String key, String value) {
        return RecordFormat.encode(seq, RecordFormat.TYPE_PUT, key.getBytes(UTF_8), value.getBytes(UTF_8)).array();
    }

    private static byte[] tombstone(long seq, String key) {
        return RecordFormat.encode(seq, RecordFormat.TYPE_TOMBSTONE, key.getBytes(UTF_8), new byte[0]).array();
    }

    /**
     * A record with any header fields and a correct checksum over its bytes: {@code key} and
     * {@code value} are written as given, whatever the lengths declare.
     */
    private static byte[] raw(long seq, byte type, int keyLen, int valueLen, byte[] key, byte[] value) {
        ByteBuffer b = ByteBuffer.allocate(RecordFormat.HEADER_BYTES + key.length + value.length);
        b.putInt(0).putLong(seq).put(type).putInt(keyLen).putInt(valueLen).put(key).put(value);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), RecordFormat.CRC_BYTES, b.capacity() - RecordFormat.CRC_BYTES);
        b.putInt(0, (int) crc.getValue());
        return b.array();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** A data file: the header, then these records. */
    private static byte[] file(byte[]... records) {
        return concat(fileHeader(), concat(records));
    }

    // ---- scanning ----

    /** What a scan handed to its visitor, in order: records and skipped ranges. */
    private static final class Seen implements SegmentScanner.Visitor {
        final List<String> events = new ArrayList<>();

        @Override
        public void record(long offset, int size, long seq, byte type, byte[] key, long expireAt) {
            events.add("record " + offset + " size " + size + " seq " + seq + " type " + type
                    + " key " + new String(key, UTF_8) + (expireAt == 0 ? "" : " expires " + expireAt));
        }

        @Override
        public void batch(long offset, int size) {
            events.add("batch " + offset + " size " + size);
        }

        @Override
        public void damaged(SegmentScanner.Skipped s) {
            events.add("skipped " + s.offset() + " length " + s.length());
        }
    }

    private record Scan(SegmentScanner.Damage damage, List<String> events) {
    }

    private record ScanAll(List<SegmentScanner.Skipped> skipped, List<String> events) {
    }

    private Path write(byte[] bytes) throws IOException {
        Path f = dir.resolve("000000001.data");
        Files.write(f, bytes);
        return f;
    }

    private Scan scan(byte[] bytes) throws IOException {
        return scan(bytes, false);
    }

    private Scan scan(byte[] bytes, boolean shortReads) throws IOException {
        try (FileChannel ch = open(write(bytes), shortReads)) {
            Seen seen = new Seen();
            SegmentScanner.Damage d = SegmentScanner.scan(ch, seen);
            return new Scan(d, seen.events);
        }
    }

    private ScanAll scanAll(byte[] bytes) throws IOException {
        return scanAll(bytes, false);
    }

    private ScanAll scanAll(byte[] bytes, boolean shortReads) throws IOException {
        try (FileChannel ch = open(write(bytes), shortReads)) {
            Seen seen = new Seen();
            List<SegmentScanner.Skipped> skipped = SegmentScanner.scanAll(ch, seen);
            return new ScanAll(skipped, seen.events);
        }
    }

    private static FileChannel open(Path f, boolean shortReads) throws IOException {
        FileChannel ch = FileChannel.open(f, StandardOpenOption.READ);
        return shortReads ? new ShortReads(ch) : ch;
    }

    /** The events a scan of {@code records} laid end to end after the file header would give. */
    private static List<String> eventsOf(byte[]... records) {
        List<String> out = new ArrayList<>();
        long pos = H;
        for (byte[] r : records) {
            ByteBuffer b = ByteBuffer.wrap(r);
            byte[] key = Arrays.copyOfRange(r, RecordFormat.HEADER_BYTES,
                    RecordFormat.HEADER_BYTES + b.getInt(RecordFormat.KEY_LEN_OFFSET));
            out.add("record " + pos + " size " + r.length + " seq " + b.getLong(RecordFormat.SEQ_OFFSET)
                    + " type " + b.get(RecordFormat.TYPE_OFFSET) + " key " + new String(key, UTF_8));
            pos += r.length;
        }
        return out;
    }

    // ---- a clean file ----

    private static final byte[][] FOUR = {
        put(1, "k1", "v1"), tombstone(2, "k2"), put(3, "k3", ""), put(4, "key-4", "a value of 30 bytes, exactly.")};

    @Test
    void cleanFile_everyRecordVisitedInOrder_withOffsetSizeSeqTypeAndKey() throws IOException {
        byte[] f = file(FOUR);
        Scan s = scan(f);
        assertNull(s.damage());
        assertEquals(eventsOf(FOUR), s.events());
        ScanAll all = scanAll(f);
        assertEquals(List.of(), all.skipped());
        assertEquals(eventsOf(FOUR), all.events());
    }

    @Test
    void headerOnly_isCleanAndEmpty() throws IOException {
        assertNull(scan(fileHeader()).damage());
        ScanAll all = scanAll(fileHeader());
        assertEquals(List.of(), all.skipped());
        assertEquals(List.of(), all.events());
    }

    // ---- truncation at every offset ----

    @Test
    void truncatedAtEveryOffset_goodRecordsBeforeTheCutKept_theCutRecordATornTail() throws IOException {
        byte[] whole = file(FOUR);
        long[] starts = new long[FOUR.length + 1];
        starts[0] = H;
        for (int i = 0; i < FOUR.length; i++) {
            starts[i + 1] = starts[i] + FOUR[i].length;
        }
        for (int cut = 0; cut <= whole.length; cut++) {
            byte[] f = Arrays.copyOf(whole, cut);
            int complete = 0;
            while (complete < FOUR.length && starts[complete + 1] <= cut) {
                complete++;
            }
            List<String> before = eventsOf(Arrays.copyOf(FOUR, complete));
            boolean atBoundary = cut >= H && starts[complete] == cut;
            long damageAt = cut < H ? 0 : starts[complete];

            Scan s = scan(f);
            assertEquals(before, s.events(), "cut at " + cut);
            if (atBoundary) {
                assertNull(s.damage(), "cut at " + cut);
            } else {
                assertNotNull(s.damage(), "cut at " + cut);
                assertEquals(damageAt, s.damage().offset(), "cut at " + cut);
                assertTrue(s.damage().tornTail(), "cut at " + cut + ": " + s.damage());
                assertTrue(s.damage().reason().contains("cut short"), "cut at " + cut + ": " + s.damage());
            }

            ScanAll all = scanAll(f);
            List<String> expected = new ArrayList<>(before);
            if (!atBoundary && cut > 0) {
                expected.add("skipped " + damageAt + " length " + (cut - damageAt));
            }
            assertEquals(expected, all.events(), "cut at " + cut);
            assertEquals(expected.size() - before.size(), all.skipped().size(), "cut at " + cut);
        }
    }

    @Test
    void cutShort_reasonSaysWhetherTheHeaderOrTheRecordWasCut() throws IOException {
        byte[] last = put(9, "key", "value");
        // 21 bytes left: a whole header, sane, whose record runs past the end.
        Scan s = scan(Arrays.copyOf(file(last), H + RecordFormat.HEADER_BYTES));
        assertEquals(new SegmentScanner.Damage(H, "record of " + last.length
                + " bytes cut short by the end of the file", true), s.damage());
        // 20 bytes left: not even a header.
        s = scan(Arrays.copyOf(file(last), H + RecordFormat.HEADER_BYTES - 1));
        assertEquals(new SegmentScanner.Damage(H, "record header cut short by the end of the file", true),
                s.damage());
    }

    // ---- flipped bytes ----

    /**
     * Whether {@code rec} has a header that passes the length and type checks of a version 2
     * file: a put, expiring put or tombstone with sane lengths, or a batch of at least one record
     * with room for them.
     */
    private static boolean saneHeader(byte[] rec) {
        ByteBuffer b = ByteBuffer.wrap(rec);
        byte type = b.get(RecordFormat.TYPE_OFFSET);
        long keyLen = b.getInt(RecordFormat.KEY_LEN_OFFSET);
        long valueLen = b.getInt(RecordFormat.VALUE_LEN_OFFSET);
        if (type == RecordFormat.TYPE_BATCH) {
            return keyLen >= 1 && valueLen >= keyLen * (RecordFormat.HEADER_BYTES + 1);
        }
        return (RecordFormat.isPut(type) || type == RecordFormat.TYPE_TOMBSTONE && valueLen == 0)
                && keyLen >= 1 && keyLen <= RecordFormat.MAX_KEY_BYTES && valueLen >= 0
                && declaredSize(rec) <= RecordFormat.MAX_RECORD_BYTES;
    }

    private static long declaredSize(byte[] rec) {
        ByteBuffer b = ByteBuffer.wrap(rec);
        byte type = b.get(RecordFormat.TYPE_OFFSET);
        return RecordFormat.headerBytes(type) + (type == RecordFormat.TYPE_BATCH ? 0 : (long) b.getInt(RecordFormat.KEY_LEN_OFFSET))
                + b.getInt(RecordFormat.VALUE_LEN_OFFSET);
    }

    /**
     * Every byte of every record, flipped by each of three masks: the damage is reported at the
     * start of the flipped record, with every record before it visited. Where reading resumes (and
     * so whether the damage is a torn tail: nothing to resume at) follows the rule in
     * {@link SegmentScanner}: after a record whose header is still sane, at the first good record
     * that starts at or after the end its (flipped) lengths declare; after an insane header, at the
     * first good record after its start. scanAll skips exactly up to there.
     */
    @Test
    void everyByteOfEveryRecordFlipped_damageAtThatRecord_readingResumesByTheRule() throws IOException {
        long[] starts = new long[FOUR.length];
        starts[0] = H;
        for (int i = 1; i < FOUR.length; i++) {
            starts[i] = starts[i - 1] + FOUR[i - 1].length;
        }
        for (int victim = 0; victim < FOUR.length; victim++) {
            long start = starts[victim];
            for (int at = 0; at < FOUR[victim].length; at++) {
                for (int mask : new int[] {0x01, 0x80, 0xFF}) {
                    byte[][] records = FOUR.clone();
                    records[victim] = FOUR[victim].clone();
                    records[victim][at] ^= (byte) mask;
                    byte[] f = file(records);
                    String where = "record " + victim + " byte " + at + " ^ " + Integer.toHexString(mask);
                    long from = saneHeader(records[victim]) ? start + declaredSize(records[victim]) : start + 1;
                    int resume = victim + 1;
                    while (resume < FOUR.length && starts[resume] < from) {
                        resume++;
                    }
                    boolean torn = resume == FOUR.length;

                    Scan s = scan(f);
                    assertEquals(eventsOf(Arrays.copyOf(FOUR, victim)), s.events(), where);
                    assertNotNull(s.damage(), where);
                    assertEquals(start, s.damage().offset(), where);
                    assertEquals(torn, s.damage().tornTail(), where + ": " + s.damage());

                    ScanAll all = scanAll(f);
                    List<String> expected = new ArrayList<>(eventsOf(Arrays.copyOf(FOUR, victim)));
                    expected.add("skipped " + start + " length " + ((torn ? f.length : starts[resume]) - start));
                    expected.addAll(eventsOf(FOUR).subList(resume, FOUR.length));
                    assertEquals(expected, all.events(), where);
                    assertEquals(1, all.skipped().size(), where);
                }
            }
        }
    }

    /**
     * What the rule costs: a flipped length that makes a record swallow the good records after it
     * (its declared end lies past them) is judged a torn tail, and scanAll skips them. Pinned here
     * so that a change to the rule is a decision, not an accident.
     */
    @Test
    void flippedLengthSwallowingTheLaterRecords_isJudgedATornTail() throws IOException {
        byte[][] records = FOUR.clone();
        records[0] = FOUR[0].clone();
        records[0][RecordFormat.VALUE_LEN_OFFSET + 2] ^= 0x01; // value length 2 -> 258
        byte[] f = file(records);
        assertTrue(f.length < H + declaredSize(records[0]));
        assertEquals(new SegmentScanner.Damage(H, "record of " + declaredSize(records[0])
                + " bytes cut short by the end of the file", true), scan(f).damage());
        assertEquals(List.of("skipped " + H + " length " + (f.length - H)), scanAll(f).events());
    }

    @Test
    void badChecksum_followedByOneGoodRecordAtTheVeryEnd_isDamageNotATornTail() throws IOException {
        byte[] bad = put(1, "k1", "v1");
        bad[0] ^= 1;
        byte[] good = put(2, "k2", "v2");
        byte[] f = file(bad, good);
        Scan s = scan(f);
        assertEquals(new SegmentScanner.Damage(H, "checksum mismatch in record of " + bad.length + " bytes",
                false), s.damage());
        ScanAll all = scanAll(f);
        assertEquals(List.of(new SegmentScanner.Skipped(H, bad.length, "checksum mismatch in record of "
                + bad.length + " bytes")), all.skipped());
        assertEquals(List.of("skipped " + H + " length " + bad.length,
                "record " + (H + bad.length) + " size " + good.length + " seq 2 type 1 key k2"), all.events());
    }

    /**
     * A bad record's own bytes are never read as records: a good record that begins in its last
     * bytes (and runs on past its end) is not what "a good record after it" means.
     */
    @Test
    void badRecordWhoseLastBytesBeginAGoodRecord_theInnerRecordIsNeverRead() throws IOException {
        byte[] inner = put(7, "in", "ner");
        for (int overlap = 1; overlap <= 2; overlap++) {
            // The bad record's value ends with the first `overlap` bytes of `inner`; the file ends
            // with the rest of `inner`.
            byte[] value = concat("xxxxx".getBytes(UTF_8), Arrays.copyOf(inner, overlap));
            byte[] bad = raw(1, RecordFormat.TYPE_PUT, 2, value.length, "k1".getBytes(UTF_8), value);
            bad[0] ^= 1;
            byte[] f = concat(file(bad), Arrays.copyOfRange(inner, overlap, inner.length));
            Scan s = scan(f);
            assertEquals(H, s.damage().offset(), "overlap " + overlap);
            assertTrue(s.damage().tornTail(), "overlap " + overlap);
            ScanAll all = scanAll(f);
            assertEquals(List.of("skipped " + H + " length " + (f.length - H)), all.events(), "overlap " + overlap);
        }
    }

    @Test
    void insaneHeader_judgedByTheBytesAfterItsStart() throws IOException {
        byte[] bad = put(1, "k1", "v1");
        bad[RecordFormat.TYPE_OFFSET] = 9;
        byte[] good = put(2, "k2", "v2");
        // A good record right after the bad header's start: damage, and scanAll resumes there.
        byte[] f = concat(fileHeader(), Arrays.copyOf(bad, 5), good);
        Scan s = scan(f);
        assertEquals(H, s.damage().offset());
        assertFalse(s.damage().tornTail());
        ScanAll all = scanAll(f);
        assertEquals(List.of("skipped " + H + " length 5", "record " + (H + 5) + " size " + good.length
                + " seq 2 type 1 key k2"), all.events());
        // Nothing good after it: a torn tail, and scanAll skips to the end.
        f = file(bad);
        assertTrue(scan(f).damage().tornTail());
        assertEquals(List.of("skipped " + H + " length " + bad.length), scanAll(f).events());
    }

    // ---- header checks at their limits ----

    private SegmentScanner.Damage scanOne(byte[] record) throws IOException {
        return scan(file(record, put(100, "after", "it"))).damage();
    }

    @Test
    void keyLength_oneTo64KiB_accepted_zeroAndAboveRefused() throws IOException {
        byte[] maxKey = new byte[RecordFormat.MAX_KEY_BYTES];
        Arrays.fill(maxKey, (byte) 'k');
        byte[] rec = raw(1, RecordFormat.TYPE_PUT, maxKey.length, 1, maxKey, new byte[] {1});
        Scan s = scan(file(rec));
        assertNull(s.damage());
        assertEquals(1, s.events().size());

        assertNull(scanOne(raw(1, RecordFormat.TYPE_PUT, 1, 0, new byte[] {'a'}, new byte[0])));

        assertEquals(new SegmentScanner.Damage(H, "key length 0 outside 1..65536", false),
                scanOne(raw(1, RecordFormat.TYPE_PUT, 0, 1, new byte[0], new byte[] {1})));
        byte[] tooLong = Arrays.copyOf(maxKey, maxKey.length + 1);
        assertEquals(new SegmentScanner.Damage(H, "key length 65537 outside 1..65536", false),
                scanOne(raw(1, RecordFormat.TYPE_PUT, tooLong.length, 0, tooLong, new byte[0])));
        assertEquals(new SegmentScanner.Damage(H, "key length 4294967295 outside 1..65536", false),
                scanOne(raw(1, RecordFormat.TYPE_PUT, -1, 0, new byte[] {'a'}, new byte[0])));
    }

    @Test
    void recordSize_upToTheLimitIsSane_aboveIsRefused() throws IOException {
        int keyLen = 1;
        int atLimit = RecordFormat.MAX_RECORD_BYTES - RecordFormat.HEADER_BYTES - keyLen;
        // Sane (at the limit): a record cut short by the end of the file.
        byte[] rec = raw(1, RecordFormat.TYPE_PUT, keyLen, atLimit, new byte[] {'a'}, new byte[3]);
        assertEquals(new SegmentScanner.Damage(H, "record of " + RecordFormat.MAX_RECORD_BYTES
                + " bytes cut short by the end of the file", true), scan(file(rec)).damage());
        // One byte more: an insane header.
        rec = raw(1, RecordFormat.TYPE_PUT, keyLen, atLimit + 1, new byte[] {'a'}, new byte[3]);
        assertEquals(new SegmentScanner.Damage(H, "value length " + (atLimit + 1) + " too large", true),
                scan(file(rec)).damage());
        assertEquals(new SegmentScanner.Damage(H, "value length 4294967295 too large", false),
                scanOne(raw(1, RecordFormat.TYPE_PUT, keyLen, -1, new byte[] {'a'}, new byte[0])));
    }

    @Test
    void typeAndTombstone_checked() throws IOException {
        for (byte type : new byte[] {0, 5, -1}) {
            assertEquals(new SegmentScanner.Damage(H, "unknown record type " + type, false),
                    scanOne(raw(1, type, 1, 0, new byte[] {'a'}, new byte[0])), "type " + type);
        }
        assertEquals(new SegmentScanner.Damage(H, "tombstone with a value of 1 bytes", false),
                scanOne(raw(1, RecordFormat.TYPE_TOMBSTONE, 1, 1, new byte[] {'a'}, new byte[] {1})));
        assertNull(scanOne(raw(1, RecordFormat.TYPE_TOMBSTONE, 1, 0, new byte[] {'a'}, new byte[0])));
    }

    @Test
    void expiringPutsAndBatches_inAVersion1File_areDamage_inAVersion2FileRead() throws IOException {
        byte[] expiring = RecordFormat.encode(1, RecordFormat.TYPE_PUT_EXPIRING, b("k"), b("v"), 1234).array();
        byte[] v2 = file(expiring, put(2, "after", "it"));
        Scan read = scan(v2);
        assertNull(read.damage());
        assertEquals("record 8 size 31 seq 1 type 3 key k expires 1234", read.events().get(0));
        byte[] v1 = v2.clone();
        v1[5] = 1;
        assertEquals(new SegmentScanner.Damage(H, "record type 3 in a version 1 data file (it came with version 2)",
                false), scan(v1).damage());
        byte[] never = RecordFormat.encode(1, RecordFormat.TYPE_PUT_EXPIRING, b("k"), b("v"), 0).array();
        assertEquals(new SegmentScanner.Damage(H, "expiring put with expire_at 0", false), scanOne(never));
    }

    @Test
    void aBatch_visitedAsItsRecords_andDamageInsideIt_isDamageOfTheWholeBatch() throws IOException {
        RecordFormat.DraftBatch d = RecordFormat.draftBatch(List.of(Write.put(b("a"), b("1")), Write.remove(b("z"))));
        byte[] batch = new byte[d.totalSize()];
        d.finish(5).get(batch);
        Scan s = scan(file(batch));
        assertNull(s.damage());
        assertEquals(List.of("batch 8 size " + batch.length, "record 29 size 23 seq 6 type 1 key a",
                "record 52 size 22 seq 7 type 2 key z"), s.events());

        // A record's own checksum wrong, the batch's right (a writer's bug, or damage before the
        // batch was checksummed): the batch is damage, and none of it is read.
        byte[] inner = batch.clone();
        inner[RecordFormat.HEADER_BYTES] ^= 1;
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(inner, RecordFormat.CRC_BYTES, inner.length - RecordFormat.CRC_BYTES);
        ByteBuffer.wrap(inner).putInt(0, (int) crc.getValue());
        SegmentScanner.Damage damage = scan(file(inner)).damage();
        assertEquals(H, damage.offset());
        assertEquals("batch's record 0 at offset 29: checksum mismatch in record of 23 bytes", damage.reason());
        assertEquals(List.of(), scan(file(inner)).events());
    }

    // ---- the file header ----

    @Test
    void fileShorterThanItsHeader_aTornTail_scanAllSkipsItWhole() throws IOException {
        for (int n = 0; n < H; n++) {
            byte[] f = Arrays.copyOf(fileHeader(), n);
            assertEquals(new SegmentScanner.Damage(0, "file header cut short (" + n + " of 8 bytes)", true),
                    scan(f).damage(), "length " + n);
            ScanAll all = scanAll(f);
            assertEquals(n == 0 ? List.of() : List.of(new SegmentScanner.Skipped(0, n, "file header cut short")),
                    all.skipped(), "length " + n);
            assertEquals(n == 0 ? List.of() : List.of("skipped 0 length " + n), all.events(), "length " + n);
        }
    }

    @Test
    void badMagic_isDamage_unlessTheWholeFileIsZeros() throws IOException {
        byte[] f = file(FOUR);
        f[0] = 'X';
        assertEquals(new SegmentScanner.Damage(0, "not a kvs data file (bad magic number)", false), scan(f).damage());
        assertEquals(List.of(), scan(f).events());

        // All zeros (a file whose blocks never reached the disk), smaller and larger than the buffer.
        for (int size : new int[] {H, 100, 600 * 1024}) {
            SegmentScanner.Damage d = scan(new byte[size]).damage();
            assertEquals(new SegmentScanner.Damage(0, "not a kvs data file (bad magic number)", true), d,
                    "size " + size);
        }
        // Zeros but for one byte: in the first buffer, in a later one, and the very last byte.
        for (int at : new int[] {H, 300 * 1024, 600 * 1024 - 1}) {
            byte[] z = new byte[600 * 1024];
            z[at] = 1;
            assertFalse(scan(z).damage().tornTail(), "non-zero byte at " + at);
        }
    }

    @Test
    void unsupportedVersion_isDamage() throws IOException {
        byte[] f = file(FOUR);
        f[5] = 3;
        assertEquals(new SegmentScanner.Damage(0, "unsupported data file version 3 (this build reads versions 1 to 2)",
                false), scan(f).damage());
        f[5] = 0;
        assertEquals(new SegmentScanner.Damage(0, "unsupported data file version 0 (this build reads versions 1 to 2)",
                false), scan(f).damage());
    }

    @Test
    void scanAll_badFileHeader_skippedUpToTheFirstGoodRecord() throws IOException {
        for (int at : new int[] {0, 3, 5}) {
            byte[] f = file(FOUR);
            f[at] ^= 0x10;
            ScanAll all = scanAll(f);
            assertEquals(List.of(new SegmentScanner.Skipped(0, H, "bad file header")), all.skipped(), "byte " + at);
            List<String> expected = new ArrayList<>();
            expected.add("skipped 0 length " + H);
            expected.addAll(eventsOf(FOUR));
            assertEquals(expected, all.events(), "byte " + at);
        }
        // No good record anywhere: the whole file is skipped.
        byte[] f = concat("not ours".getBytes(UTF_8), new byte[40]);
        ScanAll all = scanAll(f);
        assertEquals(List.of(new SegmentScanner.Skipped(0, f.length, "bad file header")), all.skipped());
        assertEquals(List.of("skipped 0 length " + f.length), all.events());
    }

    // ---- more than one buffer ----

    /** Records totalling well over the scanner's 256 KiB buffer, one of them larger than it. */
    private static byte[][] manyRecords() {
        List<byte[]> recs = new ArrayList<>();
        byte[] kilo = new byte[1000];
        Arrays.fill(kilo, (byte) 'v');
        for (int i = 0; i < 300; i++) {
            recs.add(RecordFormat.encode(i + 1, RecordFormat.TYPE_PUT, ("key" + i).getBytes(UTF_8), kilo).array());
        }
        recs.add(RecordFormat.encode(301, RecordFormat.TYPE_PUT, "big".getBytes(UTF_8), new byte[300 * 1024]).array());
        for (int i = 0; i < 50; i++) {
            recs.add(RecordFormat.encode(302 + i, RecordFormat.TYPE_PUT, ("after" + i).getBytes(UTF_8), kilo).array());
        }
        return recs.toArray(new byte[0][]);
    }

    @Test
    void fileLargerThanTheBuffer_everyRecordVisited_evenWithShortReads() throws IOException {
        byte[][] recs = manyRecords();
        byte[] f = file(recs);
        for (boolean shortReads : new boolean[] {false, true}) {
            Scan s = scan(f, shortReads);
            assertNull(s.damage(), "short reads " + shortReads);
            assertEquals(eventsOf(recs), s.events(), "short reads " + shortReads);
            ScanAll all = scanAll(f, shortReads);
            assertEquals(List.of(), all.skipped(), "short reads " + shortReads);
            assertEquals(eventsOf(recs), all.events(), "short reads " + shortReads);
        }
    }

    @Test
    void damageBeyondTheFirstBuffer_foundAndSkipped_evenWithShortReads() throws IOException {
        byte[][] recs = manyRecords();
        int victim = 280;
        long start = H;
        for (int i = 0; i < victim; i++) {
            start += recs[i].length;
        }
        byte[][] damaged = recs.clone();
        damaged[victim] = recs[victim].clone();
        damaged[victim][RecordFormat.HEADER_BYTES + 10] ^= 1;
        byte[] f = file(damaged);
        for (boolean shortReads : new boolean[] {false, true}) {
            Scan s = scan(f, shortReads);
            assertEquals(new SegmentScanner.Damage(start, "checksum mismatch in record of " + recs[victim].length
                    + " bytes", false), s.damage(), "short reads " + shortReads);
            assertEquals(eventsOf(Arrays.copyOf(recs, victim)), s.events());
            ScanAll all = scanAll(f, shortReads);
            List<String> expected = new ArrayList<>(eventsOf(recs));
            expected.set(victim, "skipped " + start + " length " + recs[victim].length);
            assertEquals(expected, all.events(), "short reads " + shortReads);
        }
    }

    /**
     * A channel over a file that reads at most 1000 bytes a call, and nothing at all every other call:
     * what FileChannel's contract allows (a local file rarely does it, a network file system may).
     */
    private static final class ShortReads extends FileChannel {
        private final FileChannel in;
        private boolean nothing;

        ShortReads(FileChannel in) {
            this.in = in;
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            nothing = !nothing;
            if (nothing || !dst.hasRemaining()) {
                return 0;
            }
            ByteBuffer part = dst.duplicate();
            part.limit(Math.min(dst.limit(), dst.position() + 1000));
            int n = in.read(part, position);
            if (n > 0) {
                dst.position(dst.position() + n);
            }
            return n;
        }

        @Override
        public long size() throws IOException {
            return in.size();
        }

        @Override
        protected void implCloseChannel() throws IOException {
            in.close();
        }

        @Override
        public int read(ByteBuffer dst) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int write(ByteBuffer src) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long position() {
            throw new UnsupportedOperationException();
        }

        @Override
        public FileChannel position(long newPosition) {
            throw new UnsupportedOperationException();
        }

        @Override
        public FileChannel truncate(long size) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void force(boolean metaData) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int write(ByteBuffer src, long position) {
            throw new UnsupportedOperationException();
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) {
            throw new UnsupportedOperationException();
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) {
            throw new UnsupportedOperationException();
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) {
            throw new UnsupportedOperationException();
        }
    }
}
