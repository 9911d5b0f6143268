package kvs.store;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One data file: positional reads for everyone, appends for its one writer (the store's writer
 * for the active file, compaction for its outputs).
 *
 * <h2>Reads from a memory map</h2>
 * A read copies the record from a read-only memory map of the file, not with {@code pread}: the
 * page cache's bytes without a system call (measured with perf, a {@code pread} of a small record
 * was a quarter of the server's CPU for a get). A sealed file is mapped whole on its first read;
 * the active file, which grows, in chunks of {@link #CHUNK_BYTES}, each mapped once the file's
 * whole records reach past its end ({@link #readable}); a record in the unmapped tail, or across
 * two chunks, is read with {@code pread}. A mapped region is never cut short under a reader:
 * appends only add past it, a failed append cuts only its own bytes, and a file is truncated
 * only while the store opens, before any read. A file that cannot be mapped (the process's
 * limit of mappings, say) is read with {@code pread}. The maps are dropped when the last
 * reference to the file goes ({@link #release}), when no reader can be using them.
 *
 * <p>Reads are thread-safe. {@link #append}, {@link #truncate} and {@link #size}
 * are called only by the file's writer. A reader pins the file with {@link #tryAcquire} and
 * {@link #release}; the store's own reference is dropped by {@link #retire}, and the channel
 * closes when the last reference goes, so compaction never closes a file under a reader.
 */
final class Segment implements Closeable {

    final int id;
    final byte kind;
    /** The format version in the file's header: what record types it may hold. */
    final short version;
    private final FileChannel channel;
    private volatile Path path;
    /** End of the last whole record; touched only by the file's writer. */
    private long size;
    /** Whether a failed append left bytes past {@link #size}; touched only by the file's writer. */
    private boolean dirtyTail;
    /** Bytes of records the keydir points at (the rest of the file is dead weight). */
    private final AtomicLong live = new AtomicLong();
    /** References: the store's, plus one per reader in a read. The channel closes at zero. */
    private final AtomicInteger refs = new AtomicInteger(1);
    private volatile boolean retired;
    /** The active file's map chunks: 1 MiB. */
    static final int CHUNK_SHIFT = 20;
    static final long CHUNK_BYTES = 1L << CHUNK_SHIFT;
    /**
     * The end of the file's whole records as readers may map them: {@link #size}, published by
     * the writer after each append.
     */
    private volatile long readable;
    /** Whether the file takes no more appends: mapped whole. */
    private volatile boolean immutable;
    /** Maps of the file made so far (copied on change; index: chunk), or the whole file's at 0. */
    private volatile MappedByteBuffer[] maps = new MappedByteBuffer[0];
    /** Maps replaced by a larger one, still to unmap; guarded by {@code this}. */
    private final java.util.List<MappedByteBuffer> replaced = new java.util.ArrayList<>();
    /** Cleared when mapping failed, or once the file is closed: reads use pread. */
    private volatile boolean mapping = true;

    private Segment(int id, byte kind, short version, Path path, FileChannel channel, long size) {
        this.id = id;
        this.kind = kind;
        this.version = version;
        this.path = path;
        this.channel = channel;
        this.size = size;
        this.readable = size;
    }

    /** Creates a new, empty data file with its header; fails if the file exists. */
    static Segment create(Path path, int id, byte kind) throws IOException {
        return create(StorageIo.real(), path, id, kind);
    }

    /**
     * Creates a new, empty data file with its header through {@code io}; fails if the file
     * exists. If the header cannot be written (a full disk), the file is deleted again: a failed
     * creation leaves nothing behind.
     */
    static Segment create(StorageIo io, Path path, int id, byte kind) throws IOException {
        FileChannel ch = io.open(path, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            writeFully(ch, RecordFormat.fileHeader(kind), 0);
        } catch (IOException e) {
            try {
                ch.close();
                Files.deleteIfExists(path);
            } catch (IOException d) {
                e.addSuppressed(d);
            }
            throw e;
        }
        return new Segment(id, kind, RecordFormat.VERSION, path, ch, RecordFormat.FILE_HEADER_BYTES);
    }

    /**
     * Opens an existing data file for reading, and for appending if {@code writable}. The kind
     * is read from the file header; a file too short for one is taken as a log file.
     */
    static Segment open(Path path, int id, boolean writable) throws IOException {
        return open(StorageIo.real(), path, id, writable);
    }

    /** {@link #open(Path, int, boolean)}, a writable file opened through {@code io}. */
    static Segment open(StorageIo io, Path path, int id, boolean writable) throws IOException {
        FileChannel ch = writable
                ? io.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)
                : FileChannel.open(path, StandardOpenOption.READ);
        try {
            byte kind = RecordFormat.KIND_LOG;
            short version = RecordFormat.VERSION;
            if (ch.size() >= RecordFormat.FILE_HEADER_BYTES) {
                ByteBuffer h = ByteBuffer.allocate(RecordFormat.FILE_HEADER_BYTES);
                while (h.hasRemaining() && ch.read(h, h.position()) >= 0) {
                    // read the whole header
                }
                kind = h.get(RecordFormat.KIND_OFFSET);
                version = h.getShort(4);
                refuseNewer(path, h);
            }
            Segment s = new Segment(id, kind, version, path, ch, ch.size());
            s.immutable = !writable;
            return s;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /**
     * A kvs data file of a later version is not damage: it is refused before anyone scans,
     * salvages or appends to it (its records may not be laid out as ours).
     *
     * @param header the file's first {@link RecordFormat#FILE_HEADER_BYTES} bytes
     */
    static void refuseNewer(Path path, ByteBuffer header) throws NewerFormatException {
        int version = header.getShort(4) & 0xFFFF;
        if (header.getInt(0) == RecordFormat.DATA_MAGIC && version > RecordFormat.VERSION) {
            throw new NewerFormatException(path, version);
        }
    }

    /** {@link #refuseNewer} for a file not yet open; a file too short for a header passes. */
    static void refuseNewer(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer h = ByteBuffer.allocate(RecordFormat.FILE_HEADER_BYTES);
            while (h.hasRemaining() && ch.read(h, h.position()) >= 0) {
                // read the whole header, or what there is
            }
            if (!h.hasRemaining()) {
                refuseNewer(path, h);
            }
        }
    }

    Path path() {
        return path;
    }

    /** Renames the file (a finished compaction output taking its final name). */
    void moveTo(Path target) throws IOException {
        Files.move(path, target, StandardCopyOption.ATOMIC_MOVE);
        path = target;
        immutable = true;
    }

    long live() {
        return live.get();
    }

    void addLive(long bytes) {
        live.addAndGet(bytes);
    }

    /** Pins the file for a read; false if it has been retired (look the key up again). */
    boolean tryAcquire() {
        for (int r = refs.get(); r > 0; r = refs.get()) {
            if (refs.compareAndSet(r, r + 1)) {
                return true;
            }
        }
        return false;
    }

    void release() throws IOException {
        if (refs.decrementAndGet() == 0) {
            dropMaps(true);
            channel.close();
        }
    }

    /**
     * Stops mapping; with {@code unmapNow}, unmaps at once (only when no reader can hold a map:
     * at the last reference), else leaves the maps to the garbage collector.
     */
    private synchronized void dropMaps(boolean unmapNow) {
        mapping = false;
        if (unmapNow) {
            unmap(maps);
            unmap(replaced.toArray(MappedByteBuffer[]::new));
        }
        maps = new MappedByteBuffer[0];
        replaced.clear();
    }

    /** Unmaps now, so that a deleted file's space is freed without waiting for a collection. */
    private static void unmap(MappedByteBuffer[] maps) {
        for (MappedByteBuffer m : maps) {
            if (m != null) {
                Unmapper.unmap(m);
            }
        }
    }

    /** Drops the store's reference: the channel closes once the last reader is done. */
    void retire() throws IOException {
        retired = true;
        release();
    }

    /** Whether compaction has retired the file (its records live on in other files). */
    boolean retired() {
        return retired;
    }

    FileChannel channel() {
        return channel;
    }

    long size() {
        return size;
    }

    /**
     * Appends a whole record and returns its offset. On failure the file is cut back to where it
     * was, so no partial record stays behind; if even that fails, the error says so, and the cut
     * is made before the next append ({@link #cutDirtyTail}).
     */
    long append(ByteBuffer record) throws IOException {
        return uninterrupted(() -> appendNow(record));
    }

    private long appendNow(ByteBuffer record) throws IOException {
        cutDirtyTailNow();
        long offset = size;
        try {
            writeFully(channel, record, offset);
        } catch (IOException e) {
            try {
                channel.truncate(offset);
            } catch (IOException t) {
                dirtyTail = true;
                e.addSuppressed(t);
            }
            throw e;
        }
        size = offset + record.limit();
        readable = size;
        return offset;
    }

    /**
     * Cuts off the bytes a failed append left past the last whole record, if they could not be
     * cut off at once: before the next append, and before the file is sealed, so that no record
     * ends in the middle of them.
     */
    void cutDirtyTail() throws IOException {
        uninterrupted(() -> {
            cutDirtyTailNow();
            return null;
        });
    }

    private void cutDirtyTailNow() throws IOException {
        if (dirtyTail) {
            channel.truncate(size);
            dirtyTail = false;
        }
    }

    /** Marks the file as taking no more appends: it is mapped whole from now on. */
    void sealed() {
        immutable = true;
    }

    /** Reads {@code length} bytes at {@code offset}: from a map of the file if it can. */
    byte[] read(long offset, int length) throws IOException {
        if (mapping) {
            byte[] bytes = readMapped(offset, length);
            if (bytes != null) {
                return bytes;
            }
        }
        return uninterrupted(() -> readNow(offset, length));
    }

    /** The bytes from a map, or null if they are not (and cannot now be) mapped. */
    private byte[] readMapped(long offset, int length) {
        long end = offset + length;
        MappedByteBuffer[] m = maps;
        MappedByteBuffer map;
        long base;
        if (immutable) {
            // One map from 0 (or, just after sealing, chunk 0, which is one too, if it reaches).
            map = m.length >= 1 && m[0] != null && m[0].capacity() >= end ? m[0] : mapWhole(end);
            base = 0;
        } else {
            int k = (int) (offset >>> CHUNK_SHIFT);
            base = (long) k << CHUNK_SHIFT;
            if (end > base + CHUNK_BYTES || base + CHUNK_BYTES > readable) {
                return null; // across two chunks, or in the unmapped tail
            }
            map = k < m.length && m[k] != null ? m[k] : mapChunk(k);
        }
        if (map == null || end - base > map.capacity()) {
            return null;
        }
        byte[] bytes = new byte[length];
        map.get((int) (offset - base), bytes);
        return bytes;
    }

    private synchronized MappedByteBuffer mapWhole(long atLeast) {
        MappedByteBuffer[] m = maps;
        if (m.length == 1 && m[0] != null && m[0].capacity() >= atLeast) {
            return m[0];
        }
        long whole = readable;
        if (!mapping || whole < atLeast || whole > Integer.MAX_VALUE) {
            return null;
        }
        MappedByteBuffer map = map(0, whole);
        if (map != null) {
            // The chunks of the file's active days may have a reader copying from one now: they
            // are unmapped with the rest at the last reference.
            replaced.addAll(Arrays.asList(maps));
            maps = new MappedByteBuffer[] {map};
        }
        return map;
    }

    private synchronized MappedByteBuffer mapChunk(int k) {
        MappedByteBuffer[] m = maps;
        if (k < m.length && m[k] != null) {
            return m[k];
        }
        if (!mapping || ((long) k + 1) << CHUNK_SHIFT > readable) {
            return null;
        }
        MappedByteBuffer map = map((long) k << CHUNK_SHIFT, CHUNK_BYTES);
        if (map != null) {
            MappedByteBuffer[] grown = Arrays.copyOf(m, Math.max(m.length, k + 1));
            grown[k] = map;
            maps = grown;
        }
        return map;
    }

    /** A read-only map of {@code [position, position + length)}, or null (then never again). */
    private MappedByteBuffer map(long position, long length) {
        try {
            return uninterrupted(() -> channel.map(FileChannel.MapMode.READ_ONLY, position, length));
        } catch (IOException | RuntimeException e) {
            mapping = false; // too many maps, say: this file is read with pread from now on
            return null;
        }
    }

    private byte[] readNow(long offset, int length) throws IOException {
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
        uninterrupted(() -> {
            truncateNow(newSize);
            return null;
        });
    }

    private void truncateNow(long newSize) throws IOException {
        if (newSize < RecordFormat.FILE_HEADER_BYTES) {
            channel.truncate(0);
            writeFully(channel, RecordFormat.fileHeader(kind), 0);
            newSize = RecordFormat.FILE_HEADER_BYTES;
        } else {
            channel.truncate(newSize);
        }
        size = newSize;
        readable = newSize;
    }

    void force() throws IOException {
        uninterrupted(() -> {
            channel.force(false);
            return null;
        });
    }

    /** An I/O call on the file's channel. */
    private interface Io<T> {
        T run() throws IOException;
    }

    /**
     * Runs {@code io} with the calling thread's interrupt status set aside, and restored after. A
     * {@link FileChannel} closes itself when an interrupted thread uses it
     * ({@link java.nio.channels.ClosedByInterruptException}): one interrupted caller would close
     * the file for every other reader and writer of the store. An interrupt that arrives during
     * the call itself still does; this closes the common case, a thread interrupted before.
     */
    private static <T> T uninterrupted(Io<T> io) throws IOException {
        boolean interrupted = Thread.interrupted();
        try {
            return io.run();
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Closes the channel now, readers or not: for a store that is closing, or never opened. */
    @Override
    public void close() throws IOException {
        refs.set(0);
        dropMaps(false); // a reader may still be copying from one
        channel.close();
    }

    private static void writeFully(FileChannel ch, ByteBuffer b, long position) throws IOException {
        long p = position;
        while (b.hasRemaining()) {
            p += ch.write(b, p);
        }
    }
}
