package kvs.server.store;

import static kvs.server.store.StoreTest.b;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
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

    /**
     * Data file 1: "gone" (good), "x" (damaged later), a filler. Data file 2: the tombstone of
     * "gone", a filler. Data file 3: a filler. All sealed with hints; "x" then damaged on disk.
     */
    private void writeTombstoneBesideADamagedFile() throws IOException {
        String pad = "p".repeat(3900);
        try (Store s = Store.open(dir, SMALL)) {
            s.set(b("gone"), b("old value"));
            s.set(b("x"), b("xxxxxxxx"));
            s.set(b("fill1"), b(pad));
            s.set(b("fill2"), b(pad)); // seals file 1
            s.remove(b("gone"));
            s.set(b("fill3"), b(pad)); // seals file 2
            assertEquals(1, s.keydir.get(b("x")).segment());
            assertEquals(2, s.keydir.get(b("fill2")).segment());
            assertEquals(3, s.keydir.get(b("fill3")).segment());
        }
        Path first = SegmentNames.dataFile(dir, 1);
        byte[] bytes = Files.readAllBytes(first);
        int x = RecordFormat.FILE_HEADER_BYTES + recordSize("gone", "old value");
        bytes[x + RecordFormat.HEADER_BYTES + 1 + 3] ^= 1; // a value byte of "x"
        Files.write(first, bytes);
    }

    @Test
    void damagedInput_isLeftOut_theRestCompacted_loggedOnce_andCounted() throws IOException {
        writeTombstoneBesideADamagedFile();
        List<String> logged = new ArrayList<>();
        try (var capture = LogCapture.of(Compactor.class, logged);
                Store s = Store.open(dir, SMALL)) {
            s.compact();
            assertEquals(1, s.stats().damagedFiles());
            assertTrue(Files.exists(SegmentNames.dataFile(dir, 1)), "the damaged file is kept");
            assertFalse(Files.exists(SegmentNames.dataFile(dir, 2)), "the rest is compacted");
            assertFalse(Files.exists(SegmentNames.dataFile(dir, 3)));
            s.set(b("more"), b("1"));
            s.compact();
            assertEquals(2, s.stats().compactions());
            assertEquals(1, s.stats().damagedFiles());
            assertArrayEquals(b("p".repeat(3900)), s.get(b("fill1")), "good records of it stay readable");
            CorruptionException e = assertThrows(CorruptionException.class, () -> s.get(b("x")));
            assertEquals(SegmentNames.dataFile(dir, 1), e.file());
        }
        List<String> warnings = logged.stream().filter(m -> m.contains("leaves this file out")).toList();
        assertEquals(1, warnings.size(), logged.toString());
        assertTrue(warnings.get(0).contains("000000001.data at offset "
                + (RecordFormat.FILE_HEADER_BYTES + recordSize("gone", "old value"))), warnings.get(0));
    }

    /**
     * The put of "gone" is in a file compaction leaves out (damaged); its tombstone is in a file
     * compaction takes. Dropping the tombstone would bring "gone" back at the next open.
     */
    @Test
    void tombstone_isKept_whenAnOlderFileIsNotAnInput_soNoDeletedKeyComesBack() throws IOException {
        writeTombstoneBesideADamagedFile();
        try (Store s = Store.open(dir, SMALL)) {
            assertNull(s.get(b("gone")));
            s.compact();
            assertNull(s.get(b("gone")));
            assertFalse(Files.exists(SegmentNames.dataFile(dir, 2)), "the tombstone's file was an input");
        }
        try (Store s = Store.open(dir, SMALL)) {
            assertNull(s.get(b("gone")), "a deleted key came back after compaction and reopen");
            assertArrayEquals(b("p".repeat(3900)), s.get(b("fill2")));
            s.compact(); // again: the kept tombstone is kept again
        }
        try (Store s = Store.open(dir, SMALL)) {
            assertNull(s.get(b("gone")), "a deleted key came back after a second compaction");
        }
    }

    /**
     * The seal that an on-demand compaction begins with finds the thresholds met (the dead bytes
     * were all in the active file); the compaction queued then must not run once compact() has
     * made it needless.
     */
    @Test
    void compact_leavesTheDirectoryCompacted_andNoSecondCompactionFollows() throws Exception {
        StoreOptions eager = StoreOptions.defaults().withMaxSegmentBytes(1 << 20).withCompactRatio(0.1)
                .withCompactMinBytes(1);
        try (Store s = Store.open(dir, eager)) {
            for (int i = 0; i < 2000; i++) {
                s.set(b("k" + (i % 50)), b("value-" + i));
            }
            assertEquals(0, s.stats().compactions(), "nothing sealed yet, so nothing compacted");
            s.compact();
            assertEquals(1, s.stats().compactions());
            long compactions = s.stats().compactions();
            StoreStats st = s.stats();
            assertEquals(st.liveBytes() + (long) RecordFormat.FILE_HEADER_BYTES * st.segments(), dataFileBytes(),
                    "right after compact(): live records and file headers only");
            s.maintenanceDrained().get(30, TimeUnit.SECONDS);
            assertEquals(compactions, s.stats().compactions(), "a second compaction followed compact()");
            assertEquals(50, s.size());
        }
    }

    /** A compaction that keeps failing is retried with growing delays, not on every seal. */
    @Test
    void failingAutomaticCompaction_backsOff() throws Exception {
        StoreOptions auto = StoreOptions.defaults().withMaxSegmentBytes(4096).withCompactRatio(0.1)
                .withCompactMinBytes(1);
        java.util.concurrent.atomic.AtomicInteger attempts = new java.util.concurrent.atomic.AtomicInteger();
        try (Store s = Store.open(dir, auto)) {
            s.compactorForTest().listener(step -> {
                if (step.equals("outputs-written")) {
                    attempts.incrementAndGet();
                    throw new IOException("no space left on device (test)");
                }
            });
            long started = System.nanoTime();
            for (int i = 0; i < 20_000; i++) {
                s.set(b("k" + (i % 50)), b("value-" + i));
            }
            s.maintenanceDrained().get(30, TimeUnit.SECONDS);
            double seconds = (System.nanoTime() - started) / 1e9;
            // Delays of 1, 2, 4, ... s: in t seconds at most 1 + log2(t + 1) + 1 attempts.
            int allowed = 2 + (int) Math.ceil(Math.log(seconds + 1) / Math.log(2));
            assertTrue(attempts.get() >= 1, "compaction never tried");
            assertTrue(attempts.get() <= allowed, attempts.get() + " attempts in " + seconds + " s");
            assertEquals(0, s.stats().compactions());
            assertEquals(50, s.size());
        }
    }

    private long dataFileBytes() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            long sum = 0;
            for (Path p : files.toList()) {
                if (SegmentNames.parseDataId(p.getFileName().toString()).isPresent()) {
                    sum += Files.size(p);
                }
            }
            return sum;
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
