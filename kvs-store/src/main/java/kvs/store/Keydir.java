package kvs.store;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.StampedLock;

/**
 * The keydir: for every live key, where its latest record lies (data file, offset, size).
 *
 * <h2>Layout</h2>
 * Built for memory, since every key of the store is here. An open-addressing index of
 * {@code int}s (linear probing, at most 3/4 full) points into entries stored column-wise in
 * fixed-size pages: the key's own {@code byte[]}, and four {@code int}s (hash, data file id,
 * offset, record size). Pages never move once allocated, so growing costs no copying of entries;
 * only the index is rebuilt, from the stored hashes. Freed entries are reused. With 16-byte keys
 * this costs about 50 bytes a key beyond the key's bytes (docs/BENCHMARKS.md), where a
 * {@code ConcurrentHashMap} of boxed entries costs over 120.
 *
 * <h2>Growing without a stop</h2>
 * When the index reaches its load factor, a table twice its size is allocated and the old one is
 * kept beside it; every later write moves the next {@value #MIGRATE_STEP} slots of the old table
 * into the new one, so no write waits for a whole rebuild (that wait grew with the key count:
 * about 200 ms at 6.3 million keys, docs/BENCHMARKS.md). Meanwhile a key is in exactly one of the two tables: new keys go into the
 * new one, a lookup tries the new table and then the old. Both hold entry numbers only, so a key
 * overwritten in place is seen the same through either. The old table never loses a slot during
 * the move: moved and removed slots become {@link #GONE}, which probes pass over, where
 * backward-shift deletion could pull a slot not yet moved behind the cursor and lose it. The move
 * ends within {@code old.length / MIGRATE_STEP} writes, before the new table can fill (a write adds
 * at most one key while moving {@value #MIGRATE_STEP} slots). Only the put that starts a resize
 * pays for allocating the new table, and it does so before taking the lock.
 *
 * <h2>Its own size</h2>
 * {@link #heapBytes} is an honest estimate of the heap the keydir holds: the index (both tables
 * while growing), the pages and their tables, the free list, and each key's {@code byte[]} with
 * its header and padding. It assumes a 64-bit JVM with compressed references (16-byte array
 * headers, 4-byte references, 8-byte alignment: the default below 32 GiB of heap); with larger
 * heaps the page tables of keys cost 4 bytes a key more than it says. The store's keydir budget
 * ({@link StoreOptions#maxKeydirBytes}) is checked against it.
 *
 * <h2>Expiry</h2>
 * An entry whose record expires has its time in an {@link ExpiryTable} beside the columns, keyed
 * by entry number: a key without an expiry costs nothing more for the feature. The keydir only
 * keeps the times; hiding expired keys, and dropping them ({@link #removeIfAt}), is the store's.
 *
 * <h2>Loading</h2>
 * While a store opens, {@link #putIfNewer} keeps each key's record with the highest sequence
 * number, tombstones included, in an extra column; {@link #finishLoad} then drops the tombstones
 * and the column.
 *
 * <h2>Threads</h2>
 * Lookups are lock-free in the common case: an optimistic read of a {@link StampedLock},
 * validated, and retried under the read lock if a writer intervened. Every change takes the write
 * lock. The store serializes its writers; compaction's {@link #replaceIfAt} is the other writer.
 * A scan ({@link #scan}) holds the read lock for one bounded page of entries at a time.
 */
final class Keydir {

    private static final int PAGE_SHIFT = 12;
    private static final int PAGE_SIZE = 1 << PAGE_SHIFT;
    private static final int PAGE_MASK = PAGE_SIZE - 1;
    private static final int HASH = 0;
    private static final int SEGMENT = 1;
    private static final int OFFSET = 2;
    private static final int SIZE = 3;
    private static final int FIELDS = 4;
    /** The size of a tombstone's entry while loading. */
    private static final int TOMBSTONE = -1;

    /** Old-table slots moved per write while the index grows. */
    static final int MIGRATE_STEP = 32;
    /** In the old table while the index grows: a slot moved or removed; probes go past it. */
    private static final int GONE = -1;

