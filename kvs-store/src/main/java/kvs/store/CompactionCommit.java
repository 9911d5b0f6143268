package kvs.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Compaction's commit record, the file {@code COMPACTION} (docs/FORMAT.md, "Compaction"): which
 * outputs replace which inputs. Its rename into place is the moment a compaction happens; until
 * it is deleted, opening the store redoes what follows it (rename the outputs, delete the inputs).
 *
 * <pre>
 * commit := magic "KVSC" (4) | version u16 = 1 | reserved u16 = 0
 *           | input_count u32 | input_id u32 * input_count
 *           | output_count u32 | output_id u32 * output_count
 *           | crc u32 (CRC32C of every byte before it)
 * </pre>
 */
record CompactionCommit(List<Integer> inputs, List<Integer> outputs) {

    static final int MAGIC = 0x4B565343; // "KVSC"
    static final short VERSION = 1;

    static Path path(Path dir) {
        return dir.resolve(SegmentNames.COMPACTION_COMMIT);
    }

    /** Writes the record crash-safely: temporary name, fsync, rename, fsync the directory. */
    void write(Path dir) throws IOException {
        write(StorageIo.real(), dir);
    }

    /** {@link #write(Path)}, the record and the directory opened through {@code io}. */
    void write(StorageIo io, Path dir) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(20 + 4 * (inputs.size() + outputs.size()));
        b.putInt(MAGIC).putShort(VERSION).putShort((short) 0);
        b.putInt(inputs.size());
        inputs.forEach(b::putInt);
        b.putInt(outputs.size());
        outputs.forEach(b::putInt);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue()).flip();
        Path tmp = SegmentNames.temporary(path(dir));
        try (FileChannel ch = io.open(tmp, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        Files.move(tmp, path(dir), StandardCopyOption.ATOMIC_MOVE);
        FileSync.directory(io, dir);
    }

    /** Reads the record; a damaged one is a {@link CorruptionException}. */
    static CompactionCommit read(Path dir) throws IOException {
        Path p = path(dir);
        byte[] bytes = Files.readAllBytes(p);
        ByteBuffer b = ByteBuffer.wrap(bytes);
        try {
            if (b.getInt() != MAGIC || b.getShort() != VERSION || b.getShort() != 0) {
                throw new CorruptionException(p, 0, "not a compaction commit record");
            }
            List<Integer> in = readIds(b, p);
            List<Integer> out = readIds(b, p);
            CRC32C crc = new CRC32C();
            crc.update(bytes, 0, b.position());
            if (b.remaining() != 4 || b.getInt() != (int) crc.getValue()) {
                throw new CorruptionException(p, b.position(), "checksum mismatch");
            }
            return new CompactionCommit(in, out);
        } catch (java.nio.BufferUnderflowException e) {
            throw new CorruptionException(p, b.position(), "cut short");
        }
    }

    private static List<Integer> readIds(ByteBuffer b, Path p) throws CorruptionException {
        int n = b.getInt();
        if (n < 0 || n > b.remaining() / 4) {
            throw new CorruptionException(p, b.position() - 4, "bad id count " + n);
        }
        List<Integer> ids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ids.add(b.getInt());
        }
        return ids;
    }
}
