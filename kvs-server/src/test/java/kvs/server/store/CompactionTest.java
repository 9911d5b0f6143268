package kvs.server.store;

import static kvs.server.store.StoreTest.b;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompactionTest {

    @TempDir
    Path dir;

    private static final StoreOptions SMALL = StoreOptions.defaults().withMaxSegmentBytes(4096)
            .withCompactMinBytes(Long.MAX_VALUE / 2); // no automatic compaction unless asked

    private static int recordSize(String key, String value) {
        return RecordFormat.recordSize(key.length(), value.length());
    }

    @Test
    void liveBytes_countOnlyTheRecordsTheKeydirPointsAt() throws IOException {
        try (Store s = Store.open(dir, SMALL)) {
            s.set(b("a"), b("1"));
            s.set(b("a"), b("22"));
            s.set(b("b"), b("333"));
            s.set(b("c"), b("4444"));
            s.remove(b("c"));
            StoreStats st = s.stats();
            assertEquals(recordSize("a", "22") + recordSize("b", "333"), st.liveBytes());
            assertEquals(Files.size(SegmentNames.dataFile(dir, 1)), st.totalBytes());
            assertEquals(2, st.keys());
        }
        try (Store s = Store.open(dir, SMALL)) {
            assertEquals(recordSize("a", "22") + recordSize("b", "333"), s.stats().liveBytes(),
                    "the same after replay");
        }
    }

    @Test
    void compact_keepsLatestValues_andShrinksDiskToUnderTwiceLive() throws IOException {
        Map<String, String> expected = new LinkedHashMap<>();
        try (Store s = Store.open(dir, SMALL)) {
            for (int round = 0; round < 50; round++) {
                for (int k = 0; k < 100; k++) {
                    String v = "value-" + round + "-" + k;
                    s.set(b("key" + k), b(v));
                    expected.put("key" + k, v);
                }
            }
            for (int k = 0; k < 100; k += 10) {
                s.remove(b("key" + k));
                expected.remove("key" + k);
            }
            long before = directoryBytes();
            s.compact();
            long after = directoryBytes();
            StoreStats st = s.stats();
            assertTrue(after < before / 10, "before " + before + ", after " + after);
            assertTrue(st.totalBytes() <= 2 * st.liveBytes(), st.toString());
            assertEquals(1, st.compactions());
            assertExpected(s, expected, expected.size());
        }
        try (Store s = Store.open(dir, SMALL)) {
            assertExpected(s, expected, expected.size());
        }
    }

    @Test
    void removedKey_neverComesBack_afterCompactionAndReopen() throws IOException {
        try (Store s = Store.open(dir, SMALL)) {
            s.set(b("ghost"), b("boo"));
            fill(s, "pad1-"); // the put is in a sealed file
            s.remove(b("ghost"));
            fill(s, "pad2-"); // and so is the tombstone, in a later one
            s.compact();
            assertNull(s.get(b("ghost")));
        }
        try (Store s = Store.open(dir, SMALL)) {
            assertNull(s.get(b("ghost")));
        }
    }

    @Test
    void everyCrashPoint_opensToTheAcknowledgedData() throws IOException {
        Path work = dir.resolve("store");
        Map<String, Path> snapshots = new LinkedHashMap<>();
        Map<String, String> expected = new LinkedHashMap<>();
        try (Store s = Store.open(work, SMALL)) {
            s.set(b("ghost"), b("boo"));
            for (int round = 0; round < 20; round++) {
                for (int k = 0; k < 30; k++) {
                    s.set(b("key" + k), b("v" + round));
                    expected.put("key" + k, "v" + round);
                }
            }
            s.remove(b("ghost"));
            fill(s, "pad-");
            for (int i = 0; i < 40; i++) {
                expected.put("pad-" + i, "x".repeat(100));
            }
            s.compactorForTest().listener(step -> {
                Path copy = dir.resolve("crash-" + step);
                copyDirectory(work, copy);
                snapshots.put(step, copy);
            });
            s.compact();
        }
        assertEquals(List.of("outputs-written", "committed", "renamed", "repointed", "inputs-deleted"),
                new ArrayList<>(snapshots.keySet()));
        for (Map.Entry<String, Path> snap : snapshots.entrySet()) {
            try (Store s = Store.open(snap.getValue(), SMALL)) {
                assertNull(s.get(b("ghost")), "after a crash at " + snap.getKey());
                assertExpected(s, expected, expected.size());
            }
            try (Stream<Path> files = Files.list(snap.getValue())) {
                assertTrue(files.noneMatch(p -> p.toString().endsWith(".tmp")
                        || p.getFileName().toString().equals("COMPACTION")), snap.getKey());
            }
        }
    }

    @Test
    void readsAndWritesDuringCompaction_seeLatestAcknowledgedValues() throws Exception {
        int keys = 200;
        AtomicLongArray acked = new AtomicLongArray(keys);
        AtomicBoolean stop = new AtomicBoolean();
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        try (Store s = Store.open(dir, SMALL)) {
            for (int k = 0; k < keys; k++) {
                s.set(b("k" + k), b("0"));
            }
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<?>> jobs = new ArrayList<>();
                jobs.add(pool.submit(() -> {
                    for (long v = 1; !stop.get() && v < 1_000_000; v++) {
                        int k = (int) (v % keys);
                        s.set(b("k" + k), b(Long.toString(v)));
                        acked.set(k, v);
                    }
                    return null;
                }));
                for (int r = 0; r < 2; r++) {
                    int seed = r;
                    jobs.add(pool.submit(() -> {
                        java.util.Random rnd = new java.util.Random(seed);
                        while (!stop.get()) {
                            int k = rnd.nextInt(keys);
                            long floor = acked.get(k);
                            byte[] got = s.get(b("k" + k));
                            long v = got == null ? -1 : Long.parseLong(new String(got, StandardCharsets.UTF_8));
                            if (v < floor) {
                                failures.add("k" + k + ": read " + v + " after " + floor + " was acknowledged");
                            }
                        }
                        return null;
                    }));
                }
                for (int i = 0; i < 5; i++) {
                    s.compact();
                }
                stop.set(true);
                for (Future<?> f : jobs) {
                    f.get(60, TimeUnit.SECONDS);
                }
            } finally {
                stop.set(true);
                pool.shutdownNow();
            }
            assertTrue(failures.isEmpty(), failures.toString());
            assertEquals(5, s.stats().compactions());
            for (int k = 0; k < keys; k++) {
                assertArrayEquals(b(Long.toString(acked.get(k))), s.get(b("k" + k)));
            }
        }
        try (Store s = Store.open(dir, SMALL)) {
            for (int k = 0; k < keys; k++) {
                assertArrayEquals(b(Long.toString(acked.get(k))), s.get(b("k" + k)));
            }
        }
    }

    @Test
    void automatic_startsWhenDeadBytesPassBothThresholds_andShrinksTheDirectory() throws Exception {
        StoreOptions auto = StoreOptions.defaults().withMaxSegmentBytes(4096).withCompactRatio(0.5)
                .withCompactMinBytes(16 * 1024);
        try (Store s = Store.open(dir, auto)) {
            long peak = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            for (int i = 0; i < 200_000 && s.stats().compactions() == 0; i++) {
                s.set(b("k" + (i % 50)), b("value-" + i));
                peak = Math.max(peak, directoryBytes());
                assertTrue(System.nanoTime() < deadline, "no automatic compaction within 30 s");
            }
            assertTrue(s.stats().compactions() >= 1);
            assertTrue(directoryBytes() < peak, "directory " + directoryBytes() + " vs peak " + peak);
            assertEquals(50, s.size());
        }
    }

    @Test
    void compact_ofAnEmptyStore_doesNothing() throws IOException {
        try (Store s = Store.open(dir, SMALL)) {
            s.compact();
            assertEquals(0, s.size());
        }
    }

    @Test
    void leftoverTemporaryFiles_areDeletedOnOpen() throws IOException {
        try (Store s = Store.open(dir, SMALL)) {
            s.set(b("a"), b("1"));
        }
        Files.write(dir.resolve("000000009.data.tmp"), new byte[] {1, 2, 3});
        Files.write(dir.resolve("000000009.hint.tmp"), new byte[] {1, 2, 3});
        try (Store s = Store.open(dir, SMALL)) {
            assertArrayEquals(b("1"), s.get(b("a")));
        }
        assertFalse(Files.exists(dir.resolve("000000009.data.tmp")));
        assertFalse(Files.exists(dir.resolve("000000009.hint.tmp")));
    }

    /** Writes enough 100-byte values to seal at least one file. */
    private static void fill(Store s, String prefix) throws IOException {
        for (int i = 0; i < 40; i++) {
            s.set(b(prefix + i), b("x".repeat(100)));
        }
    }

    private static void assertExpected(Store s, Map<String, String> expected, int keys) throws IOException {
        for (Map.Entry<String, String> e : expected.entrySet()) {
            assertArrayEquals(b(e.getValue()), s.get(b(e.getKey())), e.getKey());
        }
        assertEquals(keys, s.size());
    }

    private long directoryBytes() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            long sum = 0;
            for (Path p : files.toList()) {
                try {
                    sum += Files.size(p);
                } catch (java.nio.file.NoSuchFileException gone) {
                    // deleted by the compaction running meanwhile
                }
            }
            return sum;
        }
    }

    private static void copyDirectory(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path p : files.toList()) {
                if (!p.getFileName().toString().equals("LOCK")) {
                    Files.copy(p, to.resolve(p.getFileName()));
                }
            }
        }
    }
}