    private final StampedLock lock = new StampedLock();
    /** Expiry times of the entries that have one. */
    private final ExpiryTable expiries = new ExpiryTable();
    /** Slot → entry + 1; 0 is an empty slot. New keys go here. */
    private int[] index;
    /** While the index grows, the previous table, being moved into {@link #index}; else null. */
    private int[] old;
    /** Slots of {@link #old} below this have been moved. */
    private int moved;
    private byte[][][] keys = new byte[1][][];
    private int[][] meta = new int[1][];
    /** Sequence numbers, while loading only. */
    private long[][] seqs;
    /** Entries ever allocated (the high-water mark). */
    private int allocated;
    /**
     * Entries in the index (live keys, and tombstones while loading). Written under the write
     * lock; volatile so that {@link #size} reads it without any lock.
     */
    private volatile int count;
    /** Tombstones in the index, while loading only (one thread); written under the write lock. */
    private volatile int tombstones;
    private int[] free = new int[16];
    private int freeCount;
    /**
     * Heap held by the keys' own arrays, headers and padding included. Written under the write
     * lock; volatile so that {@link #heapBytes} reads it without any lock.
     */
    private volatile long keyArrayBytes;

    Keydir() {
        index = new int[1024];
    }

    /** A keydir being loaded: {@link #putIfNewer} until {@link #finishLoad}. */
    static Keydir forLoading() {
        Keydir k = new Keydir();
        k.seqs = new long[1][];
        return k;
    }

