package kvs.store;

import static kvs.store.StoreTest.b;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** One decision about a data file's state, taken alike by open, --check, --salvage and --dump. */
class DataFileStateTest {

    @TempDir
    Path dir;

    private DataFileState classify(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return DataFileState.classify(ch, (offset, size, seq, type, key, expiry) -> { });
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, 5, 6, 7})
    void classify_fileShorterThanItsHeader_isAnUnfinishedCreation(int bytes) throws IOException {
        Path f = dir.resolve("f");
        Files.write(f, Arrays.copyOf(RecordFormat.fileHeader(RecordFormat.KIND_LOG).array(), bytes));
        DataFileState state = classify(f);
        assertEquals(DataFileState.Kind.UNFINISHED_CREATION, state.kind());
        assertTrue(state.forgivenAtOpen(false), "not damage, even where it is not the newest file");
        assertTrue(state.describe(false).contains(bytes + " of 8 header bytes"), state.describe(false));
    }

    @Test
    void classify_namesEachStateWithItsOffset() throws IOException {
        try (Store s = Store.open(dir)) {
            s.set(b("a"), b("1"));
            s.set(b("b"), b("22"));
            s.set(b("c"), b("333"));
        }
        Path f = SegmentNames.dataFile(dir, 1);
        byte[] good = Files.readAllBytes(f);
        assertEquals(DataFileState.Kind.WHOLE, classify(f).kind());

        int second = RecordFormat.FILE_HEADER_BYTES + RecordFormat.recordSize(1, 1);
        byte[] mid = good.clone();
        mid[second + RecordFormat.HEADER_BYTES + 1] ^= 1; // a value byte of "b"
        Files.write(f, mid);
        DataFileState damaged = classify(f);
        assertEquals(DataFileState.Kind.DAMAGED, damaged.kind());
        assertEquals(second, damaged.offset());
        assertFalse(damaged.forgivenAtOpen(true));

        Files.write(f, Arrays.copyOf(good, good.length - 2));
        DataFileState torn = classify(f);
        assertEquals(DataFileState.Kind.TORN_TAIL, torn.kind());
        assertTrue(torn.forgivenAtOpen(true));
        assertFalse(torn.forgivenAtOpen(false), "a torn tail is forgiven in the newest log file only");

        byte[] magic = good.clone();
        magic[0] = 'X';
        Files.write(f, magic);
        assertEquals(DataFileState.Kind.BAD_MAGIC, classify(f).kind());

        byte[] version = good.clone();
        version[5] = 9;
        Files.write(f, version);
        DataFileState v = classify(f);
        assertEquals(DataFileState.Kind.UNSUPPORTED_VERSION, v.kind());
        assertTrue(v.reason().contains("version 9"), v.reason());
    }

    /**
     * A full disk at a seal: the sealed file is whole but has no hint (and a torn tail), and each
     * refused seal left a new data file of a few bytes. Opening must remove those, with one log
     * line each, and treat the sealed file as the newest log file; check and dump agree.
     */
    @ParameterizedTest
    @ValueSource(ints = {0, 3, 7})
    void unfinishedCreations_removedAtOpen_notedByCheck_shownByDump(int bytes) throws IOException {
        try (Store s = Store.open(dir)) {
            for (int i = 0; i < 20; i++) {
                s.set(b("k" + i), b("value-" + i));
            }
        }
        Files.delete(SegmentNames.hintFile(dir, 1));
        Path sealed = SegmentNames.dataFile(dir, 1);
        byte[] torn = Arrays.copyOf(RecordFormat.encode(99, RecordFormat.TYPE_PUT, b("torn"), b("x")).array(), 10);
        Files.write(sealed, torn, StandardOpenOption.APPEND);
        byte[] header = Arrays.copyOf(RecordFormat.fileHeader(RecordFormat.KIND_LOG).array(), bytes);
        Files.write(SegmentNames.dataFile(dir, 2), header);
        Files.write(SegmentNames.dataFile(dir, 3), header);

        StoreCheck.Report report = StoreCheck.run(dir);
        assertTrue(report.clean(), report.findings().toString());
        assertEquals(20, report.records());
        assertEquals(3, report.notes().size(), report.notes().toString());
        assertTrue(report.notes().toString().contains("000000002.data at offset 0: unfinished creation"),
                report.notes().toString());
        assertTrue(report.notes().toString().contains("torn tail"), report.notes().toString());

        StringWriter dump = new StringWriter();
        assertTrue(StoreDump.dump(SegmentNames.dataFile(dir, 2), new PrintWriter(dump)));
        assertTrue(dump.toString().contains("# state: unfinished creation: " + bytes + " of 8 header bytes"),
                dump.toString());

        List<String> logged = new ArrayList<>();
        try (var capture = LogCapture.of(StoreLoader.class, logged)) {
            try (Store s = Store.open(dir)) {
                for (int i = 0; i < 20; i++) {
                    assertArrayEquals(b("value-" + i), s.get(b("k" + i)), "k" + i);
                }
                s.set(b("after"), b("1"));
            }
        }
        assertEquals(2, logged.stream().filter(m -> m.contains("unfinished creation")).count(), logged.toString());
        assertFalse(Files.exists(SegmentNames.dataFile(dir, 2)));
        assertFalse(Files.exists(SegmentNames.dataFile(dir, 3)));
        assertTrue(StoreCheck.run(dir).clean());
        assertTrue(StoreCheck.run(dir).notes().isEmpty(), StoreCheck.run(dir).notes().toString());
    }

    /** A header that never reached the disk (zeros, as a crash can leave) is a torn tail at 0. */
    @Test
    void allZeroFile_isATornTailAtOffsetZero_notABadMagicNumber() throws IOException {
        Path f = dir.resolve("f");
        Files.write(f, new byte[40]);
        DataFileState state = classify(f);
        assertEquals(DataFileState.Kind.TORN_TAIL, state.kind());
        assertEquals(0, state.offset());
        assertTrue(state.forgivenAtOpen(true));
        assertEquals(DataFileState.Kind.TORN_TAIL, DataFileState.ofHeader(f).kind());
    }
}
