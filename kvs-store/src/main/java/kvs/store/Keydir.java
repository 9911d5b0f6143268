package kvs.store;

import java.util.Arrays;
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
 * <h2>Loading</h2>
 * While a store opens, {@link #putIfNewer} keeps each key's record with the highest sequence
 * number, tombstones included, in an extra column; {@link #finishLoad} then drops the tombstones
 * and the column.
 *
 * <h2>Threads</h2>
 * Lookups are lock-free in the common case: an optimistic read of a {@link StampedLock},
 * validated, and retried under the read lock if a writer intervened. Every change takes the write
 * lock. The store serializes its writers; compaction's {@link #replaceIfAt} is the other writer.
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

    private final StampedLock lock = new StampedLock();
    /** Slot → entry + 1; 0 is an empty slot. */
    private int[] index;
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
        int h = hash(key);
        long stamp = lock.writeLock();
        try {
            int e = find(key, h);
            if (e >= 0) {
                Location old = location(e);
                set(e, h, segment, offset, size);
                return old;
            }
            insert(key, h, segment, offset, size);
            return null;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /** Drops {@code key}; returns where it pointed, or {@code null} if absent. */
    Location remove(byte[] key) {
        int h = hash(key);
        long stamp = lock.writeLock();
        try {
            int slot = findSlot(key, h);
            if (slot < 0) {
                return null;
            }
            int e = index[slot] - 1;
            Location old = location(e);
            delete(slot);
            return old;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /**
     * Points {@code key} at a new place only if it still points at {@code (segment, offset)}:
     * compaction's move, which loses to any write that raced ahead of it.
     */
    boolean replaceIfAt(byte[] key, int segment, int offset, int newSegment, int newOffset, int newSize) {
        int h = hash(key);
        long stamp = lock.writeLock();
        try {
            int e = find(key, h);
            if (e < 0) {
                return false;
            }
            int[] m = meta[e >>> PAGE_SHIFT];
            int at = (e & PAGE_MASK) * FIELDS;
            if (m[at + SEGMENT] != segment || m[at + OFFSET] != offset) {
                return false;
            }
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
    LoadResult putIfNewer(byte[] key, int segment, int offset, int size, long seq, boolean tombstone) {
        int h = hash(key);
        int e = find(key, h);
        int newSize = tombstone ? TOMBSTONE : size;
        if (e < 0) {
            e = insert(key, h, segment, offset, newSize);
            seqs[e >>> PAGE_SHIFT][e & PAGE_MASK] = seq;
            tombstones += tombstone ? 1 : 0;
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
        long maxSeq = 0;
        for (int e = 0; e < allocated; e++) {
            long[] s = seqs[e >>> PAGE_SHIFT];
            maxSeq = Math.max(maxSeq, s[e & PAGE_MASK]);
        }
        if (tombstones > 0) {
            for (int e = 0; e < allocated; e++) {
                byte[] key = keys[e >>> PAGE_SHIFT][e & PAGE_MASK];
                if (key != null && meta[e >>> PAGE_SHIFT][(e & PAGE_MASK) * FIELDS + SIZE] == TOMBSTONE) {
                    delete(findSlot(key, meta[e >>> PAGE_SHIFT][(e & PAGE_MASK) * FIELDS + HASH]));
                }
            }
        }
        tombstones = 0;
        seqs = null;
        return maxSeq;
    }

    /**
     * Live keys. Takes no lock, so that a stats request never waits behind a writer or
     * compaction's repointing, which take the write lock once per key.
     */
    int size() {
        return count - tombstones;
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
        return new Location(m[at + SEGMENT], m[at + OFFSET], m[at + SIZE]);
    }

    private int find(byte[] key, int h) {
        int slot = findSlot(key, h);
        return slot < 0 ? -1 : index[slot] - 1;
    }

    /** The index slot holding {@code key}, or -1. Bounded: at most one pass over the index. */
    private int findSlot(byte[] key, int h) {
        int[] idx = index;
        int mask = idx.length - 1;
        byte[][][] k = keys;
        int[][] m = meta;
        for (int i = h & mask, probes = 0; probes < idx.length; i = (i + 1) & mask, probes++) {
            int e = idx[i] - 1;
            if (e < 0) {
                return -1;
            }
            if (m[e >>> PAGE_SHIFT][(e & PAGE_MASK) * FIELDS + HASH] == h
                    && Arrays.equals(k[e >>> PAGE_SHIFT][e & PAGE_MASK], key)) {
                return i;
            }
        }
        return -1;
    }

    private int insert(byte[] key, int h, int segment, int offset, int size) {
        if ((count + 1) * 4L > index.length * 3L) {
            rehash(index.length * 2);
        }
        int e = freeCount > 0 ? free[--freeCount] : allocate();
        keys[e >>> PAGE_SHIFT][e & PAGE_MASK] = key;
        set(e, h, segment, offset, size);
        int mask = index.length - 1;
        int i = h & mask;
        while (index[i] != 0) {
            i = (i + 1) & mask;
        }
        index[i] = e + 1;
        count++;
        return e;
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

    /** Empties an index slot (backward-shift deletion keeps probe chains whole) and frees its entry. */
    private void delete(int slot) {
        int e = index[slot] - 1;
        keys[e >>> PAGE_SHIFT][e & PAGE_MASK] = null;
        if (freeCount == free.length) {
            free = Arrays.copyOf(free, free.length * 2);
        }
        free[freeCount++] = e;
        count--;
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

    private void rehash(int capacity) {
        int[] next = new int[capacity];
        int mask = capacity - 1;
        for (int slot : index) {
            if (slot != 0) {
                int e = slot - 1;
                int i = meta[e >>> PAGE_SHIFT][(e & PAGE_MASK) * FIELDS + HASH] & mask;
                while (next[i] != 0) {
                    i = (i + 1) & mask;
                }
                next[i] = slot;
            }
        }
        index = next;
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
