package kvs.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

class KeydirTest {

    private static byte[] k(String s) {
        return s.getBytes(UTF_8);
    }

    @Test
    void put_get_remove() {
        Keydir kd = new Keydir();
        assertNull(kd.put(k("a"), 1, 8, 30));
        assertEquals(new Location(1, 8, 30), kd.get(k("a")));
        assertEquals(new Location(1, 8, 30), kd.put(k("a"), 2, 100, 31));
        assertEquals(new Location(2, 100, 31), kd.get(k("a")));
        assertEquals(1, kd.size());
        assertEquals(new Location(2, 100, 31), kd.remove(k("a")));
        assertNull(kd.get(k("a")));
        assertNull(kd.remove(k("a")));
        assertEquals(0, kd.size());
    }

    @Test
    void randomOperations_matchAHashMap() {
        Keydir kd = new Keydir();
        Map<String, Location> model = new HashMap<>();
        Random rnd = new Random(11);
        for (int i = 0; i < 200_000; i++) {
            String key = "k" + rnd.nextInt(5_000);
            switch (rnd.nextInt(3)) {
                case 0, 1 -> {
                    Location loc = new Location(rnd.nextInt(100), rnd.nextInt(1 << 30), rnd.nextInt(1000));
                    assertEquals(model.put(key, loc), kd.put(k(key), loc.segment(), loc.offset(), loc.size()));
                }
                default -> assertEquals(model.remove(key), kd.remove(k(key)));
            }
        }
        assertEquals(model.size(), kd.size());
        for (int i = 0; i < 5_000; i++) {
            assertEquals(model.get("k" + i), kd.get(k("k" + i)), "k" + i);
        }
    }

    @Test
    void replaceIfAt_onlyWhereStillAtTheOldPlace() {
        Keydir kd = new Keydir();
        kd.put(k("a"), 1, 8, 30);
        assertFalse(kd.replaceIfAt(k("a"), 1, 9, 5, 8, 30));
        assertFalse(kd.replaceIfAt(k("b"), 1, 8, 5, 8, 30));
        assertTrue(kd.replaceIfAt(k("a"), 1, 8, 5, 16, 30));
        assertEquals(new Location(5, 16, 30), kd.get(k("a")));
    }

    @Test
    void loading_highestSeqWins_tombstonesDroppedAtTheEnd() {
        Keydir kd = Keydir.forLoading();
        assertTrue(kd.putIfNewer(k("a"), 2, 8, 30, 5, false, 0) == Keydir.LoadResult.KEPT);
        Keydir.LoadResult older = kd.putIfNewer(k("a"), 1, 8, 30, 3, false, 0);
        assertTrue(older.lost());
        Keydir.LoadResult tomb = kd.putIfNewer(k("a"), 3, 8, 22, 7, true, 0);
        assertTrue(tomb.displacedLive());
        assertEquals(2, tomb.displacedSegment());
        // An older put, read after the tombstone (files replay in any order), stays dead.
        assertTrue(kd.putIfNewer(k("a"), 1, 40, 30, 6, false, 0).lost());
        kd.putIfNewer(k("b"), 1, 70, 30, 4, false, 0);
        assertEquals(7, kd.finishLoad());
        assertNull(kd.get(k("a")));
        assertEquals(new Location(1, 70, 30), kd.get(k("b")));
        assertEquals(1, kd.size());
    }

