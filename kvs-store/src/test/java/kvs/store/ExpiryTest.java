package kvs.store;

import static kvs.store.StoreTest.b;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Keys that expire: by the store's clock (a {@link TestClock} here), never by sleeping. */
class ExpiryTest {

    @TempDir
    Path dir;

    private final TestClock clock = new TestClock();

    private Store open() throws IOException {
        return Store.open(dir, StoreOptions.defaults().withClock(clock));
    }

    private long in(long ms) {
        return clock.millis() + ms;
    }

    @Test
    void anExpiredKey_isGoneForEveryRead_atOnce() throws IOException {
        try (Store s = open()) {
            s.set(b("k"), b("v"), in(1000));
            s.set(b("stays"), b("v"));
            clock.advance(999);
            assertArrayEquals(b("v"), s.get(b("k")));
            assertEquals(1, s.pttl(b("k")));
            assertEquals(2, s.size());
            clock.advance(1);
            assertNull(s.get(b("k")));
            assertEquals(0, s.exists(List.of(b("k"))));
            assertEquals(1, s.exists(List.of(b("stays"))));
            assertEquals(1, s.size());
            assertEquals(List.of("stays"), keys(s.scan(0, new byte[0], 100)));
            assertEquals(-2, s.pttl(b("k")));
            assertEquals(-2, s.expireTime(b("k")));
            assertFalse(s.remove(b("k")), "an expired key is not there to remove");
            assertEquals(1, s.stats().keys());
        }
    }

    private static List<String> keys(ScanPage page) {
        List<String> out = new ArrayList<>();
        page.keys().forEach(k -> out.add(new String(k)));
        return out;
    }

    @Test
    void ttlAndExpireTime_missingNoExpiryOrTheTime() throws IOException {
        try (Store s = open()) {
            assertEquals(-2, s.pttl(b("absent")));
            s.set(b("plain"), b("v"));
            assertEquals(-1, s.pttl(b("plain")));
            assertEquals(-1, s.expireTime(b("plain")));
            s.set(b("k"), b("v"), in(5000));
            assertEquals(5000, s.pttl(b("k")));
            assertEquals(in(5000), s.expireTime(b("k")));
        }
    }

    @Test
    void aPlainSet_clearsTheExpiry_keepExpiryKeepsIt_incrKeepsIt() throws Exception {
        try (Store s = open()) {
            s.set(b("k"), b("1"), in(1000));
            s.set(b("k"), b("2"), Store.KEEP_EXPIRY);
            assertEquals(1000, s.pttl(b("k")));
            assertEquals(3L, s.incrAsync(b("k"), 1, true).get());
            assertEquals(1000, s.pttl(b("k")));
            s.set(b("k"), b("4"));
            assertEquals(-1, s.pttl(b("k")));
            s.set(b("new"), b("v"), Store.KEEP_EXPIRY);
            assertEquals(-1, s.pttl(b("new")), "nothing to keep: no expiry");
        }
    }

    @Test
    void conditionalSets_takeAnExpiredKeyForAbsent() throws Exception {
        try (Store s = open()) {
            s.set(b("k"), b("old"), in(10));
            clock.advance(10);
            Store.Outcome o = s.setIfAsync(b("k"), ByteBuffer.wrap(b("new")), Store.Condition.IF_ABSENT, in(50),
                    true, true, Integer.MAX_VALUE).get();
            assertTrue(o.applied());
            assertNull(o.previous(), "the expired value is not a previous value");
            assertEquals(50, s.pttl(b("k")));
            assertFalse(s.compareAndSetAsync(b("gone"), b("x"), ByteBuffer.wrap(b("y")), true, true,
                    Integer.MAX_VALUE).get().applied());
            clock.advance(50);
            assertFalse(s.setIfAsync(b("k"), ByteBuffer.wrap(b("v")), Store.Condition.IF_PRESENT, false, true,
                    Integer.MAX_VALUE).get().applied());
            assertEquals(1L, s.incrAsync(b("k"), 1, true).get(), "an expired counter starts again at 0");
            assertEquals(-1, s.pttl(b("k")));
        }
    }

