package kvs.store;

import static kvs.store.StoreTest.b;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The data file format, pinned byte for byte: the example in docs/FORMAT.md. */
class RecordFormatTest {

    @TempDir
    Path dir;

    @Test
    void dataFile_goldenBytes() throws IOException {
        try (Store s = Store.open(dir)) {
            s.set(b("a"), b("1"));
            s.remove(b("a"));
        }
        String hex = HexFormat.of().formatHex(Files.readAllBytes(SegmentNames.dataFile(dir, 1)));
        assertEquals(
                "4b5653440001" + "0000"                      // "KVSD", version 1, kind 0, reserved
                + "8f6785d9" + "0000000000000001" + "01"  // crc, seq 1, PUT
                + "00000001" + "00000001" + "61" + "31"      // key_len 1, value_len 1, "a", "1"
                + "0df7ae94" + "0000000000000002" + "02"  // crc, seq 2, TOMBSTONE
                + "00000001" + "00000000" + "61",            // key_len 1, value_len 0, "a"
                hex);
    }

    @Test
    void recordSize_isHeaderPlusKeyPlusValue() {
        assertEquals(21 + 3 + 5, RecordFormat.recordSize(3, 5));
    }

    @Test
    void segmentNames_buildAndParse() {
        assertEquals("000000042.data", SegmentNames.dataFile(dir, 42).getFileName().toString());
        assertEquals(42, SegmentNames.parseDataId("000000042.data").getAsInt());
        assertEquals(true, SegmentNames.parseDataId("42.data").isEmpty());
        assertEquals(true, SegmentNames.parseDataId("00000004x.data").isEmpty());
        assertEquals(true, SegmentNames.parseDataId("000000042.hint").isEmpty());
    }

    @Test
    void recordSize_theLimitItselfIsAllowed() {
        int most = RecordFormat.MAX_RECORD_BYTES - RecordFormat.HEADER_BYTES;
        assertEquals(RecordFormat.MAX_RECORD_BYTES, RecordFormat.recordSize(most, 0));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> RecordFormat.recordSize(most, 1));
    }
}
