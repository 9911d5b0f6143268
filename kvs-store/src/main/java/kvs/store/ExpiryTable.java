package kvs.store;

/**
 * The keydir's expiry times: keydir entry number to expiry time (ms since the epoch), for the
 * entries whose record expires, and nothing for the others, so that a key without an expiry
 * costs no more than before expiry existed. An open-addressing table of {@code int} entry numbers
 * (plus one; 0 is empty) beside their {@code long} times, linear probing, at most half full,
 * backward-shift deletion.
 *
 * <p>Not thread-safe: the {@link Keydir} changes it under its write lock and reads it as it reads
 * its own arrays (optimistically, validated; a torn read may throw, and is retried).
 */
final class ExpiryTable {

    private static final int[] NO_ENTRIES = {};
    private static final long[] NO_TIMES = {};

    private int[] entries = NO_ENTRIES;
    private long[] times = NO_TIMES;
    private int size;

    /** Entries with an expiry time. */
    int size() {
        return size;
    }

    /** Entry {@code e}'s expiry time, or 0 if it has none. */
    long get(int e) {
        int[] es = entries;
        long[] ts = times;
        if (size == 0) {
            return 0;
        }
        int mask = es.length - 1;
        for (int i = mix(e) & mask, probes = 0; probes < es.length; i = (i + 1) & mask, probes++) {
            int v = es[i];
            if (v == 0) {
                return 0;
            }
            if (v == e + 1) {
                return ts[i];
            }
        }
        return 0;
    }

    /** Sets entry {@code e}'s expiry time; 0 removes it. */
    void set(int e, long expireAt) {
        if (expireAt == 0) {
            remove(e);
            return;
        }
        if ((size + 1) * 2L > entries.length) {
            grow();
        }
        int mask = entries.length - 1;
        int i = mix(e) & mask;
        while (entries[i] != 0 && entries[i] != e + 1) {
            i = (i + 1) & mask;
        }
        if (entries[i] == 0) {
            entries[i] = e + 1;
            size++;
        }
        times[i] = expireAt;
    }

    /** Forgets entry {@code e}'s expiry time, if it has one. */
    void remove(int e) {
        if (size == 0) {
            return;
        }
        int mask = entries.length - 1;
        int i = mix(e) & mask;
        while (entries[i] != e + 1) {
            if (entries[i] == 0) {
                return;
            }
            i = (i + 1) & mask;
        }
        size--;
        int hole = i;
        for (int j = (hole + 1) & mask; entries[j] != 0; j = (j + 1) & mask) {
            int home = mix(entries[j] - 1) & mask;
            boolean stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
            if (!stays) {
                entries[hole] = entries[j];
                times[hole] = times[j];
                hole = j;
            }
        }
        entries[hole] = 0;
        times[hole] = 0;
    }

    /** Calls {@code visitor} with each entry number and its time, in no order. */
    void forEach(EntryVisitor visitor) {
        int[] es = entries;
        long[] ts = times;
        for (int i = 0; i < es.length; i++) {
            if (es[i] != 0) {
                visitor.visit(es[i] - 1, ts[i]);
            }
        }
    }

    interface EntryVisitor {
        void visit(int entry, long expireAt);
    }

    /** The heap the table holds (see {@link Keydir#heapBytes}): none until a key has an expiry. */
    long heapBytes() {
        return entries == NO_ENTRIES ? 0 : Keydir.arrayBytes(entries.length * 4L) + Keydir.arrayBytes(times.length * 8L);
    }

    private void grow() {
        int[] oldEntries = entries;
        long[] oldTimes = times;
        int capacity = Math.max(16, oldEntries.length * 2);
        entries = new int[capacity];
        times = new long[capacity];
        int mask = capacity - 1;
        for (int i = 0; i < oldEntries.length; i++) {
            if (oldEntries[i] != 0) {
                int j = mix(oldEntries[i] - 1) & mask;
                while (entries[j] != 0) {
                    j = (j + 1) & mask;
                }
                entries[j] = oldEntries[i];
                times[j] = oldTimes[i];
            }
        }
    }

    /** Spreads consecutive entry numbers over the table (Fibonacci hashing, high bits folded down). */
    private static int mix(int e) {
        int h = e * 0x9E3779B9;
        return h ^ (h >>> 16);
    }

    /** Test hook: the table's slots. */
    int capacityForTest() {
        return entries.length;
    }
}
