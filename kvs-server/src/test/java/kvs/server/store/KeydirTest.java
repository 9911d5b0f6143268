package kvs.server.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
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
        assertTrue(kd.putIfNewer(k("a"), 2, 8, 30, 5, false) == Keydir.LoadResult.KEPT);
        Keydir.LoadResult older = kd.putIfNewer(k("a"), 1, 8, 30, 3, false);
        assertTrue(older.lost());
        Keydir.LoadResult tomb = kd.putIfNewer(k("a"), 3, 8, 22, 7, true);
        assertTrue(tomb.displacedLive());
        assertEquals(2, tomb.displacedSegment());
        // An older put, read after the tombstone (files replay in any order), stays dead.
        assertTrue(kd.putIfNewer(k("a"), 1, 40, 30, 6, false).lost());
        kd.putIfNewer(k("b"), 1, 70, 30, 4, false);
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
}
