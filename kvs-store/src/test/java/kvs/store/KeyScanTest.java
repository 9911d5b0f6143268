package kvs.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@link KeyScan}, and {@link Store#scan} and {@link Store#exists} over it. */
class KeyScanTest {

    private static final byte[] ALL = new byte[0];

    @TempDir
    Path dir;

    private static byte[] k(String s) {
        return s.getBytes(UTF_8);
    }

    private static Keydir keydirOf(int n, String prefix) {
        Keydir kd = new Keydir();
        for (int i = 0; i < n; i++) {
            kd.put(k(prefix + i), 1, i, 10);
        }
        return kd;
    }

    /** Each key a scan returned, with how many times it did. */
    private static Map<String, Integer> times(List<byte[]> keys) {
        Map<String, Integer> m = new HashMap<>();
        for (byte[] key : keys) {
            m.merge(new String(key, UTF_8), 1, Integer::sum);
        }
        return m;
    }

    /** The rest of a scan from {@code cursor}, every key of every page; bounded in pages. */
    private static List<byte[]> rest(KeyScan scan, long cursor, byte[] prefix, int limit) {
        List<byte[]> keys = new ArrayList<>();
        for (int pages = 0; cursor != 0 || pages == 0; pages++) {
            assertTrue(pages < 1_000_000, "the scan does not end");
            ScanPage p = scan.page(cursor, prefix, limit, 0);
            assertTrue(p.keys().size() <= limit, "page of " + p.keys().size() + " over the limit " + limit);
            keys.addAll(p.keys());
            cursor = p.cursor();
        }
        return keys;
    }

    private static void assertEachOnce(int n, String prefix, Map<String, Integer> seen) {
        for (int i = 0; i < n; i++) {
            assertEquals(1, seen.getOrDefault(prefix + i, 0), prefix + i + " returned this many times");
        }
    }

    @Test
    void page_ofAnEmptyKeydir_isTheLast_andEmpty() {
        ScanPage p = new KeyScan(new Keydir()).page(0, ALL, 10, 0);
        assertTrue(p.keys().isEmpty());
        assertTrue(p.done());
    }

    @Test
    void pages_returnEveryKeyOnce_andEnd() {
        Keydir kd = keydirOf(5_000, "k");
        Map<String, Integer> seen = times(rest(new KeyScan(kd), 0, ALL, 7));
        assertEquals(5_000, seen.size());
        assertEachOnce(5_000, "k", seen);
    }

    @Test
    void page_takesUpToTheLimit_whenTheKeysAreThere() {
        ScanPage p = new KeyScan(keydirOf(100, "k")).page(0, ALL, 40, 0);
        assertEquals(40, p.keys().size());
        assertFalse(p.done());
    }

    @Test
    void prefix_filtersTheKeys() {
        Keydir kd = keydirOf(1_000, "a");
        for (int i = 0; i < 30; i++) {
            kd.put(k("b" + i), 1, i, 10);
        }
        Map<String, Integer> seen = times(rest(new KeyScan(kd), 0, k("b"), 1_000));
        assertEquals(30, seen.size());
        assertEachOnce(30, "b", seen);
        assertTrue(rest(new KeyScan(kd), 0, k("c"), 1_000).isEmpty());
    }

    @Test
    void indexGrowingBetweenPages_losesAndRepeatsNoKey() {
        Keydir kd = keydirOf(700, "old");
        int slotsBefore = kd.indexSlotsForTest();
        KeyScan scan = new KeyScan(kd);
        ScanPage first = scan.page(0, ALL, 100, 0);
        // Enough new keys to double the index twice, and some of them removed again (backward-shift
        // deletion moves index slots; a cursor over slots would skip or repeat keys here).
        for (int i = 0; i < 3_000; i++) {
            kd.put(k("new" + i), 2, i, 10);
        }
        for (int i = 0; i < 3_000; i += 3) {
            kd.remove(k("new" + i));
        }
        assertTrue(kd.indexSlotsForTest() >= 4 * slotsBefore, "the index did not grow: " + kd.indexSlotsForTest());
        List<byte[]> all = new ArrayList<>(first.keys());
        all.addAll(rest(scan, first.cursor(), ALL, 100));
        assertEachOnce(700, "old", times(all));
    }

    @Test
    void removalsBetweenPages_loseNoOtherKey() {
        Keydir kd = keydirOf(2_000, "k");
        KeyScan scan = new KeyScan(kd);
        ScanPage first = scan.page(0, ALL, 500, 0);
        for (int i = 1; i < 2_000; i += 2) {
            kd.remove(k("k" + i));
        }
        List<byte[]> all = new ArrayList<>(first.keys());
        all.addAll(rest(scan, first.cursor(), ALL, 500));
        Map<String, Integer> seen = times(all);
        for (int i = 0; i < 2_000; i += 2) {
            assertEquals(1, seen.getOrDefault("k" + i, 0), "k" + i);
        }
    }

    @Test
    @Timeout(60)
    void concurrentWriter_neverMakesAScanLoseOrRepeatAKeyHeldThroughout() throws Exception {
        Keydir kd = keydirOf(5_000, "stable");
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger writes = new AtomicInteger();
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            for (int i = 0; !stop.get() && i < 5_000_000; i++) {
                byte[] key = k("churn" + (i % 20_000));
                if (i % 3 == 2) {
                    kd.remove(key);
                } else {
                    kd.put(key, 3, i, 10);
                }
                kd.put(k("stable" + (i % 5_000)), 4, i, 10); // overwrites keep the entry
                writes.incrementAndGet();
            }
        });
        try {
            for (int round = 0; round < 20; round++) {
                Map<String, Integer> seen = times(rest(new KeyScan(kd), 0, k("stable"), 50));
                assertEachOnce(5_000, "stable", seen);
                assertEquals(5_000, seen.size());
            }
        } finally {
            stop.set(true);
            writer.get(30, TimeUnit.SECONDS);
        }
        assertTrue(writes.get() > 0, "the writer never ran");
    }

    @Test
    void page_examinesABoundedNumberOfEntries_soItMayBeEmptyBeforeTheEnd() {
        int n = KeyScan.ENTRIES_PER_PAGE + 10;
        Keydir kd = keydirOf(n, "k");
        for (int i = 0; i < n - 1; i++) {
            kd.remove(k("k" + i));
        }
        KeyScan scan = new KeyScan(kd);
        ScanPage first = scan.page(0, ALL, 10, 0);
        assertTrue(first.keys().isEmpty());
        assertFalse(first.done(), "one page examined every entry");
        ScanPage second = scan.page(first.cursor(), ALL, 10, 0);
        assertEquals(List.of("k" + (n - 1)), second.keys().stream().map(b -> new String(b, UTF_8)).toList());
        assertTrue(second.done());
    }

    @Test
    void page_stopsAtItsKeyBytes() {
        Keydir kd = new Keydir();
        for (int i = 0; i < 40; i++) {
            byte[] key = new byte[60 * 1024];
            Arrays.fill(key, (byte) i);
            kd.put(key, 1, i, 10);
        }
        ScanPage p = new KeyScan(kd).page(0, ALL, 1_000, 0);
        long bytes = p.keys().stream().mapToLong(b -> b.length).sum();
        assertTrue(bytes >= KeyScan.PAGE_KEY_BYTES && bytes < KeyScan.PAGE_KEY_BYTES + 64 * 1024, "bytes " + bytes);
        assertFalse(p.done());
    }

    @Test
    void returnedKeys_areCopies() {
        Keydir kd = keydirOf(1, "k");
        new KeyScan(kd).page(0, ALL, 10, 0).keys().get(0)[0] = 'x';
        assertEquals(1, times(rest(new KeyScan(kd), 0, k("k"), 10)).size());
    }

    @Test
    void cursor_ofAnotherGeneration_orPastTheEnd_isRefused() {
        Keydir kd = keydirOf(10, "k");
        long cursor = new KeyScan(kd, 5).page(0, ALL, 3, 0).cursor();
        assertEquals(5, cursor >>> 32);
        assertEquals(3, new KeyScan(kd, 5).page(cursor, ALL, 3, 0).keys().size());
        assertThrows(IllegalArgumentException.class, () -> new KeyScan(kd, 6).page(cursor, ALL, 3, 0));
        assertThrows(IllegalArgumentException.class, () -> new KeyScan(kd, 5).page(5L << 32 | 11, ALL, 3, 0));
        assertThrows(IllegalArgumentException.class, () -> new KeyScan(kd, 5).page(0, ALL, 0, 0));
    }

    @Test
    void store_scanExistsAndSize() throws Exception {
        long cursor;
        try (Store s = Store.open(dir)) {
            for (int i = 0; i < 100; i++) {
                s.set(k("user:" + i), k("v"));
                s.set(k("item:" + i), k("v"));
            }
            s.remove(k("user:5"));
            assertEquals(199, s.size());
            assertEquals(3, s.exists(List.of(k("user:1"), k("user:1"), k("item:99"), k("user:5"), k("none"))));
            Set<String> users = new HashSet<>();
            ScanPage p = s.scan(0, k("user:"), 10);
            for (int pages = 0; pages < 1_000; pages++) {
                p.keys().forEach(b -> users.add(new String(b, UTF_8)));
                if (p.done()) {
                    break;
                }
                p = s.scan(p.cursor(), k("user:"), 10);
            }
            assertTrue(p.done());
            assertEquals(99, users.size());
            assertFalse(users.contains("user:5"));
            cursor = s.scan(0, ALL, 10).cursor();
        }
        try (Store s = Store.open(dir)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.scan(cursor, ALL, 10));
            assertTrue(e.getMessage().contains("start the scan again"), e.getMessage());
        }
    }
}
