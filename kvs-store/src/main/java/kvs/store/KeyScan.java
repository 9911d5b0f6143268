package kvs.store;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Cursor-based scans over the keydir's live keys, a page at a time ({@link Store#scan}).
 *
 * <h2>The cursor</h2>
 * A position in the keydir's entries ({@link Keydir#scan}), not in its hash index. Entries never
 * move and a key keeps its entry until removed, so growing the index between pages changes
 * nothing for a scan, and a key present for the whole scan is returned exactly once, where a
 * cursor over index slots would have to follow the rehash (Redis's reverse-binary cursor) and
 * could return keys twice. Keys set meanwhile may be returned or not; a key removed and set again
 * meanwhile may be returned twice, or not at all.
 *
 * <p>Entry numbers mean nothing to another run of the store, so the cursor carries this run's
 * generation: {@code generation << 32 | position}, both 31-bit, so a cursor is a positive long
 * (and a decimal number without a sign for RESP); 0 starts a scan and ends one. A cursor of an
 * earlier run is refused rather than resumed at a position that now names other keys.
 *
 * <h2>Cost</h2>
 * The keydir is a hash index: a prefix is a filter over a full pass, so a scan of a prefix held
 * by 1% of the keys examines every entry all the same (docs/BENCHMARKS.md, "Scan"). The pass runs
 * over every entry ever allocated, freed ones included, up to the store's high-water mark of keys.
 * Each page holds the keydir's read lock while it examines at most {@link #ENTRIES_PER_PAGE}
 * entries: a writer waits for that much at most, never for the whole scan.
 */
final class KeyScan {

    /** Entries one page examines at most, whatever it finds: bounds how long writers wait. */
    static final int ENTRIES_PER_PAGE = 16 * 1024;
    /** Bytes of keys one page takes at most (it stops after the key that reaches this). */
    static final long PAGE_KEY_BYTES = 1024 * 1024;

    private final Keydir keydir;
    /** This run's cursor generation: 1 to 2^31 - 1. */
    private final long generation;

    KeyScan(Keydir keydir) {
        this(keydir, ThreadLocalRandom.current().nextInt(1, Integer.MAX_VALUE));
    }

    KeyScan(Keydir keydir, int generation) {
        this.keydir = keydir;
        this.generation = generation;
    }

    /**
     * The page at {@code cursor} (0: the first) of the keys starting with {@code prefix}, at most
     * {@code limit} of them, leaving out those expired at {@code now}.
     *
     * @throws IllegalArgumentException for a cursor this run of the store did not give
     */
    ScanPage page(long cursor, byte[] prefix, int limit, long now) {
        if (limit < 1) {
            throw new IllegalArgumentException("a scan's limit is at least 1, not " + limit);
        }
        int from = position(cursor);
        List<byte[]> keys = new ArrayList<>(Math.min(limit, 1024));
        int next = keydir.scan(from, prefix, limit, PAGE_KEY_BYTES, ENTRIES_PER_PAGE, now, keys);
        return new ScanPage(keys, next < 0 ? 0 : generation << 32 | next);
    }

    private int position(long cursor) {
        if (cursor == 0) {
            return 0;
        }
        if (cursor >>> 32 != generation) {
            throw new IllegalArgumentException("scan cursor " + Long.toUnsignedString(cursor) + " was not given"
                    + " by this run of the store (it restarted, or the cursor is made up): start the scan again");
        }
        int position = (int) cursor;
        if (position < 0 || position > keydir.allocatedEntries()) {
            throw new IllegalArgumentException("scan cursor " + cursor + " is past the keydir's end: start the"
                    + " scan again");
        }
        return position;
    }
}
