package kvs.server.store;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One data file: positional reads for everyone, appends for the store's writer.
 *
 * <p>Reads are thread-safe ({@code pread}). {@link #append}, {@link #truncate} and {@link #size}
 * are called only by the holder of the store's write lock.
 */
final class Segment implements Closeable {

    final int id;
    final Path path;
    private final FileChannel channel;
    /** End of the last whole record; guarded by the store's write lock. */
    private long size;

    private Segment(int id, Path path, FileChannel channel, long size) {
        this.id = id;
        this.path = path;
        this.channel = channel;
        this.size = size;
    }

    /** Creates a new, empty data file with its header; fails if the file exists. */
    static Segment create(Path dir, int id) throws IOException {
        Path path = SegmentNames.dataFile(dir, id);
        FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            writeFully(ch, RecordFormat.fileHeader(RecordFormat.KIND_LOG), 0);
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        return new Segment(id, path, ch, RecordFormat.FILE_HEADER_BYTES);
    }

    /** Opens an existing data file for reading, and for appending if {@code writable}. */
    static Segment open(Path path, int id, boolean writable) throws IOException {
        FileChannel ch = writable
                ? FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)
                : FileChannel.open(path, StandardOpenOption.READ);
        return new Segment(id, path, ch, ch.size());
    }

    FileChannel channel() {
        return channel;
    }

    long size() {
        return size;
    }

    /**
     * Appends a whole record and returns its offset. On failure the file is cut back to where it
     * was, so no partial record stays behind; if even that fails, the error says so.
     */
    long append(ByteBuffer record) throws IOException {
        long offset = size;
        try {
            writeFully(channel, record, offset);
        } catch (IOException e) {
            try {
                channel.truncate(offset);
            } catch (IOException t) {
                e.addSuppressed(t);
            }
            throw e;
        }
        size = offset + record.limit();
        return offset;
    }

    /** Reads {@code length} bytes at {@code offset}. */
    byte[] read(long offset, int length) throws IOException {
        byte[] bytes = new byte[length];
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            if (channel.read(b, offset + b.position()) < 0) {
                throw new EOFException(path + ": end of file at offset " + (offset + b.position())
                        + " while reading " + length + " bytes at offset " + offset);
            }
        }
        return bytes;
    }

    /** Cuts the file to {@code newSize} bytes, rewriting the file header if it was cut too. */
    void truncate(long newSize) throws IOException {
        if (newSize < RecordFormat.FILE_HEADER_BYTES) {
            channel.truncate(0);
            writeFully(channel, RecordFormat.fileHeader(RecordFormat.KIND_LOG), 0);
            newSize = RecordFormat.FILE_HEADER_BYTES;
        } else {
            channel.truncate(newSize);
        }
        size = newSize;
    }

    void force() throws IOException {
        channel.force(false);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    private static void writeFully(FileChannel ch, ByteBuffer b, long position) throws IOException {
        long p = position;
        while (b.hasRemaining()) {
            p += ch.write(b, p);
        }
    }
}
