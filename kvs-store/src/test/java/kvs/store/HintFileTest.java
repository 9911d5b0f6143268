package kvs.store;

import static kvs.store.StoreTest.b;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HintFileTest {

    @TempDir
    Path dir;

    private Path hint(int id) {
        return SegmentNames.hintFile(dir, id);
    }

    /** A store with one sealed data file (closing seals it and writes its hint). */
    private void writeSealed() throws IOException {
        try (Store s = Store.open(dir)) {
            s.set(b("a"), b("1"));
            s.set(b("b"), b("22"));
            s.remove(b("a"));
        }
    }

    @Test
    void writtenOnClose_oneEntryPerRecord_inFileOrder() throws IOException {
        writeSealed();
        List<String> entries = new ArrayList<>();
        long dataSize = Files.size(SegmentNames.dataFile(dir, 1));
        assertTrue(HintFile.read(hint(1), dataSize, (offset, size, seq, type, key, expiry) ->
                entries.add(new String(key) + "@" + offset + "/" + size + "#" + seq + "t" + type)));
        assertEquals(List.of("a@8/23#1t1", "b@31/24#2t1", "a@55/22#3t2"), entries);
    }

    @Test
    void expiringPuts_carryTheirTime_aVersion1HintIsStillRead() throws IOException {
        TestClock clock = new TestClock();
        try (Store s = Store.open(dir, StoreOptions.defaults().withClock(clock))) {
            s.set(b("a"), b("1"), clock.millis() + 5000);
            s.set(b("b"), b("2"));
        }
        List<String> entries = new ArrayList<>();
        long dataSize = Files.size(SegmentNames.dataFile(dir, 1));
        assertTrue(HintFile.read(hint(1), dataSize, (offset, size, seq, type, key, expiry) ->
                entries.add(new String(key) + "@" + offset + "/" + size + "t" + type + "x" + expiry)));
        assertEquals(List.of("a@8/31t3x" + (clock.millis() + 5000), "b@39/23t1x0"), entries);

        byte[] hint = Files.readAllBytes(hint(1));
        hint[5] = 1; // as version 1: type 3 is not one of its types
        rewriteChecksum(hint);
        Files.write(hint(1), hint);
        assertFalse(HintFile.read(hint(1), dataSize, (o, s, q, t, k, expiry) -> { }));
    }

    /** Sets a hint's trailing CRC to match its bytes. */
    private static void rewriteChecksum(byte[] hint) {
        CRC32C crc = new CRC32C();
        crc.update(hint, 0, hint.length - 4);
        java.nio.ByteBuffer.wrap(hint).putInt(hint.length - 4, (int) crc.getValue());
    }

    @Test
    void staleDataSize_notTrusted() throws IOException {
        writeSealed();
        long dataSize = Files.size(SegmentNames.dataFile(dir, 1));
        assertFalse(HintFile.read(hint(1), dataSize + 1, (o, s, q, t, k, expiry) -> { }));
    }

    @Test
    void anyFlippedByte_notTrusted() throws IOException {
        writeSealed();
        long dataSize = Files.size(SegmentNames.dataFile(dir, 1));
        byte[] good = Files.readAllBytes(hint(1));
        for (int i = 0; i < good.length; i++) {
            byte[] bad = good.clone();
            bad[i] ^= 0x10;
            Files.write(hint(1), bad);
            List<byte[]> seen = new ArrayList<>();
            assertFalse(HintFile.read(hint(1), dataSize, (o, s, q, t, k, expiry) -> seen.add(k)), "flip at " + i);
            assertTrue(seen.isEmpty(), "nothing visited before the checksum is checked");
        }
    }

    @Test
    void truncated_notTrusted() throws IOException {
        writeSealed();
        long dataSize = Files.size(SegmentNames.dataFile(dir, 1));
        byte[] good = Files.readAllBytes(hint(1));
        for (int len = 0; len < good.length; len++) {
            Files.write(hint(1), java.util.Arrays.copyOf(good, len));
            assertFalse(HintFile.read(hint(1), dataSize, (o, s, q, t, k, expiry) -> { }), "length " + len);
        }
    }

    @Test
    void damagedOrMissingHint_storeOpensFromTheDataFile_andRewritesIt() throws IOException {
        writeSealed();
        byte[] bytes = Files.readAllBytes(hint(1));
        bytes[bytes.length / 2] ^= 1;
        Files.write(hint(1), bytes);
        try (Store s = Store.open(dir)) {
            assertArrayEquals(b("22"), s.get(b("b")));
            assertEquals(1, s.size());
        }
        // Rewritten, good again.
        assertTrue(HintFile.read(hint(1), Files.size(SegmentNames.dataFile(dir, 1)), (o, s, q, t, k, expiry) -> { }));
        Files.delete(hint(1));
        try (Store s = Store.open(dir)) {
            assertArrayEquals(b("22"), s.get(b("b")));
        }
        assertTrue(Files.exists(hint(1)));
    }

    @Test
    void writeFor_aGoodDataFile_returnsTrue_andTheHintListsItsRecords() throws IOException {
        writeSealed();
        Files.delete(hint(1));
        try (Segment seg = Segment.open(SegmentNames.dataFile(dir, 1), 1, false)) {
            assertTrue(HintFile.writeFor(seg, dir, StorageIo.real()));
        }
        List<String> keys = new ArrayList<>();
        assertTrue(HintFile.read(hint(1), Files.size(SegmentNames.dataFile(dir, 1)),
                (o, s, q, t, k, expiry) -> keys.add(new String(k))));
        assertEquals(List.of("a", "b", "a"), keys);
    }

    @Test
    void writeFor_aDamagedDataFile_returnsFalse_andLeavesNoHint() throws IOException {
        writeSealed();
        Files.delete(hint(1));
        Path data = SegmentNames.dataFile(dir, 1);
        byte[] bytes = Files.readAllBytes(data);
        bytes[8 + RecordFormat.HEADER_BYTES + 1] ^= 0x10; // the first record's value: damage mid-file
        Files.write(data, bytes);
        try (Segment seg = Segment.open(data, 1, false)) {
            assertFalse(HintFile.writeFor(seg, dir, StorageIo.real()));
        }
        assertFalse(Files.exists(hint(1)));
        assertFalse(Files.exists(SegmentNames.temporary(hint(1))));
    }

    @Test
    void emptyHint_ofADataFileWithNoRecords_isTrusted() throws IOException {
        try (HintFile.Writer w = new HintFile.Writer(hint(1))) {
            w.finish(RecordFormat.FILE_HEADER_BYTES);
        }
        assertEquals(HintFile.HEADER_BYTES + HintFile.TRAILER_BYTES, Files.size(hint(1)));
        List<byte[]> seen = new ArrayList<>();
        assertTrue(HintFile.read(hint(1), RecordFormat.FILE_HEADER_BYTES, (o, s, q, t, k, expiry) -> seen.add(k)));
        assertTrue(seen.isEmpty());
    }

    // ---- hints with a good checksum whose entries are wrong: a writer's bug, not a disk's ----

    private static final long DATA_SIZE = 1 << 20;
    private static final int TYPE_PUT = RecordFormat.TYPE_PUT;

    /** One entry's bytes, with its fields as given (keyLen may disagree with key.length). */
    private static byte[] entry(long seq, int type, int keyLen, int offset, int size, byte[] key) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeLong(seq);
        out.writeByte(type);
        out.writeInt(keyLen);
        out.writeInt(offset);
        out.writeInt(size);
        out.write(key);
        return bytes.toByteArray();
    }

    private static byte[] entry(int offset, int size, byte[] key) throws IOException {
        return entry(1, TYPE_PUT, key.length, offset, size, key);
    }

    /** A whole hint for a data file of DATA_SIZE bytes: header, the entries, count, a correct CRC. */
    private void writeHint(long count, byte[]... entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(HintFile.MAGIC);
        out.writeShort(HintFile.VERSION);
        out.writeShort(0);
        out.writeLong(DATA_SIZE);
        for (byte[] e : entries) {
            out.write(e);
        }
        out.writeLong(count);
        CRC32C crc = new CRC32C();
        crc.update(bytes.toByteArray());
        out.writeInt((int) crc.getValue());
        Files.write(hint(1), bytes.toByteArray());
    }

    private List<String> readHint() throws IOException {
        List<String> seen = new ArrayList<>();
        boolean whole = HintFile.read(hint(1), DATA_SIZE, (o, s, q, t, k, expiry) -> seen.add(k.length + "@" + o + "/" + s));
        return whole ? seen : null;
    }

    private static final int FIRST = RecordFormat.FILE_HEADER_BYTES;
    private static final byte[] KEY = b("k");
    /** A record of KEY with an empty value: the smallest a record can be. */
    private static final int SMALLEST = RecordFormat.HEADER_BYTES + 1;

    @Test
    void craftedHint_atEveryLimit_isTrusted() throws IOException {
        byte[] maxKey = new byte[RecordFormat.MAX_KEY_BYTES];
        int maxSize = RecordFormat.HEADER_BYTES + maxKey.length;
        writeHint(3, entry(FIRST, SMALLEST, KEY),
                entry(1000, maxSize, maxKey),
                entry(2, RecordFormat.TYPE_TOMBSTONE, 1, (int) DATA_SIZE - SMALLEST, SMALLEST, KEY));
        assertEquals(List.of("1@8/22", maxKey.length + "@1000/" + maxSize, "1@" + (DATA_SIZE - SMALLEST) + "/22"),
                readHint());
    }

    @Test
    void craftedHint_withAnEntryPastAnyLimit_isNotTrusted_andNothingIsVisited() throws IOException {
        byte[] tooLong = new byte[RecordFormat.MAX_KEY_BYTES + 1];
        List<byte[]> bad = List.of(
                entry(1, TYPE_PUT, 0, FIRST, SMALLEST, new byte[0]),
                entry(FIRST, RecordFormat.HEADER_BYTES + tooLong.length, tooLong),
                entry(FIRST - 1, SMALLEST, KEY),
                entry(FIRST, SMALLEST - 1, KEY),
                entry((int) DATA_SIZE - SMALLEST + 1, SMALLEST, KEY),
                entry(1, 0, 1, FIRST, SMALLEST, KEY),
                entry(1, 3, 1, FIRST, SMALLEST, KEY));
        for (int i = 0; i < bad.size(); i++) {
            writeHint(1, bad.get(i));
            assertEquals(null, readHint(), "bad entry " + i);
        }
    }

    @Test
    void craftedHint_whoseLastEntryRunsPastTheEntries_isNotTrusted() throws IOException {
        byte[] good = entry(FIRST, SMALLEST, KEY);
        // A key length reaching into the trailer.
        writeHint(2, good, entry(1, TYPE_PUT, 5, FIRST + SMALLEST, RecordFormat.HEADER_BYTES + 5, KEY));
        assertEquals(null, readHint());
        // Fewer bytes left than an entry's fixed part.
        writeHint(2, good, java.util.Arrays.copyOf(good, HintFile.ENTRY_HEADER_BYTES - 1));
        assertEquals(null, readHint());
    }

    @Test
    void craftedHint_whoseCountDisagrees_isNotTrusted() throws IOException {
        byte[] good = entry(FIRST, SMALLEST, KEY);
        writeHint(2, good, good);
        assertEquals(2, readHint().size());
        writeHint(3, good, good);
        assertEquals(null, readHint());
        writeHint(1, good, good);
        assertEquals(null, readHint());
    }

    @Test
    void largeHint_overManyReadBuffers_isReadWhole() throws IOException {
        // Well over the 256 KiB buffers that read the hint and sum its checksum; entries straddle them.
        int n = 30_000;
        try (HintFile.Writer w = new HintFile.Writer(hint(1))) {
            for (int i = 0; i < n; i++) {
                byte[] key = b("key-" + i);
                w.add(FIRST + i, RecordFormat.HEADER_BYTES + key.length, i + 1, RecordFormat.TYPE_PUT, key, 0);
            }
            w.finish(DATA_SIZE);
        }
        assertTrue(Files.size(hint(1)) > 3 * 256 * 1024);
        List<String> keys = new ArrayList<>();
        assertTrue(HintFile.read(hint(1), DATA_SIZE, (o, s, q, t, k, expiry) -> {
            assertEquals(FIRST + keys.size(), o);
            assertEquals(keys.size() + 1, q);
            keys.add(new String(k));
        }));
        assertEquals(n, keys.size());
        assertEquals("key-" + (n - 1), keys.get(n - 1));
    }
}
