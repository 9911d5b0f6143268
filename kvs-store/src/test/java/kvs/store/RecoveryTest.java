package kvs.store;

import static kvs.store.StoreTest.b;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Damaged files, in the manner of LevelDB's log tests: a torn tail of the newest file is cut off
 * and everything before it kept; any other damage stops the open and names file and offset.
 */
class RecoveryTest {

    @TempDir
    Path dir;

    /**
     * Three records in data file 1, and nothing else in the directory: what a crash of a store
     * that wrote them leaves (a clean close would also have sealed the file with a hint).
     * Returns the offset where the last record starts.
     */
    private long writeThree() throws IOException {
        long before;
        try (Store s = Store.open(dir)) {
            s.set(b("a"), b("1"));
            s.set(b("b"), b("22"));
            before = Files.size(file(1));
            s.set(b("c"), b("333"));
        }
        leaveOnly(Files.readAllBytes(file(1)));
        return before;
    }

    /** Empties the directory but for data file 1 with these bytes: the state after a crash. */
    private void leaveOnly(byte[] data) throws IOException {
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                if (!p.equals(dir)) {
                    Files.delete(p);
                }
            }
        }
        Files.write(file(1), data);
    }

    @Test
    void truncateNewest_atEveryOffsetOfItsLastRecord_keepsEveryRecordBefore() throws IOException {
        long lastStart = writeThree();
        long end = Files.size(file(1));
        byte[] original = Files.readAllBytes(file(1));
        for (long cut = lastStart; cut < end; cut++) {
            leaveOnly(java.util.Arrays.copyOf(original, (int) cut));
            try (Store s = Store.open(dir)) {
                assertArrayEquals(b("1"), s.get(b("a")), "cut at " + cut);
                assertArrayEquals(b("22"), s.get(b("b")), "cut at " + cut);
                assertNull(s.get(b("c")), "cut at " + cut);
            }
            assertEquals(lastStart, Files.size(file(1)), "torn tail cut off, cut at " + cut);
            assertTrue(Files.exists(SegmentNames.hintFile(dir, 1)), "sealed on close");
        }
    }

    @Test
    void truncateNewest_insideFileHeader_opensEmpty() throws IOException {
        writeThree();
        byte[] original = Files.readAllBytes(file(1));
        for (int cut = 0; cut < RecordFormat.FILE_HEADER_BYTES; cut++) {
            leaveOnly(java.util.Arrays.copyOf(original, cut));
            try (Store s = Store.open(dir)) {
                assertEquals(0, s.size(), "cut at " + cut);
                s.set(b("x"), b("y"));
            }
            try (Store s = Store.open(dir)) {
                assertArrayEquals(b("y"), s.get(b("x")), "cut at " + cut);
            }
        }
    }

    @Test
    void flipEveryByteOfLastRecord_dropsOnlyIt() throws IOException {
        long lastStart = writeThree();
        long end = Files.size(file(1));
        byte[] original = Files.readAllBytes(file(1));
        for (long at = lastStart; at < end; at++) {
            byte[] damaged = original.clone();
            damaged[(int) at] ^= 0x40;
            leaveOnly(damaged);
            try (Store s = Store.open(dir)) {
                assertArrayEquals(b("22"), s.get(b("b")), "flip at " + at);
                assertNull(s.get(b("c")), "flip at " + at);
            }
        }
    }

    @Test
    void flipInMiddleRecord_refusesToOpen_namingFileAndOffset() throws IOException {
        writeThree();
        long secondStart = RecordFormat.FILE_HEADER_BYTES + RecordFormat.recordSize(1, 1);
        byte[] bytes = Files.readAllBytes(file(1));
        bytes[(int) secondStart + RecordFormat.HEADER_BYTES] ^= 1; // the key "b"
        Files.write(file(1), bytes);
        CorruptionException e = assertThrows(CorruptionException.class, () -> Store.open(dir));
        assertEquals(file(1), e.file());
        assertEquals(secondStart, e.offset());
        assertTrue(e.getMessage().contains("checksum"), e.getMessage());
        // Nothing was changed, and the directory is not left locked.
        assertArrayEquals(bytes, Files.readAllBytes(file(1)));
        assertThrows(CorruptionException.class, () -> Store.open(dir));
    }

    @Test
    void zeroFilledTail_isCutOff() throws IOException {
        long end;
        writeThree();
        end = Files.size(file(1));
        try (FileChannel ch = FileChannel.open(file(1), StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ch.write(ByteBuffer.allocate(4096));
        }
        try (Store s = Store.open(dir)) {
            assertArrayEquals(b("333"), s.get(b("c")));
        }
        assertEquals(end, Files.size(file(1)));
    }

    @Test
    void garbageAppended_isCutOff() throws IOException {
        writeThree();
        long end = Files.size(file(1));
        byte[] garbage = new byte[100];
        new Random(7).nextBytes(garbage);
        garbage[RecordFormat.KEY_LEN_OFFSET] = 0x7F; // a length that runs past the end
        Files.write(file(1), garbage, StandardOpenOption.APPEND);
        try (Store s = Store.open(dir)) {
            assertArrayEquals(b("333"), s.get(b("c")));
        }
        assertEquals(end, Files.size(file(1)));
    }

    @Test
    void damageInSealedFile_refusesToOpen_evenAtItsTail() throws IOException {
        StoreOptions small = StoreOptions.defaults().withMaxSegmentBytes(1024);
        try (Store s = Store.open(dir, small)) {
            for (int i = 0; i < 100; i++) {
                s.set(b("k" + i), new byte[100]);
            }
        }
        assertTrue(Files.exists(file(2)));
        long size = Files.size(file(1));
        try (FileChannel ch = FileChannel.open(file(1), StandardOpenOption.WRITE)) {
            ch.truncate(size - 1);
        }
        CorruptionException e = assertThrows(CorruptionException.class, () -> Store.open(dir, small));
        assertEquals(file(1), e.file());
    }

    @Test
    void damageInSealedFileWithGoodHint_notReadAtOpen_butReportedOnRead() throws IOException {
        try (Store s = Store.open(dir)) {
            s.set(b("a"), b("1"));
            s.set(b("b"), b("22"));
        }
        byte[] bytes = Files.readAllBytes(file(1));
        bytes[RecordFormat.FILE_HEADER_BYTES + RecordFormat.HEADER_BYTES + 1] ^= 1; // value of "a"
        Files.write(file(1), bytes);
        try (Store s = Store.open(dir)) {
            assertArrayEquals(b("22"), s.get(b("b")));
            CorruptionException e = assertThrows(CorruptionException.class, () -> s.get(b("a")));
            assertEquals(file(1), e.file());
            assertEquals(RecordFormat.FILE_HEADER_BYTES, e.offset());
        }
    }

    @Test
    void badMagic_refusesToOpen() throws IOException {
        writeThree();
        byte[] bytes = Files.readAllBytes(file(1));
        bytes[0] = 'X';
        Files.write(file(1), bytes);
        // The newest file, but not a torn tail: a file with another magic is not ours to cut.
        CorruptionException e = assertThrows(CorruptionException.class, () -> Store.open(dir));
        assertTrue(e.getMessage().contains("magic"), e.getMessage());
    }

    @Test
    void get_ofRecordDamagedAfterOpen_failsNamingFileAndOffset() throws IOException {
        try (Store s = Store.open(dir)) {
            s.set(b("a"), b("value"));
            try (FileChannel ch = FileChannel.open(file(1), StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(new byte[] {'X'}),
                        RecordFormat.FILE_HEADER_BYTES + RecordFormat.HEADER_BYTES + 1);
            }
            CorruptionException e = assertThrows(CorruptionException.class, () -> s.get(b("a")));
            assertEquals(RecordFormat.FILE_HEADER_BYTES, e.offset());
            assertEquals(file(1), e.file());
            assertEquals(1, s.stats().damagedReads(), "counted");
        }
    }

    /** A record with a good checksum but not a put, where the keydir points: damage, not a value. */
    @ParameterizedTest
    @ValueSource(bytes = {RecordFormat.TYPE_TOMBSTONE, 7})
    void get_ofARecordThatIsNotAPut_failsNamingFileAndOffset(byte type) throws IOException {
        try (Store s = Store.open(dir)) {
            s.set(b("a"), b("value"));
            s.set(b("b"), b("22"));
        }
        byte[] bytes = Files.readAllBytes(file(1));
        int at = RecordFormat.FILE_HEADER_BYTES;
        int size = RecordFormat.recordSize(1, 5);
        bytes[at + RecordFormat.TYPE_OFFSET] = type;
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(bytes, at + RecordFormat.CRC_BYTES, size - RecordFormat.CRC_BYTES);
        ByteBuffer.wrap(bytes).putInt(at, (int) crc.getValue());
        Files.write(file(1), bytes);
        try (Store s = Store.open(dir)) { // from the hint, which still says put
            CorruptionException e = assertThrows(CorruptionException.class, () -> s.get(b("a")));
            assertEquals(file(1), e.file());
            assertEquals(at, e.offset());
            assertTrue(e.getMessage().contains(type == RecordFormat.TYPE_TOMBSTONE ? "a tombstone"
                    : "unknown type 7"), e.getMessage());
            assertEquals(1, s.stats().damagedReads());
            assertArrayEquals(b("22"), s.get(b("b")));
        }
    }

    @Test
    void unreadableDataFile_refusesToOpen_namingIt() throws IOException {
        writeThree();
        // A directory where a data file should be: opening it as a file fails (root can read any
        // file, so permissions cannot make one unreadable in this test).
        Files.createDirectory(SegmentNames.dataFile(dir, 5));
        IOException e = assertThrows(IOException.class, () -> Store.open(dir));
        assertTrue(e.getMessage().contains("000000005.data"), e.getMessage());
    }

    @Test
    void tornRecordWhoseValueHoldsARecord_isCutOff_andTheInnerRecordNeverRead() throws IOException {
        // A value that holds a whole encoded record (a backup of a kvs file stored as a value, say),
        // with a higher seq: a scanner that looked inside it would take it for data.
        ByteBuffer inner = RecordFormat.encode(1_000_000_000L, RecordFormat.TYPE_PUT, b("a"), b("evil"));
        byte[] value = new byte[inner.remaining() + 1000];
        inner.get(value, 100, inner.remaining());
        try (Store s = Store.open(dir)) {
            s.set(b("a"), b("good"));
            s.set(b("blob"), value);
        }
        byte[] all = Files.readAllBytes(file(1));
        leaveOnly(java.util.Arrays.copyOf(all, all.length - 500)); // the blob's append cut short
        try (Store s = Store.open(dir)) {
            assertArrayEquals(b("good"), s.get(b("a")));
            assertNull(s.get(b("blob")));
        }
        leaveOnly(java.util.Arrays.copyOf(all, all.length - 500));
        try (Store s = Store.openSalvaging(dir, StoreOptions.defaults())) {
            assertArrayEquals(b("good"), s.get(b("a")));
        }
    }

    @Test
    void foreignFile_isIgnored() throws IOException {
        writeThree();
        Files.writeString(dir.resolve("notes.txt"), "hello");
        try (Store s = Store.open(dir)) {
            assertEquals(3, s.size());
        }
    }

    private Path file(int id) {
        return SegmentNames.dataFile(dir, id);
    }
}