    @Test
    void expire_setsATime_aPastTimeRemoves_anAbsentKeyIsFalse() throws Exception {
        try (Store s = open()) {
            assertFalse(s.expireAsync(b("absent"), in(100), true, Integer.MAX_VALUE).get());
            s.set(b("k"), b("v"));
            assertTrue(s.expireAsync(b("k"), in(100), true, Integer.MAX_VALUE).get());
            assertEquals(100, s.pttl(b("k")));
            assertArrayEquals(b("v"), s.get(b("k")));
            s.set(b("p"), b("v"));
            assertTrue(s.expireAsync(b("p"), clock.millis(), true, Integer.MAX_VALUE).get());
            assertNull(s.get(b("p")));
            assertEquals(1, s.stats().keys());
            assertThrows(IllegalArgumentException.class, () -> s.expireAsync(b("k"), 0, true, Integer.MAX_VALUE));
        }
        try (Store s = open()) {
            assertNull(s.get(b("p")), "removed for good: a tombstone");
            assertEquals(100, s.pttl(b("k")), "the time survives a restart");
        }
    }

    @Test
    void persist_removesTheExpiry_onceOnly() throws Exception {
        try (Store s = open()) {
            s.set(b("k"), b("v"), in(100));
            assertTrue(s.persistAsync(b("k"), true, Integer.MAX_VALUE).get());
            assertFalse(s.persistAsync(b("k"), true, Integer.MAX_VALUE).get());
            assertFalse(s.persistAsync(b("absent"), true, Integer.MAX_VALUE).get());
            clock.advance(1000);
            assertArrayEquals(b("v"), s.get(b("k")));
        }
        try (Store s = open()) {
            assertEquals(-1, s.pttl(b("k")));
        }
    }

    @Test
    void expiryTimes_surviveReopen_fromHints_andFromScanningTheDataFiles() throws IOException {
        try (Store s = open()) {
            s.set(b("a"), b("1"), in(1000));
            s.set(b("b"), b("2"), in(2000));
            s.set(b("c"), b("3"));
        }
        for (boolean withHints : new boolean[] {true, false}) {
            if (!withHints) {
                try (var hints = Files.newDirectoryStream(dir, "*.hint")) {
                    for (Path h : hints) {
                        Files.delete(h);
                    }
                }
            }
            try (Store s = open()) {
                assertEquals(1000, s.pttl(b("a")), "hints " + withHints);
                assertEquals(2000, s.pttl(b("b")), "hints " + withHints);
                assertEquals(-1, s.pttl(b("c")), "hints " + withHints);
            }
        }
        clock.advance(1500);
        try (Store s = open()) {
            assertNull(s.get(b("a")), "expired while the store was closed");
            assertArrayEquals(b("2"), s.get(b("b")));
            assertEquals(2, s.size());
        }
    }

    @Test
    void anExpiredKey_doesNotBringBackAnOlderValue_afterReopen() throws IOException {
        try (Store s = open()) {
            s.set(b("k"), b("forever"));
            s.set(b("k"), b("briefly"), in(10));
        }
        clock.advance(10);
        try (Store s = open()) {
            assertNull(s.get(b("k")));
            s.compact();
        }
        try (Store s = open()) {
            assertNull(s.get(b("k")), "compaction dropped the expired record and the one it shadowed");
            assertEquals(0, s.size());
        }
    }

