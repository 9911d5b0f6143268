package kvs.store;

import static kvs.store.StoreTest.b;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What opening does with the bytes of a torn tail it cuts off: a tail that is only the end of an
 * interrupted write is cut and gone; a tail in which good records can be read (a length field
 * damaged upwards over later writes, or a value that holds a record) is cut too, but the file as
 * it was is kept in {@code corrupt/} first, so that no acknowledged write is destroyed unseen.
 */
class TornTailTest {

    @TempDir
    Path dir;

    /** Three sets in a newest log file with no hint, as a crash leaves it; returns its bytes. */
    private byte[] threeWritesAsACrashLeavesThem() throws IOException {
        try (Store s = Store.open(dir)) {
            s.set(b("a"), b("1"));
            s.set(b("b"), b("2"));
            s.set(b("c"), b("3"));
        }
        Files.delete(SegmentNames.hintFile(dir, 1)); // the clean close wrote it; a crash would not
        return Files.readAllBytes(SegmentNames.dataFile(dir, 1));
    }

    private List<Path> setAside() throws IOException {
        Path corrupt = dir.resolve(SegmentNames.CORRUPT_DIR);
        if (!Files.exists(corrupt)) {
            return List.of();
        }
        try (var files = Files.list(corrupt)) {
            return files.toList();
        }
    }

    @Test
    void lengthDamagedUpwardsOverLaterWrites_isCut_butTheFileIsKeptAsItWas() throws IOException {
        byte[] data = threeWritesAsACrashLeavesThem();
        // The first record's value length, 1, becomes 1 + 2^16: past the end of the file.
        data[RecordFormat.FILE_HEADER_BYTES + RecordFormat.VALUE_LEN_OFFSET + 1] ^= 0x01;
        Files.write(SegmentNames.dataFile(dir, 1), data);

        try (Store s = Store.open(dir)) {
            assertNull(s.get(b("a")), "cut off: the bytes alone look like a torn tail");
            assertNull(s.get(b("b")));
        }
        List<Path> aside = setAside();
        assertEquals(1, aside.size(), "the file as it was is kept: " + aside);
        assertArrayEquals(data, Files.readAllBytes(aside.get(0)));
    }

    @Test
    void interruptedLastWrite_isCut_andNothingIsKept() throws IOException {
        byte[] data = threeWritesAsACrashLeavesThem();
        for (int cut = 1; cut < 6; cut++) {
            Files.write(SegmentNames.dataFile(dir, 1), java.util.Arrays.copyOf(data, data.length - cut));
            try (Store s = Store.open(dir)) {
                assertArrayEquals(b("2"), s.get(b("b")));
                assertNull(s.get(b("c")), "the last write, cut short by " + cut + " bytes");
            }
            assertEquals(List.of(), setAside(), "an interrupted write leaves nothing worth keeping");
            Files.deleteIfExists(SegmentNames.hintFile(dir, 1));
            for (int id = 2; Files.exists(SegmentNames.dataFile(dir, id)); id++) {
                Files.delete(SegmentNames.dataFile(dir, id));
                Files.deleteIfExists(SegmentNames.hintFile(dir, id));
            }
        }
        assertFalse(Files.exists(dir.resolve(SegmentNames.CORRUPT_DIR)));
    }

    /**
     * A batch's body_len damaged upwards past the end of the newest log file hides the write after
     * it (a put whose seq follows the batch's records): the tail is cut, so the file as it was must
     * be kept in corrupt/, as for any other length damaged upwards (TornTailTest). Only the
     * batch's own {@code count} records may be taken for the batch's.
     */
    @Test
    void batchLengthDamagedUpwardsOverALaterWrite_isCut_butTheFileIsKeptAsItWas() throws Exception {
        try (Store s = Store.open(dir)) {
            s.batchAsync(List.of(Write.put(b("a"), b("1")), Write.put(b("b"), b("2"))), true).get();
            s.set(b("c"), b("3")); // seq 4: the batch is seq 1, its records 2 and 3
        }
        Files.delete(SegmentNames.hintFile(dir, 1)); // as a crash leaves the newest log file
        Path log = SegmentNames.dataFile(dir, 1);
        byte[] data = Files.readAllBytes(log);
        int batch = RecordFormat.FILE_HEADER_BYTES;
        assertEquals(RecordFormat.TYPE_BATCH, data[batch + RecordFormat.TYPE_OFFSET]);
        data[batch + RecordFormat.BATCH_BODY_LEN_OFFSET + 2] ^= 0x01; // body_len 46 + 2^8: past the end
        Files.write(log, data);

        try (Store s = Store.open(dir)) {
            assertNull(s.get(b("c")), "cut off: the bytes alone look like a torn tail");
        }
        List<Path> aside = setAside();
        assertEquals(1, aside.size(), "the write of c was cut off: the file as it was is kept: " + aside);
        assertArrayEquals(data, Files.readAllBytes(aside.get(0)));
    }

    /**
     * A crash of the machine during a batch's write may leave the file at its full length with
     * the last pages never written (zeros): the batch fails its checksum and nothing good follows,
     * a torn tail. Its own first records are good, but they are the batch's, not later writes:
     * nothing is kept aside.
     */
    @Test
    void batchWhoseLastPagesAreZeros_isCut_andNothingIsKept() throws Exception {
        byte[] big = new byte[4000];
        java.util.Arrays.fill(big, (byte) 'v');
        try (Store s = Store.open(dir)) {
            s.set(b("before"), b("1"));
            s.batchAsync(List.of(Write.put(b("a"), big), Write.put(b("b"), big)), true).get();
        }
        Files.delete(SegmentNames.hintFile(dir, 1));
        Path log = SegmentNames.dataFile(dir, 1);
        byte[] data = Files.readAllBytes(log);
        java.util.Arrays.fill(data, data.length - 3000, data.length, (byte) 0);
        Files.write(log, data);

        try (Store s = Store.open(dir)) {
            assertArrayEquals(b("1"), s.get(b("before")));
            assertNull(s.get(b("a")), "none of the torn batch");
            assertNull(s.get(b("b")));
        }
        assertEquals(List.of(), setAside(), "an interrupted batch leaves nothing worth keeping");
    }
}
