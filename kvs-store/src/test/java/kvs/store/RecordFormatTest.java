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
                "4b5653440002" + "0000"                      // "KVSD", version 2, kind 0, reserved
                + "8f6785d9" + "0000000000000001" + "01"  // crc, seq 1, PUT
                + "00000001" + "00000001" + "61" + "31"      // key_len 1, value_len 1, "a", "1"
                + "0df7ae94" + "0000000000000002" + "02"  // crc, seq 2, TOMBSTONE
                + "00000001" + "00000000" + "61",            // key_len 1, value_len 0, "a"
                hex);
    }

    /** An expiring put and a batch, pinned byte for byte: the second example in docs/FORMAT.md. */
    @Test
    void expiringPutAndBatch_goldenBytes() throws IOException {
        java.time.Instant now = java.time.Instant.parse("2026-12-07T00:00:00Z");
        long expireAt = java.time.Instant.parse("2027-01-01T00:00:00Z").toEpochMilli();
        StoreOptions options = StoreOptions.defaults().withClock(java.time.Clock.fixed(now, java.time.ZoneOffset.UTC));
        try (Store s = Store.open(dir, options)) {
            s.set(b("b"), b("2"), expireAt);
            s.batchAsync(java.util.List.of(Write.put(b("c"), b("3")), Write.remove(b("b"))), true).join();
        }
        String hex = HexFormat.of().formatHex(Files.readAllBytes(SegmentNames.dataFile(dir, 1)));
        assertEquals(
                "4b5653440002" + "0000"                      // "KVSD", version 2, kind 0, reserved
                + "5b721e3b" + "0000000000000001" + "03"  // crc, seq 1, PUT_EXPIRING
                + "00000001" + "00000001"                    // key_len 1, value_len 1
                + "000001a2ce8bd400" + "62" + "32"           // expire_at 2027-01-01T00:00:00Z, "b", "2"
                + "df70625a" + "0000000000000002" + "04"  // crc (of the whole batch), seq 2, BATCH
                + "00000002" + "0000002d"                    // count 2, body_len 45
                + "2bfa6da0" + "0000000000000003" + "01"  //   crc, seq 3, PUT
                + "00000001" + "00000001" + "63" + "33"      //   key_len 1, value_len 1, "c", "3"
                + "63b7f6f5" + "0000000000000004" + "02"  //   crc, seq 4, TOMBSTONE
                + "00000001" + "00000000" + "62",            //   key_len 1, value_len 0, "b"
                hex);
        try (Store s = Store.open(dir, options)) {
            assertEquals(null, s.get(b("b")));
            assertEquals("3", new String(s.get(b("c")), java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    @Test
    void draft_finishedIsTheSameBytesAsEncode_inTheScratchBufferAndBeyondIt() {
        java.util.Random random = new java.util.Random(3);
        for (int valueSize : new int[] {0, 1, 100, RecordFormat.COMBINE_FROM_BYTES - 5 - 1,
                RecordFormat.COMBINE_FROM_BYTES - 5, RecordFormat.SCRATCH_BYTES - 21 - 5,
                RecordFormat.SCRATCH_BYTES - 21 - 4, 300_000}) {
            byte[] key = new byte[5];
            byte[] value = new byte[valueSize];
            random.nextBytes(key);
            random.nextBytes(value);
            long seq = random.nextLong() & Long.MAX_VALUE;
            java.nio.ByteBuffer drafted = RecordFormat.draft(RecordFormat.TYPE_PUT, key,
                    java.nio.ByteBuffer.wrap(value)).finish(seq);
            assertEquals(RecordFormat.encode(seq, RecordFormat.TYPE_PUT, key, value), drafted,
                    "value of " + valueSize + " bytes");
        }
    }

    @Test
    void draft_leavesTheValuesPositionAlone() {
        java.nio.ByteBuffer value = java.nio.ByteBuffer.wrap(b("xyz")).position(1);
        RecordFormat.Draft d = RecordFormat.draft(RecordFormat.TYPE_PUT, b("k"), value);
        assertEquals(1, value.position());
        assertEquals(RecordFormat.encode(9, RecordFormat.TYPE_PUT, b("k"), b("yz")), d.finish(9));
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