    @Test
    void sweeping_dropsExpiredKeysFromTheKeydir_asDeadBytes_andCompactionReclaimsThem() throws Exception {
        try (Store s = open()) {
            for (int i = 0; i < 1000; i++) {
                s.set(b("k" + i), new byte[1000], in(i < 500 ? 100 : 100_000));
            }
            s.compact(); // seals: the records are now in a sealed file
            long before = s.stats().totalBytes();
            assertEquals(1000, s.stats().keysWithExpiry());
            clock.advance(100);
            assertEquals(500, s.size());
            assertEquals(500, s.sweepExpired());
            assertEquals(500, s.stats().expiredKeys());
            assertEquals(500, s.stats().keysWithExpiry());
            assertTrue(s.stats().deadBytes() >= 500 * 1000, "expired records are dead bytes: " + s.stats());
            s.compact();
            assertTrue(s.stats().totalBytes() < before * 6 / 10, s.stats().totalBytes() + " of " + before);
            assertEquals(500, s.size());
            assertNull(s.get(b("k0")));
            assertArrayEquals(new byte[1000], s.get(b("k999")));
        }
    }

    @Test
    void keysWithoutExpiry_costTheKeydirNothingMore() {
        Keydir plain = new Keydir();
        Keydir mixed = new Keydir();
        for (int i = 0; i < 10_000; i++) {
            plain.put(b("key" + i), 1, 8, 30);
            mixed.put(b("key" + i), 1, 8, 30, i < 100 ? 1_000_000 : 0);
        }
        long extra = mixed.heapBytes() - plain.heapBytes();
        assertTrue(extra > 0 && extra <= 100 * 48, "100 expiring keys cost " + extra + " bytes");
        for (int i = 0; i < 100; i++) {
            mixed.put(b("key" + i), 1, 8, 30, 0);
        }
        assertEquals(0, mixed.keysWithExpiry());
    }

    @Test
    void anExpiryTimeBeforeTheEpoch_isRefused() throws IOException {
        try (Store s = open()) {
            assertThrows(IllegalArgumentException.class, () -> s.set(b("k"), b("v"), -2));
            assertThrows(IllegalArgumentException.class, () -> Write.put(b("k"), b("v"), Store.KEEP_EXPIRY));
        }
    }

    @Test
    void expiryTimes_surviveCompaction_andReopenThroughTheCompactedHints() throws Exception {
        try (Store s = open()) {
            s.set(b("k"), b("v"), in(10_000));
            s.batchAsync(List.of(Write.put(b("j"), b("w"), in(20_000)), Write.put(b("p"), b("q"))), true).get();
            s.compact();
            assertEquals(in(10_000), s.expireTime(b("k")));
            assertEquals(in(20_000), s.expireTime(b("j")));
            assertArrayEquals(b("v"), s.get(b("k")));
            assertArrayEquals(b("w"), s.get(b("j")));
        }
        try (Store s = open()) {
            assertEquals(in(10_000), s.expireTime(b("k")));
            assertEquals(in(20_000), s.expireTime(b("j")));
            assertEquals(-1, s.expireTime(b("p")));
            assertEquals(2, s.stats().keysWithExpiry());
            clock.advance(10_000);
            assertNull(s.get(b("k")));
            assertArrayEquals(b("w"), s.get(b("j")));
        }
    }

    @Test
    void aRemovedKeysEntry_reusedByAnotherKey_carriesNoExpiry() throws Exception {
        try (Store s = open()) {
            s.set(b("k"), b("v"), in(10_000));
            assertEquals(1, s.stats().keysWithExpiry());
            s.remove(b("k"));
            s.set(b("other"), b("v"));
            assertEquals(-1, s.expireTime(b("other")));
            assertEquals(0, s.stats().keysWithExpiry());
            s.set(b("k"), b("v2"), in(5_000));
            s.set(b("k"), b("v3"));
            assertEquals(-1, s.expireTime(b("k")));
            assertEquals(0, s.stats().keysWithExpiry());
        }
    }

