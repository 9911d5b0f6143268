package kvs.server.store;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A Bitcask key/value store in one directory: an embeddable library with no network code.
 *
 * <h2>Design</h2>
 * Every write appends a record to the active data file; the <em>keydir</em>, an in-memory map,
 * holds for each live key where its latest record lies. A read is one keydir lookup and one
 * positional read, checked against the record's CRC32C. A removal appends a tombstone. When the
 * active file would pass {@link StoreOptions#maxSegmentBytes()} it is sealed (fsynced, never
 * written again) and a new one begun. Opening replays every data file; file formats and recovery
 * rules are in docs/FORMAT.md.
 *
 * <h2>Invariants</h2>
 * <ul>
 * <li>Each record carries a sequence number, unique and increasing in the order writes are
 *     applied. A key's value is that of its record with the highest sequence number, tombstones
 *     included; so replay gives the same keydir in whatever order files are read.
 * <li>The keydir points only at whole, checksummed records written to the OS.
 * <li>A write is in the file (handed to the OS with {@code pwrite}) before {@link #set} or
 *     {@link #remove} returns, so it survives the death of the process. Surviving power loss
 *     needs an fsync: the active file is fsynced when it is sealed and when the store closes.
 * </ul>
 *
 * <h2>Threads</h2>
 * Any number of threads may call any method. Writers ({@code set}, {@code remove}, rotation,
 * {@code close}) are serialized by {@link #writeLock}, which guards the active file and the
 * sequence counter and makes keydir updates follow file order. Readers take no lock: the keydir
 * and the file table are concurrent maps, and positional reads do not move a file position.
 *
 * <h2>What a crash leaves</h2>
 * At worst a record cut short, or a bad last record, at the end of the newest data file. Opening
 * cuts it off (logging file and offset); damage anywhere else stops the open with a
 * {@link CorruptionException} naming file, offset and reason.
 */
public final class Store implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Store.class.getName());

    private final Path dir;
    private final StoreOptions options;
    private final DirectoryLock dirLock;
    private final ConcurrentHashMap<Key, Location> keydir;
    private final ConcurrentHashMap<Integer, Segment> segments;
    private final ReentrantLock writeLock = new ReentrantLock();
    /** The data file taking appends; guarded by {@link #writeLock}. */
    private Segment active;
    /** The sequence number of the next write; guarded by {@link #writeLock}. */
    private long nextSeq;
    private volatile boolean closed;

    private Store(Path dir, StoreOptions options, DirectoryLock dirLock,
            ConcurrentHashMap<Key, Location> keydir, ConcurrentHashMap<Integer, Segment> segments,
            Segment active, long nextSeq) {
        this.dir = dir;
        this.options = options;
        this.dirLock = dirLock;
        this.keydir = keydir;
        this.segments = segments;
        this.active = active;
        this.nextSeq = nextSeq;
    }

    /** Opens the store in {@code dir} with default options, creating the directory if needed. */
    public static Store open(Path dir) throws IOException {
        return open(dir, StoreOptions.defaults());
    }

    /**
     * Opens the store in {@code dir}, creating the directory if needed, and replays its files.
     *
     * @throws StoreLockedException if another store has the directory open
     * @throws CorruptionException if a file is damaged other than at the tail of the newest
     */
    public static Store open(Path dir, StoreOptions options) throws IOException {
        Files.createDirectories(dir);
        DirectoryLock lock = DirectoryLock.acquire(dir);
        ConcurrentHashMap<Integer, Segment> segments = new ConcurrentHashMap<>();
        try {
            Replay replay = new Replay();
            List<Integer> ids = listDataFiles(dir);
            for (int i = 0; i < ids.size(); i++) {
                int id = ids.get(i);
                boolean newest = i == ids.size() - 1;
                Segment seg = Segment.open(SegmentNames.dataFile(dir, id), id, newest);
                segments.put(id, seg);
                replay.segment(seg, newest);
            }
            Segment active;
            Segment newest = ids.isEmpty() ? null : segments.get(ids.get(ids.size() - 1));
            if (newest != null && newest.size() < options.maxSegmentBytes()) {
                active = newest;
            } else {
                active = Segment.create(dir, newest == null ? 1 : newest.id + 1);
                segments.put(active.id, active);
                FileSync.directory(dir);
            }
            return new Store(dir, options, lock, replay.keydir, segments, active, replay.maxSeq + 1);
        } catch (IOException | RuntimeException e) {
            for (Segment s : segments.values()) {
                closeQuietly(s, e);
            }
            closeQuietly(lock, e);
            throw e;
        }
    }

    /** The value of {@code key}, or {@code null} if the store does not hold it. */
    public byte[] get(byte[] key) throws IOException {
        checkKey(key);
        ensureOpen();
        Location loc = keydir.get(new Key(key));
        if (loc == null) {
            return null;
        }
        Segment seg = segments.get(loc.segment());
        byte[] record;
        try {
            record = seg.read(loc.offset(), loc.size());
        } catch (ClosedChannelException e) {
            ensureOpen();
            throw e;
        }
        if (!RecordFormat.crcMatches(record, 0, record.length)) {
            throw new CorruptionException(seg.path, loc.offset(), "checksum mismatch in record of "
                    + loc.size() + " bytes");
        }
        int keyLen = ByteBuffer.wrap(record).getInt(RecordFormat.KEY_LEN_OFFSET);
        if (keyLen != key.length || !Arrays.equals(record, RecordFormat.HEADER_BYTES,
                RecordFormat.HEADER_BYTES + keyLen, key, 0, key.length)) {
            throw new CorruptionException(seg.path, loc.offset(),
                    "record holds another key than the keydir says");
        }
        return Arrays.copyOfRange(record, RecordFormat.HEADER_BYTES + keyLen, record.length);
    }

    /** Sets {@code key} to {@code value}; when this returns, the write is in the file. */
    public void set(byte[] key, byte[] value) throws IOException {
        checkKey(key);
        if (value == null) {
            throw new IllegalArgumentException("value is null");
        }
        Key k = new Key(key.clone());
        writeLock.lock();
        try {
            ensureOpen();
            long seq = nextSeq;
            ByteBuffer record = RecordFormat.encode(seq, RecordFormat.TYPE_PUT, key, value);
            Location loc = append(record, seq);
            keydir.put(k, loc);
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Removes {@code key}.
     *
     * @return whether the store held the key; if not, nothing is written
     */
    public boolean remove(byte[] key) throws IOException {
        checkKey(key);
        Key k = new Key(key);
        writeLock.lock();
        try {
            ensureOpen();
            if (!keydir.containsKey(k)) {
                return false;
            }
            long seq = nextSeq;
            append(RecordFormat.encode(seq, RecordFormat.TYPE_TOMBSTONE, key, new byte[0]), seq);
            keydir.remove(k);
            return true;
        } finally {
            writeLock.unlock();
        }
    }

    /** How many keys the store holds. */
    public int size() {
        return keydir.size();
    }

    public Path directory() {
        return dir;
    }

    public StoreOptions options() {
        return options;
    }

    /** Fsyncs the active file, closes every file and releases the directory. Idempotent. */
    @Override
    public void close() throws IOException {
        writeLock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            IOException failure = null;
            try {
                active.force();
            } catch (IOException e) {
                failure = e;
            }
            for (Segment s : segments.values()) {
                failure = closeCollecting(s, failure);
            }
            failure = closeCollecting(dirLock, failure);
            if (failure != null) {
                throw failure;
            }
        } finally {
            writeLock.unlock();
        }
    }

    /** Appends a record, sealing the active file first if the record would overfill it. */
    private Location append(ByteBuffer record, long seq) throws IOException {
        int size = record.remaining();
        if (active.size() > RecordFormat.FILE_HEADER_BYTES
                && active.size() + size > options.maxSegmentBytes()) {
            rotate();
        }
        long offset = active.append(record);
        nextSeq = seq + 1;
        return new Location(active.id, offset, size, seq);
    }

    private void rotate() throws IOException {
        if (active.id >= SegmentNames.MAX_ID) {
            throw new IOException("data file ids exhausted in " + dir);
        }
        active.force();
        Segment next = Segment.create(dir, active.id + 1);
        segments.put(next.id, next);
        active = next;
        FileSync.directory(dir);
    }

    private void ensureOpen() throws StoreClosedException {
        if (closed) {
            throw new StoreClosedException();
        }
    }

    private static void checkKey(byte[] key) {
        if (key == null || key.length == 0) {
            throw new IllegalArgumentException("empty key: a key is 1 to "
                    + RecordFormat.MAX_KEY_BYTES + " bytes");
        }
        if (key.length > RecordFormat.MAX_KEY_BYTES) {
            throw new IllegalArgumentException("key of " + key.length + " bytes is over the limit of "
                    + RecordFormat.MAX_KEY_BYTES + " bytes");
        }
    }

    private static List<Integer> listDataFiles(Path dir) throws IOException {
        List<Integer> ids = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                OptionalInt id = SegmentNames.parseDataId(name);
                if (id.isPresent()) {
                    ids.add(id.getAsInt());
                } else if (!name.equals(SegmentNames.LOCK_FILE)) {
                    LOG.log(Level.WARNING, "ignoring {0}: not a kvs file name", f);
                }
            }
        }
        ids.sort(null);
        return ids;
    }

    /** Builds the keydir from data files: for each key, the record with the highest seq wins. */
    private static final class Replay {
        final ConcurrentHashMap<Key, Location> keydir = new ConcurrentHashMap<>();
        /** Keys whose winning record so far is a tombstone, with its seq. */
        final Map<Key, Long> tombstones = new HashMap<>();
        long maxSeq;

        void segment(Segment seg, boolean newest) throws IOException {
            SegmentScanner.Damage damage = SegmentScanner.scan(seg.channel(),
                    (offset, size, seq, type, key) -> record(seg.id, offset, size, seq, type, key));
            if (damage == null) {
                return;
            }
            if (newest && damage.tornTail()) {
                long dropped = seg.channel().size() - damage.offset();
                LOG.log(Level.WARNING, "{0}: torn tail at offset {1} ({2}); cutting off {3} bytes"
                        + " left by an interrupted write", seg.path, damage.offset(), damage.reason(),
                        dropped);
                seg.truncate(damage.offset());
                seg.force();
                return;
            }
            throw new CorruptionException(seg.path, damage.offset(), damage.reason());
        }

        private void record(int segment, long offset, int size, long seq, byte type, byte[] bytes) {
            maxSeq = Math.max(maxSeq, seq);
            Key key = new Key(bytes);
            Location live = keydir.get(key);
            Long dead = tombstones.get(key);
            long latest = Math.max(live == null ? -1 : live.seq(), dead == null ? -1 : dead);
            if (seq <= latest) {
                return;
            }
            if (type == RecordFormat.TYPE_PUT) {
                keydir.put(key, new Location(segment, offset, size, seq));
                tombstones.remove(key);
            } else {
                keydir.remove(key);
                tombstones.put(key, seq);
            }
        }
    }

    private static IOException closeCollecting(AutoCloseable c, IOException failure) {
        try {
            c.close();
        } catch (Exception e) {
            IOException io = e instanceof IOException x ? x : new IOException(e);
            if (failure == null) {
                return io;
            }
            failure.addSuppressed(io);
        }
        return failure;
    }

    private static void closeQuietly(AutoCloseable c, Exception cause) {
        try {
            c.close();
        } catch (Exception e) {
            cause.addSuppressed(e);
        }
    }
}
