package kvs.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The compaction commit record read back as written, and a damaged one refused with its offset. */
class CompactionCommitTest {

    @TempDir
    Path dir;

    @Test
    void readGivesBackWhatWasWritten() throws Exception {
        CompactionCommit c = new CompactionCommit(List.of(3, 4, 9), List.of(10, 11));
        c.write(dir);
        assertEquals(c, CompactionCommit.read(dir));
    }

    @Test
    void aCompactionWithNoOutputsIsReadBack() throws Exception {
        // Every record in the inputs was dead: nothing to write, the inputs just go.
        CompactionCommit c = new CompactionCommit(List.of(5), List.of());
        c.write(dir);
        assertEquals(c, CompactionCommit.read(dir));
    }

    @Test
    void aNegativeIdCountIsDamageAtTheCount() throws Exception {
        new CompactionCommit(List.of(1), List.of(2)).write(dir);
        Path p = CompactionCommit.path(dir);
        byte[] bytes = Files.readAllBytes(p);
        ByteBuffer.wrap(bytes).putInt(8, -1); // input_count
        Files.write(p, bytes);
        CorruptionException e = assertThrows(CorruptionException.class, () -> CompactionCommit.read(dir));
        assertEquals(8, e.offset());
        assertEquals(p + " at offset 8: bad id count -1", e.getMessage());
    }

    @Test
    void theRecordIsForcedUnderItsTemporaryNameAndTheDirectoryAfterTheRename() throws Exception {
        FaultyIo io = new FaultyIo();
        new CompactionCommit(List.of(1, 2), List.of(3)).write(io, dir);
        String tmp = SegmentNames.temporary(CompactionCommit.path(dir)).getFileName().toString();
        assertEquals(List.of("write " + tmp + " 0 32", "force " + tmp, "force " + dir.getFileName()),
                io.events());
        assertEquals(new CompactionCommit(List.of(1, 2), List.of(3)), CompactionCommit.read(dir));
    }
}
