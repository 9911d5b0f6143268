package kvs.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One data file on its own: bytes on disk after failed appends, header kinds, reference counts. */
class SegmentTest {

    @TempDir
    Path dir;

    private final FaultyIo faulty = new FaultyIo();
    /** Every channel the segment opened through the seam, to see which it closed. */
    private final List<FileChannel> opened = new ArrayList<>();
    private final StorageIo io = (path, options) -> {
        FileChannel ch = faulty.open(path, options);
        opened.add(ch);
        return ch;
    };

    private static ByteBuffer bytes(int n, int fill) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) fill);
        return ByteBuffer.wrap(b);
    }

    @Test
    void aReaderKeepsARetiredFileOpenUntilItReleasesIt() throws Exception {
        Segment s = Segment.create(io, dir.resolve("1.data"), 1, RecordFormat.KIND_LOG);
        s.append(bytes(10, 7));
        assertTrue(s.tryAcquire());
        assertFalse(s.retired());
        s.retire();
        assertTrue(s.retired());
        assertTrue(s.channel().isOpen(), "a reader still holds the file");
        assertArrayEquals(bytes(10, 7).array(), s.read(RecordFormat.FILE_HEADER_BYTES, 10));
        s.release();
        assertFalse(s.channel().isOpen(), "the last reference is gone: the channel closes");
        assertFalse(s.tryAcquire(), "a closed file cannot be pinned again");
    }

    @Test
    void retiringAFileNoOneReadsClosesIt() throws Exception {
        Segment s = Segment.create(io, dir.resolve("1.data"), 1, RecordFormat.KIND_LOG);
        s.retire();
        assertFalse(s.channel().isOpen());
        assertFalse(s.tryAcquire());
    }

    @Test
    void closeClosesNowAndRefusesReaders() throws Exception {
        Segment s = Segment.create(io, dir.resolve("1.data"), 1, RecordFormat.KIND_LOG);
        assertTrue(s.tryAcquire());
        s.close();
        assertFalse(s.channel().isOpen());
        assertFalse(s.tryAcquire());
    }

    @Test
    void aFailedAppendIsCutOffTheFile() throws Exception {
        Path p = dir.resolve("1.data");
        Segment s = Segment.create(io, p, 1, RecordFormat.KIND_LOG);
        faulty.spaceLeft(4);
        IOException e = assertThrows(IOException.class, () -> s.append(bytes(20, 1)));
        assertEquals("No space left on device", e.getMessage());
        assertEquals(RecordFormat.FILE_HEADER_BYTES, Files.size(p), "no partial record stays");
        assertEquals(RecordFormat.FILE_HEADER_BYTES, s.size());
        s.close();
    }

    @Test
    void aTailThatCouldNotBeCutIsCutBeforeTheNextAppend() throws Exception {
        Path p = dir.resolve("1.data");
        Segment s = Segment.create(io, p, 1, RecordFormat.KIND_LOG);
        faulty.spaceLeft(12);
        IOException cut = new IOException("truncate failed");
        faulty.failTruncates(cut);
        IOException e = assertThrows(IOException.class, () -> s.append(bytes(20, 1)));
        assertEquals(List.of(cut), Arrays.asList(e.getSuppressed()),
                "the error says the partial record could not be cut off");
        assertEquals(RecordFormat.FILE_HEADER_BYTES + 12, Files.size(p), "12 bytes left behind");
        faulty.failTruncates(null);
        faulty.spaceLeft(Long.MAX_VALUE);
        long at = s.append(bytes(5, 2));
        assertEquals(RecordFormat.FILE_HEADER_BYTES, at);
        assertEquals(RecordFormat.FILE_HEADER_BYTES + 5, Files.size(p),
                "the old partial record's tail is gone, not left after the new one");
        s.close();
    }

    @Test
    void aHeaderThatCannotBeWrittenLeavesNoFileAndNoOpenChannel() throws Exception {
        Path p = dir.resolve("1.data");
        faulty.spaceLeft(3);
        assertThrows(IOException.class, () -> Segment.create(io, p, 1, RecordFormat.KIND_LOG));
        assertFalse(Files.exists(p));
        assertEquals(1, opened.size());
        assertFalse(opened.get(0).isOpen(), "the channel of the failed creation is closed");
    }

    @Test
    void readingPastTheEndSaysWhereTheFileEnded() throws Exception {
        Path p = dir.resolve("1.data");
        Segment s = Segment.create(io, p, 1, RecordFormat.KIND_LOG);
        s.append(bytes(10, 3));
        long start = RecordFormat.FILE_HEADER_BYTES + 5;
        EOFException e = assertThrows(EOFException.class, () -> s.read(start, 10));
        assertEquals(p + ": end of file at offset " + (start + 5) + " while reading 10 bytes at offset "
                + start, e.getMessage());
        s.close();
    }

    @Test
    void openReadsTheKindFromAHeaderOnlyFile() throws Exception {
        Path p = dir.resolve("1.data");
        Segment.create(io, p, 1, RecordFormat.KIND_COMPACTED).close();
        assertEquals(RecordFormat.FILE_HEADER_BYTES, Files.size(p));
        try (Segment s = Segment.open(p, 1, false)) {
            assertEquals(RecordFormat.KIND_COMPACTED, s.kind);
            assertEquals(RecordFormat.FILE_HEADER_BYTES, s.size());
        }
        try (Segment s = Segment.open(io, p, 1, true)) {
            assertEquals(RecordFormat.KIND_COMPACTED, s.kind);
        }
    }

    @Test
    void aFileShorterThanAHeaderIsALogFile() throws Exception {
        Path p = dir.resolve("1.data");
        byte[] header = RecordFormat.fileHeader(RecordFormat.KIND_COMPACTED).array();
        Files.write(p, Arrays.copyOf(header, RecordFormat.KIND_OFFSET + 1));
        try (Segment s = Segment.open(p, 1, false)) {
            assertEquals(RecordFormat.KIND_LOG, s.kind);
        }
    }

    @Test
    void truncatingIntoTheHeaderRewritesIt() throws Exception {
        Path p = dir.resolve("1.data");
        Segment s = Segment.create(io, p, 1, RecordFormat.KIND_COMPACTED);
        s.append(bytes(10, 4));
        s.truncate(3);
        assertEquals(RecordFormat.FILE_HEADER_BYTES, s.size());
        assertArrayEquals(RecordFormat.fileHeader(RecordFormat.KIND_COMPACTED).array(),
                Files.readAllBytes(p));
        s.close();
    }
}