    @Test
    void aBatch_writingAKeyTwice_endsAsItsLastWriteSays_expiryIncluded() throws Exception {
        try (Store s = open()) {
            s.batchAsync(List.of(Write.put(b("k"), b("1"), in(1000)), Write.put(b("k"), b("2"))), true).get();
            s.batchAsync(List.of(Write.put(b("j"), b("1")), Write.put(b("j"), b("2"), in(1000))), true).get();
            s.batchAsync(List.of(Write.put(b("r"), b("1"), in(1000)), Write.remove(b("r"))), true).get();
            assertEquals(-1, s.expireTime(b("k")));
            assertEquals(in(1000), s.expireTime(b("j")));
            assertNull(s.get(b("r")));
            assertEquals(1, s.stats().keysWithExpiry());
        }
        try (Store s = open()) {
            assertEquals(-1, s.expireTime(b("k")));
            assertArrayEquals(b("2"), s.get(b("k")));
            assertEquals(in(1000), s.expireTime(b("j")));
            assertNull(s.get(b("r")));
            assertEquals(1, s.stats().keysWithExpiry());
        }
    }

    /** An older value in a compacted file must not come back once its newer expiring put is swept and compacted. */

    @Test
    void anOlderValue_staysGone_afterTheExpiredPutIsSweptAndCompacted_andReopened() throws Exception {
        try (Store s = open()) {
            s.set(b("k"), b("old"));
            s.compact(); // "old" now in a compacted file
            s.set(b("k"), b("new"), in(1000));
            s.remove(b("gone-never-set"));
            clock.advance(2000);
            s.compact(); // sweeps k, seals, compacts every sealed file
            assertNull(s.get(b("k")));
            s.set(b("x"), b("y"));
        }
        try (Store s = open()) {
            assertNull(s.get(b("k")), "the older value came back");
        }
        // And without hints: every data file scanned.
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (f.toString().endsWith(".hint")) {
                    Files.delete(f);
                }
            }
        }
        try (Store s = open()) {
            assertNull(s.get(b("k")), "the older value came back");
            assertArrayEquals(b("y"), s.get(b("x")));
        }
    }

    @Test
    void keepExpiry_onAnExpiredButUnsweptKey_setsNoExpiry_andAfterReopenToo() throws Exception {
        try (Store s = open()) {
            s.set(b("k"), b("v"), in(1000));
            clock.advance(1000);
            s.set(b("k"), b("v2"), Store.KEEP_EXPIRY);
            assertEquals(-1, s.expireTime(b("k")));
            assertArrayEquals(b("v2"), s.get(b("k")));
        }
        try (Store s = open()) {
            assertEquals(-1, s.expireTime(b("k")));
            assertArrayEquals(b("v2"), s.get(b("k")));
        }
    }

    @Test
    void sweptKeys_leaveTheStatsRight_andSizeCountsThemOut() throws Exception {
        try (Store s = Store.open(dir.resolve("s"), StoreOptions.defaults().withClock(clock))) {
            for (int i = 0; i < 100; i++) {
                s.set(b("k" + i), b("v"), in(1000 + i));
            }
            clock.advance(1050);
            assertEquals(49, s.size());
            s.sweepExpired();
            s.backup(dir.resolve("barrier")); // a sweep queued by a write, if any, is done too
            assertEquals(49, s.size());
            assertEquals(49, s.stats().keysWithExpiry());
            assertEquals(51, s.stats().expiredKeys());
            assertTrue(s.stats().liveBytes() < s.stats().totalBytes());
        }
    }

    /**
     * Expired keys are swept while writes come, not only every thousand writes: a store taking a
     * write a second must not keep its expired keys until a restart or a compaction.
     */
    @Test
    void anExpiredKey_isSweptSoonAfterAWrite_notEveryThousandWrites() throws Exception {
        try (Store s = Store.open(dir.resolve("s"), StoreOptions.defaults().withClock(clock))) {
            s.set(b("k"), b("v"), clock.millis()); // a time already past: gone at once, swept soon
            for (int i = 0; i < 10; i++) {
                s.set(b("w" + i), b("v"));
            }
            s.backup(dir.resolve("barrier")); // on the maintenance thread, after the sweep queued
            assertEquals(1, s.stats().expiredKeys());
            assertEquals(0, s.stats().keysWithExpiry());
        }
    }
}