    /** Where {@code key}'s latest record lies, or {@code null}. */
    Location get(byte[] key) {
        int h = hash(key);
        long stamp = lock.tryOptimisticRead();
        if (stamp != 0) {
            try {
                int e = find(key, h);
                Location loc = e < 0 ? null : location(e);
                if (lock.validate(stamp)) {
                    return loc;
                }
            } catch (RuntimeException torn) {
                // A writer changed the arrays under us; validation fails, read again locked.
            }
        }
        stamp = lock.readLock();
        try {
            int e = find(key, h);
            return e < 0 ? null : location(e);
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /** Points {@code key} at a record; returns where it pointed before, or {@code null}. */
    Location put(byte[] key, int segment, int offset, int size) {
        return put(key, segment, offset, size, 0);
    }

    /**
     * Points {@code key} at a record that expires at {@code expireAt} (or never: 0); returns
     * where it pointed before, or {@code null}.
     */
    Location put(byte[] key, int segment, int offset, int size, long expireAt) {
        int h = hash(key);
        // A new index, if this put adds a key that starts a resize, is allocated before the lock:
        // zeroing 64 MiB takes milliseconds, and readers would wait them out. Made without the
        // lock, this is a guess that insert checks; the lookup keeps overwrites at the load
        // factor from allocating an index each.
        int[] next = (count + 1) * 4L > index.length * 3L && get(key) == null
                ? new int[index.length * 2] : null;
        long stamp = lock.writeLock();
        try {
            return putLocked(key, h, segment, offset, size, expireAt, next);
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    private Location putLocked(byte[] key, int h, int segment, int offset, int size, long expireAt, int[] next) {
        int e = find(key, h);
        Location before = null;
        if (e >= 0) {
            before = location(e);
            set(e, h, segment, offset, size);
            migrate(MIGRATE_STEP);
        } else {
            e = insert(key, h, segment, offset, size, next);
        }
        expiries.set(e, expireAt);
        return before;
    }

    /**
     * Applies a batch's records under one hold of the write lock, so that no reader sees some of
     * them and not others: {@code keys[i]} points at {@code (segment, offsets[i], sizes[i])},
     * expiring at {@code expireAts[i]}, or, where {@code offsets[i]} is negative, is removed.
     * Returns where each key pointed before (or {@code null}), in order.
     */
    Location[] applyBatch(byte[][] keys, int segment, int[] offsets, int[] sizes, long[] expireAts) {
        Location[] before = new Location[keys.length];
        long stamp = lock.writeLock();
        try {
            for (int i = 0; i < keys.length; i++) {
                before[i] = offsets[i] < 0 ? removeLocked(keys[i], hash(keys[i]))
                        : putLocked(keys[i], hash(keys[i]), segment, offsets[i], sizes[i], expireAts[i], null);
            }
        } finally {
            lock.unlockWrite(stamp);
        }
        return before;
    }

    /** Drops {@code key}; returns where it pointed, or {@code null} if absent. */
    Location remove(byte[] key) {
        int h = hash(key);
        long stamp = lock.writeLock();
        try {
            return removeLocked(key, h);
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /**
     * Drops {@code key} only if it still points at {@code (segment, offset)}: the removal of a key
     * found expired, which loses to any write that raced ahead of it. Returns whether it dropped it.
     */
    boolean removeIfAt(byte[] key, int segment, int offset) {
        int h = hash(key);
        long stamp = lock.writeLock();
        try {
            if (entryAt(key, h, segment, offset) < 0) {
                return false;
            }
            removeLocked(key, h);
            return true;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /** The entry of {@code key} if it points at {@code (segment, offset)}, else -1. */
    private int entryAt(byte[] key, int h, int segment, int offset) {
        int e = find(key, h);
        if (e < 0) {
            return -1;
        }
        int[] m = meta[e >>> PAGE_SHIFT];
        int at = (e & PAGE_MASK) * FIELDS;
        return m[at + SEGMENT] == segment && m[at + OFFSET] == offset ? e : -1;
    }

    private Location removeLocked(byte[] key, int h) {
        Location before;
        int slot = findSlot(index, key, h);
        if (slot >= 0) {
            before = location(index[slot] - 1);
            delete(slot);
        } else if (old != null && (slot = findSlot(old, key, h)) >= 0) {
            int e = old[slot] - 1;
            before = location(e);
            old[slot] = GONE;
            release(e);
        } else {
            return null;
        }
        migrate(MIGRATE_STEP);
        return before;
    }

    /**
     * Points {@code key} at a new place only if it still points at {@code (segment, offset)}:
     * compaction's move, which loses to any write that raced ahead of it.
     */
    boolean replaceIfAt(byte[] key, int segment, int offset, int newSegment, int newOffset, int newSize) {
        int h = hash(key);
        long stamp = lock.writeLock();
        try {
            int e = entryAt(key, h, segment, offset);
            if (e < 0) {
                return false;
            }
            int[] m = meta[e >>> PAGE_SHIFT];
            int at = (e & PAGE_MASK) * FIELDS;
            m[at + SEGMENT] = newSegment;
            m[at + OFFSET] = newOffset;
            m[at + SIZE] = newSize;
            return true;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /**
     * While loading: keeps this record for {@code key} if its {@code seq} is higher than any seen
     * so far for the key. Returns the location it displaced, or {@code null} (also when the record
     * lost, or when what it displaced was a tombstone).
     */
    LoadResult putIfNewer(byte[] key, int segment, int offset, int size, long seq, boolean tombstone,
            long expireAt) {
        int h = hash(key);
        int e = find(key, h);
        int newSize = tombstone ? TOMBSTONE : size;
        if (e < 0) {
            e = insert(key, h, segment, offset, newSize, null);
            seqs[e >>> PAGE_SHIFT][e & PAGE_MASK] = seq;
            tombstones += tombstone ? 1 : 0;
            expiries.set(e, expireAt);
            return LoadResult.KEPT;
        }
        long[] s = seqs[e >>> PAGE_SHIFT];
        if (s[e & PAGE_MASK] >= seq) {
            return LoadResult.LOST;
        }
        int[] m = meta[e >>> PAGE_SHIFT];
        int at = (e & PAGE_MASK) * FIELDS;
        LoadResult result = m[at + SIZE] == TOMBSTONE ? LoadResult.KEPT
                : new LoadResult(m[at + SEGMENT], m[at + SIZE]);
        tombstones += (tombstone ? 1 : 0) - (m[at + SIZE] == TOMBSTONE ? 1 : 0);
        set(e, h, segment, offset, newSize);
        s[e & PAGE_MASK] = seq;
        expiries.set(e, expireAt);
        return result;
    }

    /** What a record did while loading: kept (displacing a live record, or not) or lost. */
    record LoadResult(int displacedSegment, int displacedSize) {
        static final LoadResult KEPT = new LoadResult(-1, 0);
        static final LoadResult LOST = new LoadResult(-2, 0);

        boolean lost() {
            return this == LOST;
        }

        boolean displacedLive() {
            return displacedSegment >= 0;
        }
    }

    /** Ends loading: drops tombstones and sequence numbers. Returns the highest seq seen. */
    long finishLoad() {
        migrate(Integer.MAX_VALUE);
        long maxSeq = 0;
        for (int e = 0; e < allocated; e++) {
            long[] s = seqs[e >>> PAGE_SHIFT];
            maxSeq = Math.max(maxSeq, s[e & PAGE_MASK]);
        }
        if (tombstones > 0) {
            for (int e = 0; e < allocated; e++) {
                byte[] key = keys[e >>> PAGE_SHIFT][e & PAGE_MASK];
                if (key != null && meta[e >>> PAGE_SHIFT][(e & PAGE_MASK) * FIELDS + SIZE] == TOMBSTONE) {
                    delete(findSlot(index, key, meta[e >>> PAGE_SHIFT][(e & PAGE_MASK) * FIELDS + HASH]));
                }
            }
        }
        tombstones = 0;
        seqs = null;
        return maxSeq;
    }

    /**
     * Adds to {@code out} the keys of entries {@code from}, {@code from + 1}, ... that start with
     * {@code prefix}, until {@code maxKeys} keys or {@code maxKeyBytes} bytes of keys are taken or
     * {@code maxEntries} entries examined; returns the entry to go on from, or -1 past the last.
     *
     * <p>The position is an entry number, not an index slot: an entry keeps its key from insert to
     * removal (overwrites, compaction's moves and the index's growth change only where a key's
     * record lies or which slot points at the entry), so a key present from the first page to the
     * last is met exactly once, whatever the index did meanwhile. Keys inserted meanwhile may be
     * met or not: a new key may reuse a freed entry behind the position. Holds the read lock for
     * one call: writers wait at most for {@code maxEntries} entries.
     */
    int scan(int from, byte[] prefix, int maxKeys, long maxKeyBytes, int maxEntries, long now, List<byte[]> out) {
        long stamp = lock.readLock();
        try {
            int end = (int) Math.min(allocated, (long) from + maxEntries);
            long bytes = 0;
            int e = from;
            while (e < end && out.size() < maxKeys && bytes < maxKeyBytes) {
                byte[] key = keys[e >>> PAGE_SHIFT][e & PAGE_MASK];
                e++;
                if (key != null && startsWith(key, prefix) && !expiredAt(e - 1, now)) {
                    out.add(key.clone());
                    bytes += key.length;
                }
            }
            return e == allocated ? -1 : e;
        } finally {
            lock.unlockRead(stamp);
        }
    }

    private boolean expiredAt(int e, long now) {
        long expireAt = expiries.get(e);
        return expireAt != 0 && expireAt <= now;
    }

    /** Keys with an expiry time, expired or not. */
    int keysWithExpiry() {
        return expiries.size();
    }

    /** Keys whose expiry time is {@code now} or before: still here, but gone for every read. */
    int expiredCount(long now) {
        if (expiries.size() == 0) {
            return 0;
        }
        long stamp = lock.readLock();
        try {
            int[] n = {0};
            expiries.forEach((e, expireAt) -> n[0] += expireAt <= now ? 1 : 0);
            return n[0];
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /** A key found expired, and where its record lies. */
    record Expired(byte[] key, Location location) {
    }

    /** Up to {@code max} keys whose expiry time is {@code now} or before, with where they point. */
    List<Expired> expired(long now, int max) {
        List<Expired> out = new java.util.ArrayList<>();
        if (expiries.size() == 0) {
            return out;
        }
        long stamp = lock.readLock();
        try {
            expiries.forEach((e, expireAt) -> {
                if (expireAt <= now && out.size() < max) {
                    out.add(new Expired(keys[e >>> PAGE_SHIFT][e & PAGE_MASK], location(e)));
                }
            });
            return out;
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /** Entries ever allocated: a position {@link #scan} may be at is at most this. */
    int allocatedEntries() {
        long stamp = lock.readLock();
        try {
            return allocated;
        } finally {
            lock.unlockRead(stamp);
        }
    }

    private static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }

    /**
     * Live keys. Takes no lock, so that a stats request never waits behind a writer or
     * compaction's repointing, which take the write lock once per key.
     */
    int size() {
        return count - tombstones;
    }

    /**
     * The heap this keydir holds, estimated (see the class comment). Takes no lock: while a writer
     * runs it may be off by that writer's key.
     */
    long heapBytes() {
        int[] idx = index;
        int[] from = old;
        long pages = (allocated + PAGE_SIZE - 1) >>> PAGE_SHIFT;
        long perPage = arrayBytes(PAGE_SIZE * 4L) + arrayBytes(PAGE_SIZE * FIELDS * 4L)
                + (seqs != null ? arrayBytes(PAGE_SIZE * 8L) : 0);
        return arrayBytes(idx.length * 4L) + (from != null ? arrayBytes(from.length * 4L) : 0)
                + pages * perPage + 2 * arrayBytes(keys.length * 4L)
                + (seqs != null ? arrayBytes(seqs.length * 4L) : 0)
                + arrayBytes(free.length * 4L) + keyArrayBytes + expiries.heapBytes();
    }

    /**
     * What {@link #heapBytes} would be once a new key of {@code keyLength} bytes is added: its
     * array, a new page if one is due, and a new index of twice the size if the index would grow.
     * The store's writer calls it; compaction, the other writer, never adds keys.
     */
    long heapBytesWithNewKey(int keyLength) {
        long bytes = heapBytes() + arrayBytes(keyLength);
        if (freeCount == 0 && (allocated & PAGE_MASK) == 0) {
            bytes += arrayBytes(PAGE_SIZE * 4L) + arrayBytes(PAGE_SIZE * FIELDS * 4L);
            if (allocated >>> PAGE_SHIFT == keys.length) { // the page tables double too
                bytes += 2 * (arrayBytes(keys.length * 8L) - arrayBytes(keys.length * 4L));
            }
        }
        if ((count + 1) * 4L > index.length * 3L) {
            bytes += arrayBytes(index.length * 8L);
        }
        return bytes;
    }

    /**
     * At least what {@link #heapBytes} would be once all of {@code keys} are added as new keys:
     * their arrays, a new page, new page tables and a new index if they may be due. An upper
     * bound, for a writer adding several keys at once.
     */
    long heapBytesWithNewKeys(byte[][] newKeys) {
        long bytes = heapBytes() + arrayBytes(PAGE_SIZE * 4L) + arrayBytes(PAGE_SIZE * FIELDS * 4L)
                + 2 * arrayBytes(keys.length * 8L);
        for (byte[] k : newKeys) {
            bytes += arrayBytes(k.length);
        }
        if ((count + (long) newKeys.length) * 4L > index.length * 3L) {
            bytes += arrayBytes(index.length * 8L);
        }
        return bytes;
    }

    /** Heap bytes of an array of {@code payload} bytes: 16-byte header, rounded up to 8. */
    static long arrayBytes(long payload) {
        return (16 + payload + 7) & ~7L;
    }

    /** Test hook: whether the index is growing (an old table is still being moved). */
    boolean growingForTest() {
        long stamp = lock.readLock();
        try {
            return old != null;
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /** Test hook: the index's slots (the new table's, while growing). */
    int indexSlotsForTest() {
        long stamp = lock.readLock();
        try {
            return index.length;
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /** Test hook: runs {@code r} holding the write lock, as a writer or compaction would. */
    void whileWriteLockedForTest(Runnable r) {
        long stamp = lock.writeLock();
        try {
            r.run();
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    // ---- internals; callers hold the write lock, or an optimistic or read stamp for find ----

    private Location location(int e) {
        int[] m = meta[e >>> PAGE_SHIFT];
        int at = (e & PAGE_MASK) * FIELDS;
        return new Location(m[at + SEGMENT], m[at + OFFSET], m[at + SIZE], expiries.get(e));
    }

    /** The entry of {@code key}: looked up in the index, then in the table being moved out. */
    private int find(byte[] key, int h) {
        int[] idx = index;
        int slot = findSlot(idx, key, h);
        if (slot >= 0) {
            return idx[slot] - 1;
        }
        int[] from = old;
        if (from != null && (slot = findSlot(from, key, h)) >= 0) {
            return from[slot] - 1;
        }
        return -1;
    }

    /** The slot of {@code idx} holding {@code key}, or -1. Bounded: at most one pass over it. */
    private int findSlot(int[] idx, byte[] key, int h) {
        int mask = idx.length - 1;
        byte[][][] k = keys;
        int[][] m = meta;
        for (int i = h & mask, probes = 0; probes < idx.length; i = (i + 1) & mask, probes++) {
            int v = idx[i];
            if (v == 0) {
                return -1;
            }
            if (v == GONE) {
                continue;
            }
            int e = v - 1;
            if (m[e >>> PAGE_SHIFT][(e & PAGE_MASK) * FIELDS + HASH] == h
                    && Arrays.equals(k[e >>> PAGE_SHIFT][e & PAGE_MASK], key)) {
                return i;
            }
        }
        return -1;
    }

    /** Adds a new key; {@code next}, if not null, is an empty index to grow into, if due. */
    private int insert(byte[] key, int h, int segment, int offset, int size, int[] next) {
        if ((count + 1) * 4L > index.length * 3L) {
            // Never still moving here (see the class comment); finishing first keeps it certain.
            migrate(Integer.MAX_VALUE);
            old = index;
            moved = 0;
            index = next != null && next.length == old.length * 2 ? next : new int[old.length * 2];
        }
        migrate(MIGRATE_STEP);
        int e = freeCount > 0 ? free[--freeCount] : allocate();
        keys[e >>> PAGE_SHIFT][e & PAGE_MASK] = key;
        keyArrayBytes += arrayBytes(key.length);
        set(e, h, segment, offset, size);
        place(index, e + 1);
        count++;
        return e;
    }

    /** Moves up to {@code slots} slots of the old table into the index; drops it when all are. */
    private void migrate(int slots) {
        int[] from = old;
        if (from == null) {
            return;
        }
        int end = (int) Math.min(from.length, (long) moved + slots);
        for (int i = moved; i < end; i++) {
            if (from[i] > 0) {
                place(index, from[i]);
                from[i] = GONE;
            }
        }
        moved = end;
        if (end == from.length) {
            old = null;
        }
    }

    /** Puts {@code slotValue} (entry + 1) into the first free slot of its probe chain. */
    private void place(int[] idx, int slotValue) {
        int e = slotValue - 1;
        int mask = idx.length - 1;
        int i = meta[e >>> PAGE_SHIFT][(e & PAGE_MASK) * FIELDS + HASH] & mask;
        while (idx[i] != 0) {
            i = (i + 1) & mask;
        }
        idx[i] = slotValue;
    }

    private int allocate() {
        int e = allocated++;
        int page = e >>> PAGE_SHIFT;
        if (page == keys.length) {
            keys = Arrays.copyOf(keys, page * 2);
            meta = Arrays.copyOf(meta, page * 2);
            if (seqs != null) {
                seqs = Arrays.copyOf(seqs, page * 2);
            }
        }
        if (keys[page] == null) {
            keys[page] = new byte[PAGE_SIZE][];
            meta[page] = new int[PAGE_SIZE * FIELDS];
            if (seqs != null) {
                seqs[page] = new long[PAGE_SIZE];
            }
        }
        return e;
    }

    private void set(int e, int h, int segment, int offset, int size) {
        int[] m = meta[e >>> PAGE_SHIFT];
        int at = (e & PAGE_MASK) * FIELDS;
        m[at + HASH] = h;
        m[at + SEGMENT] = segment;
        m[at + OFFSET] = offset;
        m[at + SIZE] = size;
    }

    /**
     * Empties a slot of the index (backward-shift deletion keeps probe chains whole) and frees its
     * entry. Only ever the index: the old table's slots become {@link #GONE} instead.
     */
    private void delete(int slot) {
        release(index[slot] - 1);
        int mask = index.length - 1;
        int hole = slot;
        for (int j = (hole + 1) & mask; index[j] != 0; j = (j + 1) & mask) {
            int f = index[j] - 1;
            int home = meta[f >>> PAGE_SHIFT][(f & PAGE_MASK) * FIELDS + HASH] & mask;
            // Move j into the hole unless its home lies cyclically in (hole, j].
            boolean stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
            if (!stays) {
                index[hole] = index[j];
                hole = j;
            }
        }
        index[hole] = 0;
    }

    /** Frees entry {@code e}, once no table points at it, for reuse. */
    private void release(int e) {
        expiries.remove(e);
        keyArrayBytes -= arrayBytes(keys[e >>> PAGE_SHIFT][e & PAGE_MASK].length);
        keys[e >>> PAGE_SHIFT][e & PAGE_MASK] = null;
        if (freeCount == free.length) {
            free = Arrays.copyOf(free, free.length * 2);
        }
        free[freeCount++] = e;
        count--;
    }

    /** Arrays.hashCode, finished with MurmurHash3's mixer so that linear probing spreads well. */
    static int hash(byte[] key) {
        int h = Arrays.hashCode(key);
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }
}
