package kvs.store;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A Bitcask key/value store in one directory: an embeddable library with no network code.
 *
 * <h2>Design</h2>
 * Every write appends a record to the active data file; the {@link Keydir}, in memory, holds for
 * each live key where its latest record lies. A read is one keydir lookup and one positional
 * read, checked against the record's CRC32C. A removal appends a tombstone. When the active file
 * would pass {@link StoreOptions#maxSegmentBytes()} it is sealed (fsynced, never written again,
 * given a hint file) and a new one begun. {@link Compactor} rewrites the sealed files' live
 * records into new files in the background, and deletes the old ones. Opening replays every data
 * file, through its hint file where it has a good one ({@link StoreLoader}). File formats and
 * recovery are in docs/FORMAT.md.
 *
 * <h2>Invariants</h2>
 * <ul>
 * <li>Each record carries a sequence number, unique and increasing in the order writes are
 *     applied. A key's value is that of its record with the highest sequence number, tombstones
 *     included; so replay gives the same keydir in whatever order files are read, and compaction
 *     may copy old records into files with new ids.
 * <li>The keydir points only at whole, checksummed records written to the OS.
 * <li>A write is in the file (handed to the OS with {@code pwrite}) before {@link #set} or
 *     {@link #remove} returns, so it survives the death of the process. Surviving power loss
 *     needs an fsync: {@link Syncer} does them as the {@link SyncPolicy} says, and the active
 *     file is fsynced when it is sealed and when the store closes.
 * <li>Each data file's live bytes are the sizes of the records the keydir points at; the rest
 *     of the file is dead, and is what compaction reclaims.
 * </ul>
 *
 * <h2>Threads</h2>
 * Any number of threads may call any method. Writers ({@code set}, {@code remove}, sealing,
 * {@code close}) are serialized by {@link #writeLock}, which guards the active file and the
 * sequence and file-id counters, and makes keydir updates follow file order. A read-modify-write
 * ({@link #setIfAsync}, {@link #compareAndSetAsync}, {@link #incrAsync}, {@link #removeAndGetAsync})
 * reads, checks and appends under one hold of it, so no other write comes between. Readers take no
 * lock: the keydir's lookups are optimistic, the file table is a concurrent map, positional reads
 * do not move a file position, and a reader pins a file so that compaction cannot close it
 * mid-read. One maintenance thread writes hint files and runs compactions.
 *
 * <h2>What a crash leaves</h2>
 * At worst a record cut short, or a bad last record, at the end of the newest log file (cut off
 * when the store opens, with a warning); or a compaction's half-written files (deleted when the
 * store opens), or a committed compaction not yet tidied up (finished when the store opens).
 * Damage anywhere else stops the open with a {@link CorruptionException} naming file and offset.
 *
 * <h2>Full disk, failed fsync</h2>
 * A write the disk has no room for fails, and is cut back off the file: nothing of it stays
 * reachable, and the next write that fits succeeds. A seal that cannot begin the next file leaves
 * the active file as it was, and no new file. A hint that cannot be written is retried at the next
 * seal and at close. An fsync that fails cannot be retried (the kernel may have dropped the
 * written pages): the store turns read-only, refusing every write with a
 * {@link StoreReadOnlyException} naming the failure, until it is reopened. Reads go on.
 */
public final class Store implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Store.class.getName());
    /** An expiry time meaning never: the key stays until removed. */
    public static final long NO_EXPIRY = 0;
    /** An expiry time meaning the key's current one, for a set that keeps it (Redis's KEEPTTL). */
    public static final long KEEP_EXPIRY = -1;
    /** Expired keys one sweep drops from the keydir at most, under one hold of the write lock. */
    private static final int SWEEP_BATCH = 4096;
    /** Writes between two checks of whether automatic compaction is due. */
    private static final int COMPACTION_CHECK_INTERVAL = 1024;
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    /** What {@link #getAtMost} returns for a record over its limit; see {@link #isOverLimit}. */
    private static final byte[] OVER_LIMIT = new byte[0];

    private final Path dir;
    private final StoreOptions options;
    private final DirectoryLock dirLock;
    final Keydir keydir;
    private final KeyScan scans;
    final ConcurrentHashMap<Integer, Segment> segments;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final ExecutorService maintenance;
    private final Compactor compactor;
    private final Syncer syncer;
    private final AtomicBoolean compactionQueued = new AtomicBoolean();
    /** Spaces automatic compactions out after a failure; used by the maintenance thread. */
    private final Backoff compactionBackoff = new Backoff(1_000, 300_000, System::currentTimeMillis);
    private final AtomicLong compactions = new AtomicLong();
    private final AtomicLong damagedReads = new AtomicLong();
    /** Keys dropped from the keydir because they expired. */
    private final AtomicLong expiredKeys = new AtomicLong();
    private final AtomicBoolean sweepQueued = new AtomicBoolean();
    /** When the last sweep of expired keys was queued (System.nanoTime); guarded by {@link #writeLock}. */
    private long lastSweepNanos;
    private volatile long lastCompactionMillis;
    /** The data file taking appends; guarded by {@link #writeLock}, read by compaction. */
    private volatile Segment active;
    /** The sequence number of the next write; guarded by {@link #writeLock}. */
    private long nextSeq;
    /** The sequence number of the last write; guarded by {@link #writeLock}. */
    private long lastSeq;
    /** The id of the next data file; guarded by {@link #writeLock}. */
    private int nextId;
    /** Guarded by {@link #writeLock}. */
    private int writesSinceCheck;
    /**
     * Set while the writer seals the active file, holding the write lock through an fsync:
     * {@link #trySetAsync} and {@link #tryRemoveAsync} then return at once rather than wait.
     */
    private volatile boolean sealing;
    private volatile boolean closed;
    /** Why the store refuses writes, or null; written under {@link #writeLock}, read anywhere. */
    private volatile ReadOnly readOnly;
    /** Sealed files whose hint could not be written: retried at the next seal and at close. */
    private final Set<Segment> hintsPending = ConcurrentHashMap.newKeySet();

    /** A failed fsync: which file, when, why. */
    private record ReadOnly(Path file, Instant at, IOException cause) {
        StoreReadOnlyException exception() {
            return new StoreReadOnlyException(file, at, cause);
        }
    }

    private Store(Path dir, StoreOptions options, DirectoryLock dirLock, StoreLoader.Loaded loaded) {
        this.dir = dir;
        this.options = options;
        this.dirLock = dirLock;
        this.keydir = loaded.keydir();
        this.scans = new KeyScan(keydir);
        this.segments = loaded.segments();
        this.active = loaded.active();
        this.nextSeq = loaded.nextSeq();
        this.lastSeq = loaded.nextSeq() - 1;
        this.nextId = loaded.nextId();
        this.maintenance = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "kvs-store-maintenance");
            t.setDaemon(true);
            return t;
        });
        this.compactor = new Compactor(this);
        this.syncer = new Syncer(options.sync(), options.syncInterval(), new Syncer.Target() {
            @Override
            public Syncer.Snapshot snapshot() {
                return syncSnapshot();
            }

            @Override
            public void fsyncFailed(Path file, IOException cause) {
                turnReadOnly(file, cause);
            }
        }, dir.toString());
    }

    /** The last write and the file it is in, for the syncer. */
    private Syncer.Snapshot syncSnapshot() {
        writeLock.lock();
        try {
            return new Syncer.Snapshot(lastSeq, active);
        } finally {
            writeLock.unlock();
        }
    }

    /** Refuses writes from now on, for the reason of the first failed fsync. */
    private void turnReadOnly(Path file, IOException cause) {
        writeLock.lock();
        try {
            if (readOnly == null) {
                readOnly = new ReadOnly(file, Instant.now(), cause);
                LOG.log(Level.ERROR, "{0}: an fsync of {1} failed ({2}); the store is read-only from"
                        + " now on: reads go on, writes are refused; restart to recover", dir, file,
                        cause.getMessage());
            }
        } finally {
            writeLock.unlock();
        }
    }

    /** An fsync done by the writer failed: read-only, and every write waiting for one fails. */
    private StoreReadOnlyException fsyncFailedLocked(Path file, IOException cause) {
        turnReadOnly(file, cause);
        syncer.failWaiters(cause);
        return readOnly.exception();
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
        return open(dir, options, false);
    }

    /**
     * Opens the store keeping every record that checks out: each damaged data file is copied
     * aside as {@code <file>.corrupt-<time>} and rewritten without its damage; what was skipped is
     * logged. For a store that {@link #open} refused with a {@link CorruptionException}.
     */
    public static Store openSalvaging(Path dir, StoreOptions options) throws IOException {
        return open(dir, options, true);
    }

    private static Store open(Path dir, StoreOptions options, boolean salvage) throws IOException {
        Files.createDirectories(dir);
        DirectoryLock lock = DirectoryLock.acquire(dir);
        StoreLoader.Loaded loaded;
        try {
            loaded = StoreLoader.load(dir, options, salvage);
        } catch (IOException | RuntimeException e) {
            try {
                lock.close();
            } catch (IOException c) {
                e.addSuppressed(c);
            }
            throw e;
        }
        Store store = new Store(dir, options, lock, loaded);
        if (store.keydir.heapBytes() > options.maxKeydirBytes()) {
            LOG.log(Level.WARNING, "{0}: the keydir holds {1} keys in about {2} bytes, over its budget"
                    + " of {3} bytes (--max-keydir-bytes); opened anyway, nothing is dropped, but new"
                    + " keys are refused until keys are removed or the budget is raised", dir,
                    store.keydir.size(), String.valueOf(store.keydir.heapBytes()),
                    String.valueOf(options.maxKeydirBytes()));
        }
        for (Segment s : loaded.needHints()) {
            store.hintsPending.add(s);
            store.maintenance.execute(() -> store.writeHint(s));
        }
        store.maybeScheduleCompaction();
        store.maybeSweep();
        return store;
    }

    /** The value of {@code key}, or {@code null} if the store does not hold it. */
    public byte[] get(byte[] key) throws IOException {
        return getAtMost(key, Integer.MAX_VALUE);
    }

    /**
     * The value of {@code key}, or {@code null} if the store does not hold it; but if its record
     * is over {@code maxRecordBytes} (the value plus the key and {@value RecordFormat#HEADER_BYTES}
     * bytes), reads nothing and returns a marker that {@link #isOverLimit} recognises. For a
     * thread that may read small values but should hand large ones to another (an event loop).
     */
    public byte[] getAtMost(byte[] key, int maxRecordBytes) throws IOException {
        checkKey(key);
        for (int attempt = 0; ; attempt++) {
            ensureOpen();
            Location loc = live(keydir.get(key));
            if (loc == null) {
                return null;
            }
            if (loc.size() > maxRecordBytes) {
                return OVER_LIMIT;
            }
            byte[] value = read(key, loc);
            if (value != null) {
                return value;
            }
            // Compaction moved the record and retired the file after our lookup: look again.
            if (attempt > 1000) {
                throw new IOException("key's record keeps moving; giving up after 1000 lookups");
            }
        }
    }

    /**
     * The value of {@code key} in its record at {@code loc}, or {@code null} if that file was
     * retired meanwhile (compaction moved the record: look it up again).
     */
    private byte[] read(byte[] key, Location loc) throws IOException {
        Segment seg = segments.get(loc.segment());
        if (seg == null || !seg.tryAcquire()) {
            return null;
        }
        byte[] record;
        try {
            record = seg.read(loc.offset(), loc.size());
        } catch (ClosedChannelException e) {
            ensureOpen();
            throw e;
        } finally {
            seg.release();
        }
        try {
            return valueOf(record, key, seg, loc);
        } catch (CorruptionException e) {
            // Counted, not logged: the caller gets the file and offset, and the server logs
            // it once a second at most (a hot damaged key must not flood the log).
            damagedReads.incrementAndGet();
            throw e;
        }
    }

    /** Whether {@code value}, returned by {@link #getAtMost}, is the marker of a record over the limit. */
    public static boolean isOverLimit(byte[] value) {
        return value == OVER_LIMIT;
    }

    /**
     * The value in a record read where the keydir points: its checksum, type, lengths and key must
     * all agree, else the record is damaged (a tombstone, or a record of an unknown type, where a
     * put should be, is damage too).
     */
    static byte[] valueOf(byte[] record, byte[] key, Segment seg, Location loc)
            throws CorruptionException {
        if (record.length < RecordFormat.HEADER_BYTES || !RecordFormat.crcMatches(record, 0, record.length)) {
            throw new CorruptionException(seg.path(), loc.offset(), "checksum mismatch in record of "
                    + loc.size() + " bytes");
        }
        ByteBuffer b = ByteBuffer.wrap(record);
        byte type = b.get(RecordFormat.TYPE_OFFSET);
        if (type != RecordFormat.putType(loc.expireAt())) {
            throw new CorruptionException(seg.path(), loc.offset(), (type == RecordFormat.TYPE_TOMBSTONE
                    ? "a tombstone" : RecordFormat.isPut(type) ? "a put " + (loc.expireAt() == NO_EXPIRY
                    ? "with an expiry" : "without one") : "a record of unknown type " + type)
                    + " where the keydir expects " + (loc.expireAt() == NO_EXPIRY ? "a put" : "an expiring put"));
        }
        int header = RecordFormat.headerBytes(type);
        int keyLen = b.getInt(RecordFormat.KEY_LEN_OFFSET);
        long valueLen = Integer.toUnsignedLong(b.getInt(RecordFormat.VALUE_LEN_OFFSET));
        if (record.length < header || (long) header + Integer.toUnsignedLong(keyLen) + valueLen != record.length) {
            throw new CorruptionException(seg.path(), loc.offset(), "record lengths disagree with its"
                    + " size of " + record.length + " bytes");
        }
        if (type == RecordFormat.TYPE_PUT_EXPIRING && b.getLong(RecordFormat.EXPIRE_AT_OFFSET) != loc.expireAt()) {
            throw new CorruptionException(seg.path(), loc.offset(), "record expires at another time than"
                    + " the keydir says");
        }
        if (keyLen != key.length || !Arrays.equals(record, header, header + keyLen, key, 0, key.length)) {
            throw new CorruptionException(seg.path(), loc.offset(),
                    "record holds another key than the keydir says");
        }
        return Arrays.copyOfRange(record, header + keyLen, record.length);
    }

    /**
     * Sets {@code key} to {@code value}. When this returns, the write is in the file, and durable
     * as the sync policy promises (fsynced, for {@link SyncPolicy#ALWAYS}).
     */
    public void set(byte[] key, byte[] value) throws IOException {
        await(setAsync(key, value));
    }

    /**
     * Sets {@code key} to {@code value}, expiring at {@code expireAt} (ms since the epoch, by the
     * store's clock: {@link StoreOptions#clock}), or never ({@link #NO_EXPIRY}), or when the key
     * expires now ({@link #KEEP_EXPIRY}). A time already past leaves the key absent at once.
     * Durable when this returns, as {@link #set(byte[], byte[])}.
     */
    public void set(byte[] key, byte[] value, long expireAt) throws IOException {
        await(setAsync(key, ByteBuffer.wrap(value), expireAt));
    }

    /**
     * Sets {@code key} to {@code value} without waiting for an fsync: when this returns the write
     * is in the file; the future completes when it is durable as the sync policy promises.
     */
    public CompletableFuture<Void> setAsync(byte[] key, byte[] value) throws IOException {
        if (value == null) {
            throw new IllegalArgumentException("value is null");
        }
        return put(key, ByteBuffer.wrap(value), NO_EXPIRY, true);
    }

    /**
     * {@link #setAsync(byte[], byte[])} with the value given as the remaining bytes of
     * {@code value} (whose position is left unchanged): a value held in a buffer is copied once,
     * into the record, and not first into an array.
     */
    public CompletableFuture<Void> setAsync(byte[] key, ByteBuffer value) throws IOException {
        return setAsync(key, value, NO_EXPIRY);
    }

    /** {@link #setAsync(byte[], ByteBuffer)} expiring as {@link #set(byte[], byte[], long)} says. */
    public CompletableFuture<Void> setAsync(byte[] key, ByteBuffer value, long expireAt) throws IOException {
        if (value == null) {
            throw new IllegalArgumentException("value is null");
        }
        return put(key, value, expireAt, true);
    }

    /**
     * {@link #setAsync} for a thread that must not wait on the disk (a server's event loop): the
     * value is the remaining bytes of {@code value}, and the call returns {@code null}, having
     * written nothing, when the write would first have to seal the active file (an fsync) or
     * wait for a seal in progress; the caller then hands it to a thread that may wait. Otherwise
     * it waits at most for another writer's append (the write lock is held for no disk wait but
     * those of sealing and closing). The append itself is a {@code pwrite} to the OS.
     */
    public CompletableFuture<Void> trySetAsync(byte[] key, ByteBuffer value) throws IOException {
        return trySetAsync(key, value, NO_EXPIRY);
    }

    /** {@link #trySetAsync(byte[], ByteBuffer)} expiring as {@link #set(byte[], byte[], long)} says. */
    public CompletableFuture<Void> trySetAsync(byte[] key, ByteBuffer value, long expireAt) throws IOException {
        if (value == null) {
            throw new IllegalArgumentException("value is null");
        }
        return put(key, value, expireAt, false);
    }

    private CompletableFuture<Void> put(byte[] key, ByteBuffer value, long expireAt, boolean mayWait)
            throws IOException {
        checkKey(key);
        checkExpiry(expireAt);
        byte[] k = key.clone();
        // Built (copied and checksummed) before the lock: under it, only the sequence number is
        // stamped and the bytes handed to the OS. Keeping an expiry needs the key's, under it.
        RecordFormat.Draft draft = expireAt == KEEP_EXPIRY ? null : RecordFormat.draftPut(k, value, expireAt);
        if (!lock(mayWait)) {
            return null;
        }
        long seq;
        try {
            ensureWritable();
            Location found = keydir.get(k);
            long budget = options.maxKeydirBytes();
            if (found == null && keydir.heapBytesWithNewKey(k.length) > budget) {
                throw new KeydirFullException(budget, keydir.heapBytes(), keydir.size());
            }
            long expiry = expireAt;
            if (draft == null) {
                Location held = live(found);
                expiry = held == null ? NO_EXPIRY : held.expireAt();
                draft = RecordFormat.draftPut(k, value, expiry);
            }
            if (!mayWait && wouldSealLocked(draft.size())) {
                return null;
            }
            seq = appendPutLocked(k, draft, expiry);
        } finally {
            writeLock.unlock();
        }
        return syncer.whenDurable(seq);
    }

    /** Appends a drafted put and points the keydir at it; returns its sequence number. */
    private long appendPutLocked(byte[] key, RecordFormat.Draft draft, long expireAt) throws IOException {
        int size = draft.size();
        long seq = nextSeq;
        Segment seg = appendLocked(draft.finish(seq));
        int offset = (int) (seg.size() - size);
        nextSeq = seq + 1;
        lastSeq = seq;
        seg.addLive(size);
        Location old = keydir.put(key, seg.id, offset, size, expireAt);
        if (old != null) {
            addLive(old, -old.size());
        }
        afterWriteLocked();
        return seq;
    }

    /**
     * {@link #setAllAsync} for a thread that must not wait on the disk: returns {@code null},
     * having written nothing, when the batch would have to wait for a seal.
     */
    public CompletableFuture<Void> trySetAllAsync(List<byte[]> keys, List<ByteBuffer> values) throws IOException {
        return setAll(keys, values, false);
    }

    /**
     * Sets several keys at once, as one atomic batch ({@link #batchAsync}): in the order given (a
     * key given twice ends with its last value), all or none, for readers and against crashes.
     * May wait (for a seal); the future completes when all are durable as the sync policy
     * promises.
     */
    public CompletableFuture<Void> setAllAsync(List<byte[]> keys, List<ByteBuffer> values) throws IOException {
        return setAll(keys, values, true);
    }

    private CompletableFuture<Void> setAll(List<byte[]> keys, List<ByteBuffer> values, boolean mayWait)
            throws IOException {
        if (keys.size() != values.size()) {
            throw new IllegalArgumentException(keys.size() + " keys but " + values.size() + " values");
        }
        List<Write> writes = new ArrayList<>(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            if (values.get(i) == null) {
                throw new IllegalArgumentException("value " + i + " is null");
            }
            writes.add(new Write.Put(keys.get(i), values.get(i), NO_EXPIRY));
        }
        CompletableFuture<boolean[]> done = batch(writes, mayWait);
        return done == null ? null : done.thenApply(r -> null);
    }

    /**
     * Applies {@code writes} as one atomic batch, in order (a key written twice ends as the last
     * write says): one batch record, appended with one write under one hold of the write lock, and
     * applied to the keydir at once. So no read sees some of them and not others (each read of a
     * key sees the batch whole or not at all; reads of several keys, one after another, are
     * separate reads), and after a crash opening finds all of them or none (the batch record has
     * its own checksum). All or nothing against failures too (a full disk, a keydir at its budget:
     * then nothing is written).
     *
     * <p>The result has one element a write: {@code true} for a put; for a removal, whether the
     * key was held just before it (within the batch). A removal of a key not held still writes a
     * tombstone. Unless {@code mayWait}, returns {@code null}, having written nothing, when the
     * batch would wait for a seal. An empty batch completes at once, writing nothing.
     *
     * @throws KeydirFullException if the batch's new keys would pass the keydir's budget
     * @throws IllegalArgumentException for a batch over the record size limit (2 GiB)
     */
    public CompletableFuture<boolean[]> batchAsync(List<Write> writes, boolean mayWait) throws IOException {
        return batch(writes, mayWait);
    }

    private CompletableFuture<boolean[]> batch(List<Write> writes, boolean mayWait) throws IOException {
        int n = writes.size();
        if (n == 0) {
            return CompletableFuture.completedFuture(new boolean[0]);
        }
        List<Write> own = new ArrayList<>(n);
        byte[][] keys = new byte[n][];
        for (int i = 0; i < n; i++) {
            Write w = writes.get(i);
            checkKey(w.key());
            keys[i] = w.key().clone();
            own.add(w instanceof Write.Put p ? new Write.Put(keys[i], p.value(), p.expireAt()) : new Write.Remove(keys[i]));
        }
        RecordFormat.DraftBatch draft = RecordFormat.draftBatch(own);
        if (!lock(mayWait)) {
            return null;
        }
        long lastSeqOfBatch;
        boolean[] result;
        try {
            ensureWritable();
            if (!mayWait && wouldSealLocked(draft.totalSize())) {
                return null;
            }
            if (!fitsKeydirBudgetLocked(own, mayWait)) {
                return null;
            }
            boolean[] held = heldBefore(own);
            long seq = nextSeq;
            Segment seg = appendLocked(draft.finish(seq));
            long base = seg.size() - draft.totalSize();
            int[] offsets = new int[n];
            int[] sizes = new int[n];
            long[] expireAts = new long[n];
            for (int i = 0; i < n; i++) {
                boolean put = own.get(i) instanceof Write.Put;
                offsets[i] = put ? (int) (base + draft.start(i)) : -1;
                sizes[i] = draft.size(i);
                expireAts[i] = put ? ((Write.Put) own.get(i)).expireAt() : NO_EXPIRY;
                if (put) {
                    seg.addLive(sizes[i]);
                }
            }
            for (Location old : keydir.applyBatch(keys, seg.id, offsets, sizes, expireAts)) {
                if (old != null) {
                    addLive(old, -old.size());
                }
            }
            result = held;
            lastSeqOfBatch = seq + n;
            nextSeq = lastSeqOfBatch + 1;
            lastSeq = lastSeqOfBatch;
            writesSinceCheck += n - 1;
            afterWriteLocked();
        } finally {
            writeLock.unlock();
        }
        return syncer.whenDurable(lastSeqOfBatch).thenApply(v -> result);
    }

    /**
     * For each removal of a batch, whether its key is held just before it: as the batch's earlier
     * writes of the key leave it, else as the keydir has it now. Puts are {@code true}.
     */
    private boolean[] heldBefore(List<Write> writes) {
        boolean[] result = new boolean[writes.size()];
        java.util.Map<ByteBuffer, Boolean> written = new java.util.HashMap<>();
        for (int i = 0; i < result.length; i++) {
            Write w = writes.get(i);
            ByteBuffer k = ByteBuffer.wrap(w.key());
            boolean put = w instanceof Write.Put;
            Boolean before = written.put(k, put);
            result[i] = put || (before != null ? before : live(keydir.get(w.key())) != null);
        }
        return result;
    }

    /**
     * Refuses a batch whose new keys would pass the keydir's budget. Near the budget, a caller
     * that may not wait is told to retry where it may ({@code false}): there, which keys are new
     * is looked up, so that overwrites still succeed and only new keys past the budget are refused.
     */
    private boolean fitsKeydirBudgetLocked(List<Write> writes, boolean mayWait) throws KeydirFullException {
        long budget = options.maxKeydirBytes();
        byte[][] puts = writes.stream().filter(w -> w instanceof Write.Put).map(Write::key).toArray(byte[][]::new);
        if (keydir.heapBytesWithNewKeys(puts) <= budget) {
            return true;
        }
        if (!mayWait) {
            return false;
        }
        byte[][] absent = java.util.Arrays.stream(puts).filter(k -> keydir.get(k) == null).toArray(byte[][]::new);
        if (absent.length > 0 && keydir.heapBytesWithNewKeys(absent) > budget) {
            throw new KeydirFullException(budget, keydir.heapBytes(), keydir.size());
        }
        return true;
    }

    /** What a conditional write requires of the key's current state. */
    public enum Condition {
        /** Whatever the key's state. */
        ALWAYS,
        /** Only if the store does not hold the key (Redis's {@code SET NX}). */
        IF_ABSENT,
        /** Only if the store holds the key ({@code SET XX}). */
        IF_PRESENT
    }

    /**
     * What a conditional write did.
     *
     * @param applied whether the condition held and the write was made
     * @param previous the key's value before the write (whether or not it was applied), if the
     *     caller asked for it and the store held the key; else {@code null}
     */
    public record Outcome(boolean applied, byte[] previous) {
    }

    /**
     * Sets {@code key} to {@code value} if {@code condition} holds, checked and written under one
     * hold of the write lock, so no other writer comes between; with {@code readPrevious}, the
     * previous value is read under the same hold. The future completes once the write (if any) is
     * durable as the sync policy promises. Unless {@code mayWait}, returns {@code null}, having
     * done nothing, when the write would wait for a seal or the previous record is over
     * {@code maxReadBytes} (see {@link #getAtMost}): for event loops.
     */
    public CompletableFuture<Outcome> setIfAsync(byte[] key, ByteBuffer value, Condition condition,
            boolean readPrevious, boolean mayWait, int maxReadBytes) throws IOException {
        return conditionalPut(key, value, condition, null, NO_EXPIRY, readPrevious, mayWait, maxReadBytes);
    }

    /** {@link #setIfAsync} of a key expiring as {@link #set(byte[], byte[], long)} says. */
    public CompletableFuture<Outcome> setIfAsync(byte[] key, ByteBuffer value, Condition condition, long expireAt,
            boolean readPrevious, boolean mayWait, int maxReadBytes) throws IOException {
        return conditionalPut(key, value, condition, null, expireAt, readPrevious, mayWait, maxReadBytes);
    }

    /**
     * Sets {@code key} to {@code value} only if its value now is {@code expected}, byte for byte
     * (a missing key matches nothing): compare-and-set, checked and written under one hold of the
     * write lock, as {@link #setIfAsync} does, with the same arguments. A value whose size differs
     * from {@code expected}'s is not read (unless {@code readPrevious}): its record's size says
     * it cannot match.
     */
    public CompletableFuture<Outcome> compareAndSetAsync(byte[] key, byte[] expected, ByteBuffer value,
            boolean readPrevious, boolean mayWait, int maxReadBytes) throws IOException {
        return compareAndSetAsync(key, expected, value, NO_EXPIRY, readPrevious, mayWait, maxReadBytes);
    }

    /** {@link #compareAndSetAsync} of a key expiring as {@link #set(byte[], byte[], long)} says. */
    public CompletableFuture<Outcome> compareAndSetAsync(byte[] key, byte[] expected, ByteBuffer value,
            long expireAt, boolean readPrevious, boolean mayWait, int maxReadBytes) throws IOException {
        if (expected == null) {
            throw new IllegalArgumentException("expected value is null");
        }
        return conditionalPut(key, value, Condition.ALWAYS, expected, expireAt, readPrevious, mayWait, maxReadBytes);
    }

    /** {@link #setIfAsync}, or with {@code expected} not null {@link #compareAndSetAsync}. */
    private CompletableFuture<Outcome> conditionalPut(byte[] key, ByteBuffer value, Condition condition,
            byte[] expected, long expireAt, boolean readPrevious, boolean mayWait, int maxReadBytes)
            throws IOException {
        checkKey(key);
        checkExpiry(expireAt);
        if (value == null) {
            throw new IllegalArgumentException("value is null");
        }
        byte[] k = key.clone();
        RecordFormat.Draft draft = expireAt == KEEP_EXPIRY ? null : RecordFormat.draftPut(k, value, expireAt);
        if (!lock(mayWait)) {
            return null;
        }
        long seq;
        byte[] previous;
        try {
            ensureWritable();
            Location found = live(keydir.get(k));
            boolean sizeMatches = expected != null && found != null
                    && found.valueBytes(k.length) == expected.length;
            boolean read = found != null && (readPrevious || sizeMatches);
            if (read && !mayWait && found.size() > maxReadBytes) {
                return null;
            }
            byte[] current = read ? readLocked(k, found) : null;
            previous = readPrevious ? current : null;
            boolean holds = expected != null ? sizeMatches && Arrays.equals(current, expected)
                    : condition == Condition.ALWAYS || (condition == Condition.IF_ABSENT) == (found == null);
            if (!holds) {
                return CompletableFuture.completedFuture(new Outcome(false, previous));
            }
            long expiry = expireAt;
            if (draft == null) {
                expiry = found == null ? NO_EXPIRY : found.expireAt();
                draft = RecordFormat.draftPut(k, value, expiry);
            }
            seq = appendUpdateLocked(k, draft, expiry, mayWait);
            if (seq < 0) {
                return null;
            }
        } finally {
            writeLock.unlock();
        }
        Outcome outcome = new Outcome(true, previous);
        return syncer.whenDurable(seq).thenApply(v -> outcome);
    }

    /**
     * Adds {@code by} to the integer that is {@code key}'s value ({@link DecimalInteger}; a
     * missing key counts as 0) and stores the sum in the same form: read, added and written under
     * one hold of the write lock, so that no other writer's update comes between and none is
     * lost. The future completes, with the sum, once the write is durable as the sync policy
     * promises. A value that cannot be an integer by its size alone is not read; one that can is
     * at most {@value DecimalInteger#MAX_BYTES} bytes, so an event loop may read it. Unless
     * {@code mayWait}, returns {@code null}, having done nothing, when the write would wait for a
     * seal.
     *
     * @throws NotAnIntegerException if the value is not such an integer, or the sum overflows;
     *     nothing is written
     */
    public CompletableFuture<Long> incrAsync(byte[] key, long by, boolean mayWait) throws IOException {
        checkKey(key);
        byte[] k = key.clone();
        if (!lock(mayWait)) {
            return null;
        }
        long seq;
        long sum;
        try {
            ensureWritable();
            Location found = live(keydir.get(k));
            long current = 0;
            if (found != null) {
                long valueBytes = found.valueBytes(k.length);
                if (valueBytes < 1 || valueBytes > DecimalInteger.MAX_BYTES) {
                    throw NotAnIntegerException.notAnInteger();
                }
                current = DecimalInteger.parse(readLocked(k, found));
            }
            try {
                sum = Math.addExact(current, by);
            } catch (ArithmeticException e) {
                throw NotAnIntegerException.overflow();
            }
            long expiry = found == null ? NO_EXPIRY : found.expireAt(); // as Redis's INCR, keeps it
            RecordFormat.Draft draft = RecordFormat.draftPut(k, ByteBuffer.wrap(DecimalInteger.format(sum)), expiry);
            seq = appendUpdateLocked(k, draft, expiry, mayWait);
            if (seq < 0) {
                return null;
            }
        } finally {
            writeLock.unlock();
        }
        long result = sum;
        return syncer.whenDurable(seq).thenApply(v -> result);
    }

    /**
     * The write of a read-modify-write, once its check has passed: refuses a new key past the
     * keydir budget, declines (returns -1, writing nothing) for a caller that may not wait when
     * the append would seal, else appends the put and returns its sequence number.
     */
    private long appendUpdateLocked(byte[] key, RecordFormat.Draft draft, long expireAt, boolean mayWait)
            throws IOException {
        long budget = options.maxKeydirBytes();
        if (keydir.get(key) == null && keydir.heapBytesWithNewKey(key.length) > budget) {
            throw new KeydirFullException(budget, keydir.heapBytes(), keydir.size());
        }
        if (!mayWait && wouldSealLocked(draft.size())) {
            return -1;
        }
        return appendPutLocked(key, draft, expireAt);
    }

    /**
     * Removes {@code key} and returns the value it had ({@code null}, writing nothing, if the store
     * did not hold it), read and removed under one hold of the write lock (Redis's
     * {@code GETDEL}). Unless {@code mayWait}, returns {@code null} as {@link #setIfAsync} does.
     */
    public CompletableFuture<byte[]> removeAndGetAsync(byte[] key, boolean mayWait, int maxReadBytes)
            throws IOException {
        checkKey(key);
        RecordFormat.Draft draft = RecordFormat.draft(RecordFormat.TYPE_TOMBSTONE, key, EMPTY);
        if (!lock(mayWait)) {
            return null;
        }
        long seq;
        byte[] previous;
        try {
            ensureWritable();
            Location found = live(keydir.get(key));
            if (found == null) {
                return CompletableFuture.completedFuture(null);
            }
            if (!mayWait && (found.size() > maxReadBytes || wouldSealLocked(draft.size()))) {
                return null;
            }
            previous = readLocked(key, found);
            seq = appendTombstoneLocked(key, draft);
        } finally {
            writeLock.unlock();
        }
        return syncer.whenDurable(seq).thenApply(v -> previous);
    }

    /**
     * Makes {@code key} expire at {@code expireAt} (ms since the epoch, by the store's clock): its
     * value is written again with that time (Redis's {@code PEXPIREAT}). A time already past
     * removes the key (a tombstone). Checked and written under one hold of the write lock.
     * Completes with {@code true} once durable as the sync policy promises, or with {@code false}
     * at once, writing nothing, if the store does not hold the key. Unless {@code mayWait},
     * returns {@code null}, having done nothing, when the write would wait for a seal or the value
     * is over {@code maxReadBytes}.
     */
    public CompletableFuture<Boolean> expireAsync(byte[] key, long expireAt, boolean mayWait, int maxReadBytes)
            throws IOException {
        if (expireAt <= 0) {
            throw new IllegalArgumentException("an expiry time is after the epoch, not " + expireAt);
        }
        return rewriteExpiry(key, expireAt, mayWait, maxReadBytes);
    }

    /**
     * Makes {@code key} expire never again (Redis's {@code PERSIST}): completes with {@code true}
     * once its value is written again without an expiry, durable as the sync policy promises; with
     * {@code false} at once, writing nothing, if the store does not hold it or it has no expiry.
     * Returns {@code null} as {@link #expireAsync} does.
     */
    public CompletableFuture<Boolean> persistAsync(byte[] key, boolean mayWait, int maxReadBytes) throws IOException {
        return rewriteExpiry(key, NO_EXPIRY, mayWait, maxReadBytes);
    }

    private CompletableFuture<Boolean> rewriteExpiry(byte[] key, long expireAt, boolean mayWait, int maxReadBytes)
            throws IOException {
        checkKey(key);
        byte[] k = key.clone();
        if (!lock(mayWait)) {
            return null;
        }
        long seq;
        try {
            ensureWritable();
            Location found = live(keydir.get(k));
            if (found == null || (expireAt == NO_EXPIRY && found.expireAt() == NO_EXPIRY)) {
                return CompletableFuture.completedFuture(false);
            }
            if (!mayWait && found.size() > maxReadBytes) {
                return null;
            }
            if (expireAt != NO_EXPIRY && expireAt <= now()) {
                RecordFormat.Draft tombstone = RecordFormat.draft(RecordFormat.TYPE_TOMBSTONE, k, EMPTY);
                if (!mayWait && wouldSealLocked(tombstone.size())) {
                    return null;
                }
                seq = appendTombstoneLocked(k, tombstone);
            } else {
                RecordFormat.Draft draft = RecordFormat.draftPut(k, ByteBuffer.wrap(readLocked(k, found)), expireAt);
                if (!mayWait && wouldSealLocked(draft.size())) {
                    return null;
                }
                seq = appendPutLocked(k, draft, expireAt);
            }
        } finally {
            writeLock.unlock();
        }
        return syncer.whenDurable(seq).thenApply(v -> true);
    }

    /**
     * The time left before {@code key} expires, in ms, as Redis's {@code PTTL}: -2 if the store
     * does not hold it, -1 if it has no expiry, else 0 or more. Reads no value.
     */
    public long pttl(byte[] key) {
        long at = expireTime(key);
        return at < 0 ? at : Math.max(0, at - now());
    }

    /**
     * When {@code key} expires, in ms since the epoch, as Redis's {@code PEXPIRETIME}: -2 if the
     * store does not hold it, -1 if it has no expiry. Reads no value.
     */
    public long expireTime(byte[] key) {
        checkKey(key);
        Location loc = live(keydir.get(key));
        return loc == null ? -2 : loc.expireAt() == NO_EXPIRY ? -1 : loc.expireAt();
    }

    /** The store's clock, in ms since the epoch: what expiry times are compared with. */
    public long now() {
        return options.clock().millis();
    }

    /** {@code loc}, or {@code null} if it is {@code null} or its key has expired. */
    private Location live(Location loc) {
        return loc == null || !loc.expiredAt(now()) ? loc : null;
    }

    private static void checkExpiry(long expireAt) {
        if (expireAt < KEEP_EXPIRY) {
            throw new IllegalArgumentException("an expiry time is after the epoch, NO_EXPIRY or KEEP_EXPIRY, not "
                    + expireAt);
        }
    }

    /**
     * Queues a sweep of expired keys if some key has an expiry, none is queued, and the last was
     * queued a second or more ago. Called under {@link #writeLock}, or before the store is shared.
     */
    private void maybeSweepLocked() {
        if (closed || keydir.keysWithExpiry() == 0) {
            return; // before reading the time: a store without expiry pays nothing a write
        }
        long t = System.nanoTime();
        if (t - lastSweepNanos < 1_000_000_000L || !sweepQueued.compareAndSet(false, true)) {
            return;
        }
        lastSweepNanos = t;
        maintenance.execute(() -> {
            sweepQueued.set(false);
            try {
                sweepExpired();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "{0}: dropping expired keys failed ({1}); they stay hidden, and"
                        + " are tried again later", dir, e.toString());
            }
        });
    }

    private void maybeSweep() {
        writeLock.lock();
        try {
            maybeSweepLocked();
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Drops the keys expired by now from the keydir, so that their records count as dead bytes,
     * which compaction reclaims. No tombstone is written: the expired record is the key's latest,
     * and opening finds it expired again. Runs on the maintenance thread (and before each
     * compaction), {@value #SWEEP_BATCH} keys a hold of the write lock. Returns the keys dropped.
     */
    long sweepExpired() {
        long dropped = 0;
        for (int round = 0; round < 1_000_000; round++) {
            List<Keydir.Expired> expired = keydir.expired(now(), SWEEP_BATCH);
            if (expired.isEmpty() || closed) {
                break;
            }
            writeLock.lock();
            try {
                for (Keydir.Expired e : expired) {
                    Location loc = e.location();
                    if (keydir.removeIfAt(e.key(), loc.segment(), loc.offset())) {
                        addLive(loc, -loc.size());
                        dropped++;
                    }
                }
            } finally {
                writeLock.unlock();
            }
            if (expired.size() < SWEEP_BATCH) {
                break;
            }
        }
        expiredKeys.addAndGet(dropped);
        return dropped;
    }

    /**
     * {@link #read} under the write lock, where only compaction can move the key's record: if it
     * did, the keydir already names the new place.
     */
    private byte[] readLocked(byte[] key, Location loc) throws IOException {
        for (int attempt = 0; ; attempt++) {
            byte[] value = read(key, loc);
            if (value != null) {
                return value;
            }
            if (attempt > 1000) {
                throw new IOException("key's record keeps moving; giving up after 1000 lookups");
            }
            loc = keydir.get(key);
        }
    }

    /**
     * Removes {@code key}, durably as the sync policy promises.
     *
     * @return whether the store held the key; if not, nothing is written
     */
    public boolean remove(byte[] key) throws IOException {
        return await(removeAsync(key));
    }

    /**
     * Removes {@code key} without waiting for an fsync: when this returns the tombstone is in the
     * file; the future completes, with whether the store held the key, when it is durable.
     */
    public CompletableFuture<Boolean> removeAsync(byte[] key) throws IOException {
        return delete(key, true);
    }

    /**
     * {@link #removeAsync} for a thread that must not wait on the disk: {@code null}, having
     * written nothing, when the tombstone would have to wait for a seal (see {@link #trySetAsync}).
     */
    public CompletableFuture<Boolean> tryRemoveAsync(byte[] key) throws IOException {
        return delete(key, false);
    }

    private CompletableFuture<Boolean> delete(byte[] key, boolean mayWait) throws IOException {
        checkKey(key);
        RecordFormat.Draft draft = RecordFormat.draft(RecordFormat.TYPE_TOMBSTONE, key, EMPTY);
        if (!lock(mayWait)) {
            return null;
        }
        long seq;
        try {
            ensureWritable();
            if (live(keydir.get(key)) == null) {
                return CompletableFuture.completedFuture(false);
            }
            if (!mayWait && wouldSealLocked(draft.size())) {
                return null;
            }
            seq = appendTombstoneLocked(key, draft);
        } finally {
            writeLock.unlock();
        }
        return syncer.whenDurable(seq).thenApply(v -> true);
    }

    /** Appends a drafted tombstone and drops the key from the keydir; returns its sequence number. */
    private long appendTombstoneLocked(byte[] key, RecordFormat.Draft draft) throws IOException {
        long seq = nextSeq;
        appendLocked(draft.finish(seq));
        nextSeq = seq + 1;
        lastSeq = seq;
        Location old = keydir.remove(key);
        addLive(old, -old.size());
        afterWriteLocked();
        return seq;
    }

    /** Accounts live bytes to a file, unless compaction retired it meanwhile (it is gone). */
    private void addLive(Location loc, long bytes) {
        Segment s = segments.get(loc.segment());
        if (s != null) {
            s.addLive(bytes);
        }
    }

    /** Waits for a write's durability; its failure becomes an IOException. */
    private static <T> T await(CompletableFuture<T> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while waiting for an fsync");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            if (c instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException(c);
        }
    }

    /**
     * Compacts now: seals the active file if it holds anything, then rewrites every sealed file's
     * live records and deletes the old files. Waits until done. Reads and writes go on meanwhile.
     */
    public void compact() throws IOException {
        await(compactAsync());
    }

    /** {@link #compact} without waiting: the future completes when the compaction has finished. */
    public CompletableFuture<Void> compactAsync() {
        return onMaintenance(() -> {
            sealIfWritten();
            if (!compactor.run()) {
                throw new StoreClosedException(); // abandoned: the store is closing
            }
        });
    }

    /**
     * Copies the store into {@code target}, a directory that must not exist yet (its parent must),
     * while reads and writes go on: the copy opens as a store holding every write acknowledged
     * before the backup began, and possibly some after (those before the snapshot below, each
     * whole). Completes when the copy is written and fsynced.
     *
     * <p>How: under the write lock, the active file is sealed (a file with records is never
     * written again once sealed), and the files and the new active file's length are noted. Then,
     * on the maintenance thread, where no compaction can delete a file meanwhile, pending hints are
     * written, and every sealed data file with its hint is hard-linked into the copy (copied where
     * a link cannot be made: another file system). A data file without a hint is copied, never
     * linked: opening the copy might take it as its active file and append to it, and so to the
     * store's own file. Of the active file, only the noted length is copied (records appended
     * since are not part of the backup). The copy is built in {@code .NAME.partial} beside the
     * target, fsynced, and renamed to {@code target}: a backup cut short by a crash is never
     * mistaken for a whole one (the next backup of that name removes the leftover). A read-only
     * store (a failed fsync) is backed up too: its active file cannot be sealed, and is copied.
     */
    public CompletableFuture<Void> backupAsync(Path target) {
        return onMaintenance(() -> {
            BackupSnapshot snapshot = backupSnapshot();
            for (Segment s : List.copyOf(hintsPending)) {
                writeHint(s);
            }
            copyInto(snapshot, target);
        });
    }

    /** What a backup copies: the sealed files, and the first {@code activeBytes} of the active one. */
    private record BackupSnapshot(List<Segment> sealed, Segment active, long activeBytes) {
    }

    private BackupSnapshot backupSnapshot() throws IOException {
        writeLock.lock();
        try {
            ensureOpen();
            if (active.size() > RecordFormat.FILE_HEADER_BYTES && readOnly == null) {
                sealLocked();
            }
            Segment a = active;
            List<Segment> sealed = new ArrayList<>();
            for (Segment s : segments.values()) {
                if (s != a) {
                    sealed.add(s);
                }
            }
            return new BackupSnapshot(sealed, a, a.size());
        } finally {
            writeLock.unlock();
        }
    }

    /** Work for the maintenance thread, which runs one task at a time (compactions, hints). */
    private interface MaintenanceTask {
        void run() throws IOException;
    }

    /** Runs {@code task} on the maintenance thread; the future completes when it has. */
    private CompletableFuture<Void> onMaintenance(MaintenanceTask task) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            ensureOpen();
            maintenance.execute(() -> {
                try {
                    task.run();
                    done.complete(null);
                } catch (Throwable t) {
                    done.completeExceptionally(t);
                }
            });
        } catch (StoreClosedException | java.util.concurrent.RejectedExecutionException e) {
            done.completeExceptionally(new StoreClosedException());
        }
        return done;
    }

    /** Seals the active file if it holds records; a read-only store fails. */
    private void sealIfWritten() throws IOException {
        writeLock.lock();
        try {
            ensureWritable();
            if (active.size() > RecordFormat.FILE_HEADER_BYTES) {
                sealLocked();
            }
        } finally {
            writeLock.unlock();
        }
    }

    /** {@link #backupAsync}, waiting for it. */
    public void backup(Path target) throws IOException {
        await(backupAsync(target));
    }

    /**
     * Makes {@code dir}, a store directory not open, hold the store that {@code backup} (made by
     * {@link #backup}) holds: the data and hint files {@code dir} had are deleted (other files and
     * folders stay), and the backup's are hard-linked in (copied across file systems), except its
     * newest data file, which is copied: opening the store may append to it, and a linked file
     * would carry those appends into the backup. Then fsynced. The backup is left as it was.
     */
    public static void restoreBackup(Path backup, Path dir) throws IOException {
        Files.createDirectories(dir);
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String name = f.getFileName().toString();
                if (SegmentNames.parseDataId(name).isPresent() || SegmentNames.parseHintId(name).isPresent()) {
                    Files.delete(f);
                }
            }
        }
        int newest = -1;
        List<Path> from = new ArrayList<>();
        try (var files = Files.list(backup)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String name = f.getFileName().toString();
                var data = SegmentNames.parseDataId(name);
                if (data.isPresent() || SegmentNames.parseHintId(name).isPresent()) {
                    from.add(f);
                    newest = Math.max(newest, data.orElse(-1));
                }
            }
        }
        Path copied = SegmentNames.dataFile(backup, newest);
        for (Path f : from) {
            Path to = dir.resolve(f.getFileName().toString());
            if (f.equals(copied)) {
                Files.copy(f, to);
                FileSync.fsync(StorageIo.real(), to);
            } else {
                linkOrCopy(f, to);
            }
        }
        FileSync.directory(dir);
    }

    /** The backup's copying, on the maintenance thread. */
    private void copyInto(BackupSnapshot snapshot, Path target) throws IOException {
        if (Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new java.nio.file.FileAlreadyExistsException(target.toString(), null,
                    "a backup never mixes with other files: give a new directory");
        }
        Path partial = target.resolveSibling("." + target.getFileName() + ".partial");
        deleteFlatDirectory(partial); // left by a backup a crash cut short
        Files.createDirectory(partial);
        try {
            for (Segment s : snapshot.sealed()) {
                ensureOpen(); // a closing store abandons the backup
                Path to = partial.resolve(s.path().getFileName());
                Path hint = SegmentNames.hintFile(dir, s.id);
                if (Files.exists(hint)) {
                    linkOrCopy(s.path(), to);
                    linkOrCopy(hint, partial.resolve(hint.getFileName()));
                } else {
                    Files.copy(s.path(), to);
                }
            }
            if (snapshot.activeBytes() > RecordFormat.FILE_HEADER_BYTES) {
                copyPrefix(snapshot.active().path(), partial.resolve(snapshot.active().path().getFileName()),
                        snapshot.activeBytes());
            }
            try (var files = Files.list(partial)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    FileSync.fsync(options.io(), f); // the copies; links share fsynced inodes
                }
            }
            FileSync.directory(options.io(), partial);
            Files.move(partial, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            FileSync.directory(options.io(), target.toAbsolutePath().getParent());
        } catch (IOException | RuntimeException e) {
            try {
                deleteFlatDirectory(partial);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    /** Copies the first {@code bytes} of {@code from}, a file still being appended to, to {@code to}. */
    private static void copyPrefix(Path from, Path to, long bytes) throws IOException {
        try (FileChannel in = FileChannel.open(from, StandardOpenOption.READ);
                FileChannel out = FileChannel.open(to, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            long done = 0;
            while (done < bytes) {
                long n = in.transferTo(done, bytes - done, out);
                if (n <= 0) {
                    throw new IOException(from + " is shorter than the " + bytes + " bytes written to it");
                }
                done += n;
            }
        }
    }

    /** Deletes a directory of plain files, if it exists. */
    private static void deleteFlatDirectory(Path d) throws IOException {
        if (!Files.isDirectory(d, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (var files = Files.list(d)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.delete(f);
            }
        }
        Files.delete(d);
    }

    private static void linkOrCopy(Path from, Path to) throws IOException {
        try {
            Files.createLink(to, from);
        } catch (UnsupportedOperationException | java.nio.file.FileSystemException e) {
            Files.copy(from, to, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        }
    }

    /**
     * How many keys the store holds: O(1) and no lock, unless keys have expiry times; then the
     * expired ones still in the keydir are counted out (a pass over those times).
     */
    public int size() {
        return keydir.size() - keydir.expiredCount(now());
    }

    /** How many of {@code keys} the store holds (a key given twice counts twice); reads no value. */
    public int exists(List<byte[]> keys) {
        int n = 0;
        for (byte[] key : keys) {
            n += live(keydir.get(key)) != null ? 1 : 0;
        }
        return n;
    }

    /**
     * One page of a scan over the keys that start with {@code prefix} (empty: all keys): at most
     * {@code limit} keys, in no particular order, and the cursor for the next page (0 when done).
     * Start with cursor 0. A key held from the scan's first page to its last is returned exactly
     * once; keys set or removed meanwhile may be returned or not. A page holds the keydir's read
     * lock for a bounded number of entries, so writers wait little, and may hold fewer keys than
     * {@code limit}, even none, before the end. The prefix is a filter over a pass of every key.
     * Details in {@link KeyScan}.
     *
     * @throws IllegalArgumentException for a cursor this run of the store did not give, or a
     *     limit under 1
     */
    public ScanPage scan(long cursor, byte[] prefix, int limit) {
        return scans.page(cursor, prefix, limit, now());
    }

    /**
     * The store's figures. Takes no lock and waits for nothing (no disk, no writer, no
     * compaction), so that a stats request is answered at once even while maintenance runs.
     */
    public StoreStats stats() {
        long live = 0;
        long total = 0;
        int count = 0;
        for (Segment s : segments.values()) {
            live += s.live();
            total += s.size();
            count++;
        }
        return new StoreStats(size(), count, live, total, compactions.get(), lastCompactionMillis,
                syncer.fsyncs(), damagedReads.get(), compactor.damagedFiles(), readOnly != null,
                keydir.keysWithExpiry(), expiredKeys.get());
    }

    public Path directory() {
        return dir;
    }

    public StoreOptions options() {
        return options;
    }

    /**
     * Stops maintenance (a compaction in progress is abandoned and its files deleted), seals the
     * active file, closes every file and releases the directory. Idempotent.
     */
    @Override
    public void close() throws IOException {
        writeLock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
        } finally {
            writeLock.unlock();
        }
        maintenance.shutdown();
        try {
            if (!maintenance.awaitTermination(60, TimeUnit.SECONDS)) {
                LOG.log(Level.WARNING, "{0}: maintenance still running after 60 s; closing anyway", dir);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        syncer.stop();
        IOException failure = null;
        writeLock.lock();
        try {
            try {
                active.cutDirtyTail();
            } catch (IOException e) {
                LOG.log(Level.WARNING, "{0}: could not cut off the part of a failed write ({1}); the"
                        + " next start cuts it off as a torn tail", active.path(), e.getMessage());
            }
            active.force();
            // A hint is an optimisation: one that cannot be written (a full disk) is a warning,
            // and opening reads the data file instead. None after a failed fsync: the file's
            // pages in memory may not be what is on disk; opening checks every record.
            if (active.size() > RecordFormat.FILE_HEADER_BYTES && readOnly == null) {
                hintsPending.add(active);
            }
            for (Segment s : List.copyOf(hintsPending)) {
                writeHint(s);
            }
        } catch (IOException e) {
            failure = e;
        } finally {
            writeLock.unlock();
        }
        for (Segment s : segments.values()) {
            failure = closeCollecting(s, failure);
        }
        failure = closeCollecting(dirLock, failure);
        if (failure != null) {
            throw failure;
        }
    }

    // ---- for the writer and Compactor ----

    /**
     * Takes the write lock; unless {@code mayWait}, gives up (false) as soon as a seal is seen in
     * progress rather than wait through its fsync. A seal sets {@link #sealing} moments after its
     * writer takes the lock, before anything that blocks, so a caller that checked the flag
     * before locking could still wait for the whole fsync: this one checks again while it waits.
     */
    private boolean lock(boolean mayWait) {
        if (mayWait) {
            writeLock.lock();
            return true;
        }
        while (true) {
            if (sealing) {
                return false;
            }
            try {
                if (writeLock.tryLock(50, TimeUnit.MICROSECONDS)) {
                    return true;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                writeLock.lock();
                return true;
            }
        }
    }

    /** Whether appending a record of {@code size} bytes would seal the active file first. */
    private boolean wouldSealLocked(int size) {
        return active.size() > RecordFormat.FILE_HEADER_BYTES
                && active.size() + size > options.maxSegmentBytes();
    }

    /** Appends a record, sealing the active file first if the record would overfill it. */
    private Segment appendLocked(ByteBuffer record) throws IOException {
        if (wouldSealLocked(record.remaining())) {
            sealLocked();
        }
        active.append(record);
        return active;
    }

    /** Seals the active file (fsync; its hint is written in the background) and starts a new one. */
    private void sealLocked() throws IOException {
        sealing = true;
        try {
            sealNowLocked();
        } finally {
            sealing = false;
        }
    }

    private void sealNowLocked() throws IOException {
        Segment sealed = active;
        sealed.cutDirtyTail();
        try {
            sealed.force();
        } catch (IOException e) {
            throw fsyncFailedLocked(sealed.path(), e);
        }
        syncer.counted();
        if (nextId > SegmentNames.MAX_ID) {
            throw new IOException("data file ids exhausted in " + dir);
        }
        int id = nextId;
        Path path = SegmentNames.dataFile(dir, id);
        Segment next;
        try {
            next = Segment.create(options.io(), path, id, RecordFormat.KIND_LOG);
        } catch (IOException e) {
            if (Files.exists(path)) {
                nextId = id + 1; // the failed creation could not be undone: never reuse its name
            }
            throw e; // the active file stays as it was, and is sealed by a later write
        }
        nextId = id + 1;
        segments.put(next.id, next);
        active = next;
        sealed.sealed();
        try {
            FileSync.directory(options.io(), dir);
        } catch (IOException e) {
            throw fsyncFailedLocked(dir, e);
        }
        hintsPending.add(sealed);
        for (Segment s : List.copyOf(hintsPending)) {
            maintenance.execute(() -> writeHint(s));
        }
        maybeScheduleCompactionLocked();
    }

    private void afterWriteLocked() {
        if (++writesSinceCheck >= COMPACTION_CHECK_INTERVAL) {
            writesSinceCheck = 0;
            maybeScheduleCompactionLocked();
        }
        maybeSweepLocked(); // each write: "about once a second while there are writes", at any rate
    }

    private int allocateIdLocked() throws IOException {
        if (nextId > SegmentNames.MAX_ID) {
            throw new IOException("data file ids exhausted in " + dir);
        }
        return nextId++;
    }

    /** A new data file id, for compaction's outputs. */
    int allocateId() throws IOException {
        writeLock.lock();
        try {
            return allocateIdLocked();
        } finally {
            writeLock.unlock();
        }
    }

    /** The sealed data files, oldest id first. */
    List<Segment> sealedSegments() {
        Segment a = active;
        List<Segment> sealed = new ArrayList<>();
        for (Segment s : segments.values()) {
            if (s != a) {
                sealed.add(s);
            }
        }
        sealed.sort(Comparator.comparingInt(s -> s.id));
        return sealed;
    }

    Compactor compactorForTest() {
        return compactor;
    }

    /** Waits until the maintenance work queued so far (hints, compactions) is done: for tests. */
    void awaitMaintenanceForTest() throws Exception {
        maintenance.submit(() -> { }).get(60, TimeUnit.SECONDS);
    }

    boolean isClosed() {
        return closed;
    }

    void compactionFinished() {
        compactions.incrementAndGet();
        lastCompactionMillis = System.currentTimeMillis();
    }

    private void maybeScheduleCompaction() {
        writeLock.lock();
        try {
            maybeScheduleCompactionLocked();
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Queues a compaction if it is due ({@link #compactionDue}) and not backing off after a failure.
     * The queued task checks again when it starts: a compaction finished meanwhile (an on-demand
     * one, say) may have made it needless.
     */
    private void maybeScheduleCompactionLocked() {
        if (closed || readOnly != null || compactionQueued.get() || !compactionBackoff.ready()
                || compactionDue() == null) {
            return;
        }
        if (compactionQueued.compareAndSet(false, true)) {
            maintenance.execute(() -> {
                compactionQueued.set(false);
                String due = compactionDue();
                if (closed || readOnly != null || due == null) {
                    return;
                }
                LOG.log(Level.INFO, "{0}: compacting: {1}", dir, due);
                try {
                    compactor.run();
                    compactionBackoff.succeeded();
                } catch (IOException | RuntimeException e) {
                    long delay = compactionBackoff.failed();
                    LOG.log(Level.WARNING, "{0}: compaction failed ({1}); the store goes on without it,"
                            + " and tries again no sooner than in {2} s", dir, e.toString(), delay / 1000);
                }
            });
        }
    }

    /**
     * Whether the dead bytes of the sealed files compaction takes (not the damaged ones it leaves
     * out) have reached both thresholds: a description of them if so, else {@code null}.
     */
    private String compactionDue() {
        long total = 0;
        long live = 0;
        Segment a = active;
        for (Segment s : segments.values()) {
            if (s != a && !compactor.leftOut(s.id)) {
                total += s.size();
                live += s.live();
            }
        }
        long dead = total - live;
        return dead >= options.compactMinBytes() && dead >= options.compactRatio() * total && dead > 0
                ? dead + " of " + total + " bytes in sealed files are dead" : null;
    }

    /** Completes once the maintenance tasks queued before it have run: for tests. */
    CompletableFuture<Void> maintenanceDrained() {
        return CompletableFuture.runAsync(() -> { }, maintenance);
    }

    /**
     * Writes a sealed file's hint, if it is still pending. Runs on the maintenance thread, and in
     * close() once that has stopped. A failure is a warning: the hint is tried again at the next
     * seal and at close, and until then opening reads the data file instead.
     */
    private void writeHint(Segment s) {
        if (!hintsPending.remove(s) || segments.get(s.id) != s) {
            return; // compacted away meanwhile, or written already
        }
        try {
            if (HintFile.writeFor(s, dir, options.io())) {
                FileSync.directory(options.io(), dir);
            }
        } catch (IOException e) {
            hintsPending.add(s);
            LOG.log(Level.WARNING, "{0}: could not write hint file ({1}); it is tried again at the"
                    + " next seal or stop; until then, opening reads the data file instead", s.path(),
                    e.getMessage());
        }
    }

    private void ensureOpen() throws StoreClosedException {
        if (closed) {
            throw new StoreClosedException();
        }
    }

    /** For writers, under {@link #writeLock}: open, and no fsync has failed. */
    private void ensureWritable() throws IOException {
        ensureOpen();
        ReadOnly r = readOnly;
        if (r != null) {
            throw r.exception();
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
}
