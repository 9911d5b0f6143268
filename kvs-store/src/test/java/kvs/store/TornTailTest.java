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
}
