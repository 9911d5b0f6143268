package kvs.server.store;

import static kvs.server.store.StoreTest.b;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
        assertTrue(HintFile.read(hint(1), dataSize, (offset, size, seq, type, key) ->
                entries.add(new String(key) + "@" + offset + "/" + size + "#" + seq + "t" + type)));
        assertEquals(List.of("a@8/23#1t1", "b@31/24#2t1", "a@55/22#3t2"), entries);
    }

    @Test
    void staleDataSize_notTrusted() throws IOException {
        writeSealed();
        long dataSize = Files.size(SegmentNames.dataFile(dir, 1));
        assertFalse(HintFile.read(hint(1), dataSize + 1, (o, s, q, t, k) -> { }));
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
            assertFalse(HintFile.read(hint(1), dataSize, (o, s, q, t, k) -> seen.add(k)), "flip at " + i);
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
            assertFalse(HintFile.read(hint(1), dataSize, (o, s, q, t, k) -> { }), "length " + len);
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
        assertTrue(HintFile.read(hint(1), Files.size(SegmentNames.dataFile(dir, 1)), (o, s, q, t, k) -> { }));
        Files.delete(hint(1));
        try (Store s = Store.open(dir)) {
            assertArrayEquals(b("22"), s.get(b("b")));
        }
        assertTrue(Files.exists(hint(1)));
    }
}
