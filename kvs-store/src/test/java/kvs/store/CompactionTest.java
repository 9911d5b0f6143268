package kvs.store;

import static kvs.store.StoreTest.b;
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
        assertTrue(warnings.get(0).contains("checksum mismatch in record of " + recordSize("x", "xxxxxxxx")
                + " bytes"), warnings.get(0));
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
            long liveBefore = s.stats().liveBytes();
            s.compact();
            assertNull(s.get(b("gone")));
            assertEquals(liveBefore + RecordFormat.recordSize("gone".length(), 0), s.stats().liveBytes(),
                    "the kept tombstone counts as live, so that it does not call for another compaction");
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
     * As {@link #tombstone_isKept_whenAnOlderFileIsNotAnInput_soNoDeletedKeyComesBack}, for a key
     * whose latest record is a put that expired: with the file holding its older value left out
     * (damaged), the expired put is kept, or the older value would come back.
     */
    @Test
    void expiredPut_isKept_whenAnOlderFileIsNotAnInput_soNoExpiredKeyComesBack() throws IOException {
        String pad = "p".repeat(3900);
        TestClock clock = new TestClock();
        StoreOptions options = SMALL.withClock(clock);
        try (Store s = Store.open(dir, options)) {
            s.set(b("gone"), b("old value"));
            s.set(b("x"), b("xxxxxxxx"));
            s.set(b("fill1"), b(pad));
            s.set(b("fill2"), b(pad)); // seals file 1
            s.set(b("gone"), b("brief"), clock.millis() + 10);
            s.set(b("fill3"), b(pad)); // seals file 2
        }
        Path first = SegmentNames.dataFile(dir, 1);
        byte[] bytes = Files.readAllBytes(first);
        int x = RecordFormat.FILE_HEADER_BYTES + recordSize("gone", "old value");
        bytes[x + RecordFormat.HEADER_BYTES + 1 + 3] ^= 1; // a value byte of "x"
        Files.write(first, bytes);
        clock.advance(10);
        try (Store s = Store.open(dir, options)) {
            assertNull(s.get(b("gone")));
            s.compact();
            assertEquals(1, s.stats().damagedFiles());
            assertFalse(Files.exists(SegmentNames.dataFile(dir, 2)), "the expired put's file was an input");
        }
        try (Store s = Store.open(dir, options)) {
            assertNull(s.get(b("gone")), "an expired key came back with its older value");
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

    /** With no file left out, a tombstone shadows nothing outside the inputs: it goes. */
    @Test
    void compact_dropsTombstones_whenEveryFileIsAnInput() throws IOException {
        try (Store s = Store.open(dir, SMALL)) {
            s.set(b("a"), b("1"));
            s.set(b("b"), b("2"));
            s.remove(b("b"));
            s.compact();
            StoreStats st = s.stats();
            assertEquals(recordSize("a", "1"), st.liveBytes(), st.toString());
            assertEquals(st.liveBytes() + (long) RecordFormat.FILE_HEADER_BYTES * st.segments(), dataFileBytes(),
                    "the outputs hold the live record only");
            assertNull(s.get(b("b")));
        }
        try (Store s = Store.open(dir, SMALL)) {
            assertNull(s.get(b("b")));
            assertArrayEquals(b("1"), s.get(b("a")));
        }
    }

    /** stats() takes no lock: while a compaction runs, it must not count a record twice. */
    @Test
    void liveBytes_stayTheSame_atEveryStepOfACompaction() throws IOException {
        Map<String, Long> liveAt = new LinkedHashMap<>();
        try (Store s = Store.open(dir, SMALL)) {
            for (int round = 0; round < 3; round++) {
                fill(s, "k");
            }
            s.remove(b("k7"));
            long before = s.stats().liveBytes();
            s.compactorForTest().listener(step -> liveAt.put(step, s.stats().liveBytes()));
            s.compact();
            for (String step : List.of("outputs-written", "committed", "renamed", "repointed", "inputs-deleted")) {
                assertEquals(before, liveAt.get(step), "live bytes at " + step);
            }
            assertEquals(before, s.stats().liveBytes());
        }
    }

    /** A retired input is closed (no reader holds it), so the disk space of the deleted file is freed. */
    @Test
    void compact_closesTheInputsItDeletes() throws IOException {
        try (Store s = Store.open(dir, SMALL)) {
            fill(s, "k");
            fill(s, "k");
            Segment first = s.segments.get(1);
            assertTrue(first.channel().isOpen());
            s.compact();
            assertFalse(Files.exists(SegmentNames.dataFile(dir, 1)));
            assertTrue(first.retired());
            assertFalse(first.channel().isOpen(), "a deleted input still holds a file descriptor");
        }
    }

    /** Every output's hint is whole: the next open reads it instead of the data file. */
    @Test
    void compact_writesAWholeHintForEveryOutput() throws IOException {
        try (Store s = Store.open(dir, SMALL)) {
            for (int round = 0; round < 3; round++) {
                fill(s, "k");
            }
            s.compact();
            List<String> hinted = new ArrayList<>();
            int hints = 0;
            try (Stream<Path> files = Files.list(dir)) {
                for (Path p : files.sorted().toList()) {
                    var id = SegmentNames.parseDataId(p.getFileName().toString());
                    if (id.isPresent() && Files.exists(SegmentNames.hintFile(dir, id.getAsInt()))) {
                        hints++;
                        assertTrue(HintFile.read(SegmentNames.hintFile(dir, id.getAsInt()), Files.size(p),
                                (offset, size, seq, type, key, expiry) -> hinted.add(new String(key, StandardCharsets.UTF_8))),
                                "hint of " + p + " is not whole");
                    }
                }
            }
            assertTrue(hints >= 2, hints + " hints: the outputs span two files at least");
            assertEquals(40, hinted.size(), hinted.toString());
        }
    }

    private static int lastKey(Store s, Location at) {
        for (int k = 0; k < 30; k++) {
            if (at.equals(s.keydir.get(b("key" + k)))) {
                return k;
            }
        }
        throw new AssertionError("no key at " + at);
    }

    /** A crash right after the commit record: the next open finishes the job, inputs deleted. */
    @Test
    void crashAfterCommit_openDeletesTheInputs() throws IOException {
        Path work = dir.resolve("store");
        Path crash = dir.resolve("crash");
        List<Path> inputs;
        try (Store s = Store.open(work, SMALL)) {
            fill(s, "k");
            fill(s, "k");
            try (Stream<Path> files = Files.list(work)) {
                inputs = files.filter(p -> SegmentNames.parseDataId(p.getFileName().toString()).isPresent())
                        .map(Path::getFileName).toList();
            }
            s.compactorForTest().listener(step -> {
                if (step.equals("committed")) {
                    copyDirectory(work, crash);
                }
            });
            s.compact();
            assertFalse(Files.exists(CompactionCommit.path(work)), "the commit record is deleted at the end");
        }
        assertTrue(inputs.size() >= 2, inputs.toString());
        try (Store s = Store.open(crash, SMALL)) {
            for (Path input : inputs) {
                assertFalse(Files.exists(crash.resolve(input)), input + " outlived the compaction");
            }
            assertEquals(40, s.size());
            assertArrayEquals(b("x".repeat(100)), s.get(b("k39")));
        }
    }

    /** A compaction that fails after writing its outputs leaves no temporary file behind. */
    @Test
    void failedCompaction_deletesItsOutputs_andChangesNothing() throws Exception {
        try (Store s = Store.open(dir, SMALL)) {
            fill(s, "k");
            fill(s, "k");
            s.compactorForTest().listener(step -> {
                if (step.equals("outputs-written")) {
                    throw new IOException("no space left on device (test)");
                }
            });
            assertThrows(IOException.class, s::compact);
            s.maintenanceDrained().get(30, TimeUnit.SECONDS); // the hint of the file compact() sealed
            try (Stream<Path> files = Files.list(dir)) {
                assertEquals(List.of(), files.filter(p -> p.toString().endsWith(".tmp")).toList());
            }
            assertEquals(0, s.stats().compactions());
            assertEquals(40, s.size());
            assertArrayEquals(b("x".repeat(100)), s.get(b("k39")));
        }
    }

    /**
     * A hint that fails its checksum is not used, and one whose entry count disagrees is not used
     * either (though its entries were read): each data file is scanned instead, and each live
     * record copied once.
     */
    @Test
    void damagedHints_areIgnored_theirDataFilesScanned_noRecordLostOrCopiedTwice() throws Exception {
        Map<String, String> expected = new LinkedHashMap<>();
        try (Store s = Store.open(dir, SMALL)) {
            for (int k = 0; k < 30; k++) {
                s.set(b("key" + k), b("v" + k + "-" + "y".repeat(300)));
                expected.put("key" + k, "v" + k + "-" + "y".repeat(300));
            }
            s.maintenanceDrained().get(30, TimeUnit.SECONDS); // the hints of the sealed files
            Path hint1 = SegmentNames.hintFile(dir, 1);
            Path hint2 = SegmentNames.hintFile(dir, 2);
            assertTrue(Files.exists(hint1) && Files.exists(hint2));
            byte[] one = Files.readAllBytes(hint1);
            one[one.length / 2] ^= 1; // the checksum fails: nothing is visited
            Files.write(hint1, one);
            Location last = null; // the last record of file 2: its hint lists it alone, and claims two
            for (int k = 0; k < 30; k++) {
                Location at = s.keydir.get(b("key" + k));
                if (at.segment() == 2) {
                    last = at;
                }
            }
            try (HintFile.Writer w = new HintFile.Writer(hint2)) {
                w.add(last.offset(), last.size(), 1, RecordFormat.TYPE_PUT, b("key" + lastKey(s, last)), 0);
                w.finish(Files.size(SegmentNames.dataFile(dir, 2)));
            }
            byte[] two = Files.readAllBytes(hint2);
            java.nio.ByteBuffer tail = java.nio.ByteBuffer.wrap(two);
            tail.putLong(two.length - 12, tail.getLong(two.length - 12) + 1); // one entry more than there are
            java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
            crc.update(two, 0, two.length - 4);
            tail.putInt(two.length - 4, (int) crc.getValue()); // still checksummed: its entry is visited
            Files.write(hint2, two);
            s.compact();
            StoreStats st = s.stats();
            assertEquals(st.liveBytes() + (long) RecordFormat.FILE_HEADER_BYTES * st.segments(), dataFileBytes(),
                    "every live record copied once");
            assertExpected(s, expected, expected.size());
        }
        try (Store s = Store.open(dir, SMALL)) {
            assertExpected(s, expected, expected.size());
        }
    }

    /**
     * Data file 1 is damaged and holds a large dead record; the other files hold only live
     * records. Dead bytes that compaction cannot reclaim must not start compaction after compaction.
     */
    @Test
    void deadBytesOfALeftOutFile_doNotStartAnotherCompaction() throws Exception {
        try (Store s = Store.open(dir, SMALL)) {
            s.set(b("big"), b("b".repeat(2000)));
            s.set(b("x"), b("xxxxxxxx"));
            s.set(b("fill1"), b("p".repeat(2000)));
            s.set(b("big"), b("c")); // seals file 1, where "big" is now dead
            assertEquals(1, s.keydir.get(b("x")).segment());
            assertEquals(2, s.keydir.get(b("big")).segment());
        }
        Path first = SegmentNames.dataFile(dir, 1);
        byte[] bytes = Files.readAllBytes(first);
        bytes[RecordFormat.FILE_HEADER_BYTES + recordSize("big", "b".repeat(2000)) + RecordFormat.HEADER_BYTES + 1 + 3] ^= 1;
        Files.write(first, bytes);
        StoreOptions eager = SMALL.withCompactRatio(0.001).withCompactMinBytes(1000);
        try (Store s = Store.open(dir, eager)) {
            s.compact();
            s.maintenanceDrained().get(30, TimeUnit.SECONDS);
            assertEquals(1, s.stats().damagedFiles());
            long compactions = s.stats().compactions();
            fill(s, "new-"); // seals a file of live records: the thresholds are checked again
            s.maintenanceDrained().get(30, TimeUnit.SECONDS);
            assertEquals(compactions, s.stats().compactions(), "a compaction ran for the left-out file");
            assertArrayEquals(b("c"), s.get(b("big")));
        }
    }

    /** A store closed while a compaction copies: the compaction is abandoned and leaves no file. */
    @Test
    void closeDuringCompaction_abandonsIt_deletesItsOutputs_andKeepsTheData() throws Exception {
        AtomicBoolean armed = new AtomicBoolean();
        java.util.concurrent.atomic.AtomicReference<Store> store = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.CompletableFuture<Void> closing = new java.util.concurrent.CompletableFuture<>();
        StorageIo closeOnFirstOutput = (path, options) -> {
            if (path.toString().endsWith(".data.tmp") && armed.compareAndSet(true, false)) {
                Store s = store.get();
                java.util.concurrent.CompletableFuture.runAsync(() -> {
                    try {
                        s.close();
                        closing.complete(null);
                    } catch (Throwable t) {
                        closing.completeExceptionally(t);
                    }
                });
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (!s.isClosed() && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
            }
            return java.nio.channels.FileChannel.open(path, options);
        };
        try (Store s = Store.open(dir, SMALL.withIo(closeOnFirstOutput))) {
            store.set(s);
            fill(s, "k");
            fill(s, "k");
            armed.set(true);
            var compaction = s.compactAsync();
            var failure = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> compaction.get(30, TimeUnit.SECONDS));
            assertTrue(failure.getCause() instanceof StoreClosedException, failure.toString());
            closing.get(30, TimeUnit.SECONDS);
            assertTrue(s.isClosed());
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(), files.filter(p -> p.toString().endsWith(".tmp")).toList());
        }
        try (Store s = Store.open(dir, SMALL)) {
            assertEquals(40, s.size());
            assertArrayEquals(b("x".repeat(100)), s.get(b("k0")));
            assertEquals(0, s.stats().compactions());
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