    @Test
    void concurrentReaders_duringGrowthAndRemoval_neverSeeWrongLocations() throws Exception {
        Keydir kd = new Keydir();
        int n = 50_000;
        for (int i = 0; i < 1000; i++) {
            kd.put(k("stable" + i), 7, i, 99);
        }
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<String> failure = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            try {
                Random rnd = new Random(1);
                while (!stop.get()) {
                    int i = rnd.nextInt(1000);
                    Location loc = kd.get(k("stable" + i));
                    if (loc == null || loc.offset() != i || loc.segment() != 7) {
                        failure.set("stable" + i + " -> " + loc);
                        return;
                    }
                }
            } catch (Throwable t) {
                failure.set("reader threw " + t);
            }
        });
        reader.start();
        try {
            for (int i = 0; i < n; i++) {
                kd.put(k("churn" + i), 1, i, 10);
                if (i % 3 == 0) {
                    kd.remove(k("churn" + (i / 2)));
                }
            }
        } finally {
            stop.set(true);
            reader.join(10_000);
        }
        assertNull(failure.get(), failure.get());
    }

    @Test
    void growth_acrossManyResizePoints_withInterleavedWrites_matchesAHashMap() {
        // The key space widens as the run goes, so the index doubles again and again (1024 slots
        // to 512 Ki), and every kind of write lands while an old table is still being moved.
        Keydir kd = new Keydir();
        Map<String, Location> model = new HashMap<>();
        Random rnd = new Random(1111);
        int resizes = 0;
        int checksWhileGrowing = 0;
        boolean wasGrowing = false;
        for (int i = 0; i < 600_000; i++) {
            String key = "g" + rnd.nextInt(i / 2 + 16);
            int op = rnd.nextInt(10);
            if (op < 6) {
                Location loc = new Location(rnd.nextInt(100), rnd.nextInt(1 << 30), rnd.nextInt(1000));
                assertEquals(model.put(key, loc), kd.put(k(key), loc.segment(), loc.offset(), loc.size()), key);
            } else if (op < 8) {
                assertEquals(model.remove(key), kd.remove(k(key)), key);
            } else {
                Location now = model.get(key);
                boolean atOldPlace = now != null && rnd.nextBoolean();
                int segment = atOldPlace ? now.segment() : rnd.nextInt(100);
                int offset = atOldPlace ? now.offset() : rnd.nextInt(1 << 30);
                boolean replaced = kd.replaceIfAt(k(key), segment, offset, 500, i, 77);
                boolean expected = now != null && now.segment() == segment && now.offset() == offset;
                assertEquals(expected, replaced, key);
                if (expected) {
                    model.put(key, new Location(500, i, 77));
                }
            }
            boolean growing = kd.growingForTest();
            if (growing && !wasGrowing) {
                resizes++;
            }
            wasGrowing = growing;
            if (growing && i % 5 == 0) {
                checksWhileGrowing++;
                for (int j = 0; j < 40; j++) {
                    String probe = "g" + rnd.nextInt(i / 2 + 16);
                    assertEquals(model.get(probe), kd.get(k(probe)), "while growing: " + probe);
                }
            }
        }
        assertTrue(resizes >= 8, "resizes crossed: " + resizes);
        assertTrue(checksWhileGrowing > 1000, "checks made while growing: " + checksWhileGrowing);
        assertEquals(model.size(), kd.size());
        for (int i = 0; i < 300_016; i++) {
            assertEquals(model.get("g" + i), kd.get(k("g" + i)), "g" + i);
        }
    }

    @Test
    void loading_acrossResizePoints_keepsTheNewestAndDropsTombstones() {
        Keydir kd = Keydir.forLoading();
        Map<String, Location> model = new HashMap<>();
        Random rnd = new Random(17);
        int n = 100_000; // the index grows from 1024 to 256 Ki slots while loading
        for (int seq = 1; seq <= n; seq++) {
            String key = "l" + rnd.nextInt(60_000);
            boolean tombstone = rnd.nextInt(5) == 0;
            kd.putIfNewer(k(key), 1, seq, 30, seq, tombstone, 0);
            if (tombstone) {
                model.remove(key);
            } else {
                model.put(key, new Location(1, seq, 30));
            }
        }
        assertEquals(n, kd.finishLoad());
        assertFalse(kd.growingForTest(), "finishLoad ends any resize");
        assertEquals(model.size(), kd.size());
        for (int i = 0; i < 60_000; i++) {
            assertEquals(model.get("l" + i), kd.get(k("l" + i)), "l" + i);
        }
    }

    @Test
    void concurrentReaders_duringIncrementalGrowth_neverMissAPresentKey() throws Exception {
        Keydir kd = new Keydir();
        int n = 400_000;
        AtomicInteger published = new AtomicInteger(); // "p" + i for i below this are present
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<String> failure = new AtomicReference<>();
        AtomicLong lookupsWhileGrowing = new AtomicLong();
        List<Thread> readers = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            int seed = r;
            Thread reader = new Thread(() -> {
                try {
                    Random rnd = new Random(seed);
                    while (!stop.get()) {
                        int upTo = published.get();
                        if (upTo == 0) {
                            Thread.onSpinWait();
                            continue;
                        }
                        boolean growing = kd.growingForTest();
                        for (int j = 0; j < 64; j++) {
                            int i = rnd.nextInt(upTo);
                            Location loc = kd.get(k("p" + i));
                            if (loc == null || loc.offset() != i || loc.segment() != 9) {
                                failure.compareAndSet(null, "p" + i + " -> " + loc);
                                return;
                            }
                        }
                        if (growing) {
                            lookupsWhileGrowing.addAndGet(64);
                        }
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, "reader threw " + t);
                }
            });
            reader.start();
            readers.add(reader);
        }
        try {
            for (int i = 0; i < n && failure.get() == null; i++) {
                kd.put(k("p" + i), 9, i, 10);
                published.set(i + 1);
                kd.put(k("churn" + i), 1, i, 10);
                if (i % 3 == 0) {
                    kd.remove(k("churn" + (i / 2)));
                }
            }
        } finally {
            stop.set(true);
            for (Thread reader : readers) {
                reader.join(10_000);
            }
        }
        assertNull(failure.get(), failure.get());
        assertTrue(kd.indexSlotsForTest() >= 1024 << 9, "the index grew at least 9 times");
        assertTrue(lookupsWhileGrowing.get() > 0, "no lookup ran while the index was growing");
    }

    @Test
    void heapBytes_ofAnEmptyKeydir_isTheFirstIndexAndTables() {
        // 1024-slot index, two 1-page tables, a 16-slot free list: each array with its header.
        assertEquals((16 + 4096) + 2 * (16 + 4 + 4) + (16 + 64), new Keydir().heapBytes());
    }

    @Test
    void heapBytesWithNewKey_predictsTheSizeAfterTheInsert_acrossPagesAndResizes() {
        Keydir kd = new Keydir();
        Random rnd = new Random(3);
        List<byte[]> held = new ArrayList<>();
        int exact = 0;
        for (int i = 0; i < 60_000; i++) {
            byte[] key = k("h" + i + "x".repeat(rnd.nextInt(20)));
            held.add(key);
            boolean growingBefore = kd.growingForTest();
            long predicted = kd.heapBytesWithNewKey(key.length);
            kd.put(key, 1, i, 30);
            long actual = kd.heapBytes();
            // The insert's own cost is never under-predicted (a finished move only frees bytes).
            assertTrue(actual <= predicted, "key " + i + ": " + actual + " > predicted " + predicted);
            if (!growingBefore) {
                assertEquals(predicted, actual, "key " + i);
                exact++;
            }
            if (i % 7 == 0) { // freed entries are reused by later inserts: no new page for those
                assertTrue(kd.remove(held.remove(rnd.nextInt(held.size()))) != null);
            }
        }
        assertTrue(exact > 30_000, "steps checked exactly: " + exact);
        assertTrue(kd.indexSlotsForTest() >= 1024 << 5, "crossed several resizes");
    }

    @Test
    void heapBytes_countsEachKeyArrayWithHeaderAndPadding() {
        Keydir kd = new Keydir();
        kd.put(new byte[1], 1, 0, 30); // the first key also brings page 0
        long one = kd.heapBytes();
        kd.put(new byte[16], 1, 0, 30);
        assertEquals(16 + 16, kd.heapBytes() - one, "16 bytes and a 16-byte header");
        kd.put(new byte[17], 1, 0, 30);
        assertEquals(16 + 16 + 16 + 24, kd.heapBytes() - one, "17 bytes are padded to 24");
        kd.remove(new byte[17]);
        assertEquals(16 + 16, kd.heapBytes() - one);
    }

    @Test
    void hash_spreadsSimilarKeys() {
        int buckets = 1024;
        int[] count = new int[buckets];
        for (int i = 0; i < 100_000; i++) {
            count[Keydir.hash(k(String.format("key-%012d", i))) & (buckets - 1)]++;
        }
        for (int c : count) {
            assertTrue(c > 40 && c < 160, "bucket count " + c);
        }
    }

    @Test
    void loading_aTombstoneSeenFirst_isNotALiveKey_andIsDroppedAtTheEnd() {
        Keydir kd = Keydir.forLoading();
        assertTrue(kd.putIfNewer(k("gone"), 1, 8, 22, 4, true, 0) == Keydir.LoadResult.KEPT);
        assertEquals(0, kd.size(), "a tombstone is not a live key, even while loading");
        kd.putIfNewer(k("b"), 1, 30, 23, 5, false, 0);
        assertEquals(1, kd.size());
        assertEquals(5, kd.finishLoad());
        assertNull(kd.get(k("gone")));
        assertEquals(new Location(1, 30, 23), kd.get(k("b")));
        assertEquals(1, kd.size());
    }

    @Test
    void loading_sizeFollowsTombstonesReplacedEitherWay() {
        Keydir kd = Keydir.forLoading();
        kd.putIfNewer(k("a"), 1, 8, 22, 1, true, 0);
        kd.putIfNewer(k("a"), 1, 30, 23, 2, false, 0);
        assertEquals(1, kd.size(), "a put newer than the key's tombstone makes it live");
        kd.putIfNewer(k("b"), 1, 53, 23, 3, false, 0);
        kd.putIfNewer(k("b"), 1, 76, 22, 4, true, 0);
        assertEquals(1, kd.size(), "a tombstone newer than the key's put makes it dead");
        kd.finishLoad();
        assertEquals(new Location(1, 30, 23), kd.get(k("a")));
        assertNull(kd.get(k("b")));
        assertEquals(1, kd.size());
    }

    @Test
    void loading_equalSeq_theFirstRecordSeenStays() {
        // A record copied by compaction keeps its seq; both copies may be read if a crash left both.
        Keydir kd = Keydir.forLoading();
        kd.putIfNewer(k("a"), 1, 8, 30, 5, false, 0);
        assertTrue(kd.putIfNewer(k("a"), 2, 8, 30, 5, false, 0).lost());
        kd.finishLoad();
        assertEquals(new Location(1, 8, 30), kd.get(k("a")));
    }

    @Test
    void finishLoad_withExactlyOneFullPageOfEntries_dropsTheTombstone() {
        Keydir kd = Keydir.forLoading();
        int page = 4096; // Keydir's PAGE_SIZE: the entries fill page 0 exactly, page 1 is not allocated
        for (int i = 0; i < page; i++) {
            kd.putIfNewer(k("k" + i), 1, 8 + i, 25, i + 1, i == 7, 0);
        }
        assertEquals(page, kd.finishLoad());
        assertEquals(page - 1, kd.size());
        assertNull(kd.get(k("k7")));
        assertEquals(new Location(1, 8 + page - 1, 25), kd.get(k("k" + (page - 1))));
    }

    @Test
    void get_whileAWriterHoldsTheLock_waitsForIt_andFindsTheFirstEntry() throws Exception {
        Keydir kd = new Keydir();
        kd.put(k("first"), 3, 8, 40); // entry 0
        CompletableFuture<Location> got = new CompletableFuture<>();
        Thread reader = new Thread(() -> got.complete(kd.get(k("first"))));
        kd.whileWriteLockedForTest(() -> {
            reader.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (reader.getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
            assertEquals(Thread.State.WAITING, reader.getState(), "the reader waits for the write lock");
            assertFalse(got.isDone());
        });
        assertEquals(new Location(3, 8, 40), got.get(10, TimeUnit.SECONDS));
        reader.join(10_000);
    }

    @Test
    void remove_aroundTheIndexsWrapPoint_keepsEveryOtherKeyFindable() {
        // Keys whose home slots (in the first, 1024-slot index) straddle the end of the index, so
        // that their probe chains wrap around to slot 0 and deletion must shift them back across it.
        int slots = 1024;
        int[] homes = {1021, 1022, 1023, 0, 1};
        List<String> keys = new ArrayList<>();
        for (int home : homes) {
            int found = 0;
            for (int i = 0; i < 1_000_000 && found < 3; i++) {
                String key = "w" + i;
                if ((Keydir.hash(k(key)) & (slots - 1)) == home) {
                    keys.add(key);
                    found++;
                }
            }
            assertEquals(3, found, "keys with home slot " + home);
        }
        Random rnd = new Random(5);
        for (int round = 0; round < 300; round++) {
            Keydir kd = new Keydir();
            Collections.shuffle(keys, rnd);
            Map<String, Location> model = new HashMap<>();
            for (int i = 0; i < keys.size(); i++) {
                kd.put(k(keys.get(i)), 1, 8 + i, 30);
                model.put(keys.get(i), new Location(1, 8 + i, 30));
            }
            Collections.shuffle(keys, rnd);
            for (String gone : keys) {
                assertEquals(model.remove(gone), kd.remove(k(gone)), gone);
                for (String key : keys) {
                    assertEquals(model.get(key), kd.get(k(key)), "round " + round + ", after removing " + gone);
                }
            }
            assertEquals(0, kd.size());
        }
    }

    @Test
    void expiryTable_agreesWithAMap_underRandomSetsAndRemoves() {
        ExpiryTable t = new ExpiryTable();
        Map<Integer, Long> model = new HashMap<>();
        Random r = new Random(14);
        for (int i = 0; i < 200_000; i++) {
            int e = r.nextInt(3000);
            int op = r.nextInt(3);
            if (op == 0) {
                long at = 1 + r.nextInt(1_000_000);
                t.set(e, at);
                model.put(e, at);
            } else if (op == 1) {
                t.remove(e);
                model.remove(e);
            } else {
                t.set(e, 0);
                model.remove(e);
            }
            if (i % 997 == 0) {
                for (int q = 0; q < 3000; q++) {
                    assertEquals(model.getOrDefault(q, 0L), t.get(q), "entry " + q + " after op " + i);
                }
            }
            assertEquals(model.size(), t.size());
        }
        long[] n = {0};
        t.forEach((e, at) -> {
            assertEquals(model.get(e), at);
            n[0]++;
        });
        assertEquals(model.size(), n[0]);
    }
}
