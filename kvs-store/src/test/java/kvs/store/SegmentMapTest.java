package kvs.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reads from memory maps: in mapped chunks, in the unmapped tail, across chunks, after sealing. */
class SegmentMapTest {

    @TempDir
    Path dir;

    private record Written(long offset, byte[] bytes) {
    }

    private static List<Written> fill(Segment s, long bytes, Random random) throws IOException {
        List<Written> written = new ArrayList<>();
        while (s.size() < bytes) {
            byte[] b = new byte[1 + random.nextInt(random.nextInt(10) == 0 ? 300_000 : 3_000)];
            random.nextBytes(b);
            written.add(new Written(s.append(ByteBuffer.wrap(b)), b));
        }
        return written;
    }

    private static void assertAllRead(Segment s, List<Written> written) throws IOException {
        for (Written w : written) {
            assertArrayEquals(w.bytes(), s.read(w.offset(), w.bytes().length), "at " + w.offset());
        }
    }

    private static boolean mappedByThisProcess(Path file) throws IOException {
        Path maps = Path.of("/proc/self/maps");
        return Files.exists(maps) && Files.readString(maps).contains(file.toAbsolutePath().toString());
    }

    @Test
    void activeFile_readsEverywhere_thenSealed_readsTheSame() throws IOException {
        Random random = new Random(4);
        Path file = dir.resolve("1.data");
        Segment s = Segment.create(file, 1, RecordFormat.KIND_LOG);
        List<Written> written = fill(s, 5 * Segment.CHUNK_BYTES + 12_345, random);
        assertTrue(written.stream().anyMatch(w -> w.offset() / Segment.CHUNK_BYTES
                != (w.offset() + w.bytes().length - 1) / Segment.CHUNK_BYTES), "some cross a chunk's end");
        assertAllRead(s, written);
        if (Files.exists(Path.of("/proc/self/maps"))) {
            assertTrue(mappedByThisProcess(file), "the active file's full chunks are mapped");
        }
        written.addAll(fill(s, 7 * Segment.CHUNK_BYTES, random)); // appends after mapping
        assertAllRead(s, written);
        s.sealed();
        assertAllRead(s, written);
        s.release();
        assertFalse(mappedByThisProcess(file), "unmapped at the last reference");
        Files.delete(file);
    }

    @Test
    void aFileOpenedForReading_isMappedWhole() throws IOException {
        Random random = new Random(9);
        Path file = dir.resolve("2.data");
        Segment w = Segment.create(file, 2, RecordFormat.KIND_LOG);
        List<Written> written = fill(w, 3 * Segment.CHUNK_BYTES, random);
        w.close();
        Segment r = Segment.open(file, 2, false);
        assertAllRead(r, written);
        assertTrue(r.read(written.get(0).offset(), 1).length == 1);
        r.release();
        assertFalse(mappedByThisProcess(file));
    }

    @Test
    void readersWhileTheWriterAppendsAndSeals_seeWhatWasWritten() throws Exception {
        Path file = dir.resolve("3.data");
        Segment s = Segment.create(file, 3, RecordFormat.KIND_LOG);
        List<Written> written = java.util.Collections.synchronizedList(new ArrayList<>());
        Random random = new Random(2);
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        Thread reader = new Thread(() -> {
            Random r = new Random(3);
            for (int i = 0; i < 200_000 && !done.get(); i++) {
                Written w;
                synchronized (written) {
                    if (written.isEmpty()) {
                        continue;
                    }
                    w = written.get(r.nextInt(written.size()));
                }
                try {
                    if (!java.util.Arrays.equals(w.bytes(), s.read(w.offset(), w.bytes().length))) {
                        failures.add(new AssertionError("wrong bytes at " + w.offset()));
                    }
                } catch (IOException e) {
                    failures.add(e);
                }
            }
        });
        reader.start();
        for (int i = 0; i < 3000; i++) {
            byte[] b = new byte[1 + random.nextInt(4000)];
            random.nextBytes(b);
            long at = s.append(ByteBuffer.wrap(b));
            written.add(new Written(at, b));
        }
        s.sealed();
        done.set(true);
        reader.join(30_000);
        assertFalse(reader.isAlive());
        assertEquals(List.of(), failures);
        s.close();
    }

    @Test
    void mapsThatFail_readsGoOnWithPread() throws IOException {
        FaultyIo io = new FaultyIo();
        io.failMaps();
        Random random = new Random(6);
        Path file = dir.resolve("4.data");
        Segment s = Segment.create(io, file, 4, RecordFormat.KIND_LOG);
        List<Written> written = fill(s, 3 * Segment.CHUNK_BYTES, random);
        assertAllRead(s, written);
        s.sealed();
        assertAllRead(s, written);
        assertFalse(mappedByThisProcess(file));
        s.close();
    }
}
