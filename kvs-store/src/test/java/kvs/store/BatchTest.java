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
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Atomic batches: all or none, for readers, for failures and for crashes. */
class BatchTest {

    @TempDir
    Path dir;

    private static boolean[] apply(Store s, Write... writes) throws Exception {
        return s.batchAsync(List.of(writes), true).get(10, TimeUnit.SECONDS);
    }

    @Test
    void putsAndRemoves_appliedInOrder_withWhetherEachRemovedKeyWasHeld() throws Exception {
        try (Store s = Store.open(dir)) {
            s.set(b("old"), b("x"));
            boolean[] r = apply(s, Write.put(b("a"), b("1")), Write.remove(b("old")), Write.remove(b("never")),
                    Write.put(b("a"), b("2")), Write.remove(b("a")), Write.put(b("a"), b("3")),
                    Write.remove(b("old")));
            assertArrayEquals(new boolean[] {true, true, false, true, true, true, false}, r);
            assertArrayEquals(b("3"), s.get(b("a")));
            assertNull(s.get(b("old")));
            assertEquals(1, s.size());
            assertEquals(0, apply(s).length, "an empty batch writes nothing");
        }
        try (Store s = Store.open(dir)) {
            assertArrayEquals(b("3"), s.get(b("a")));
            assertNull(s.get(b("old")));
        }
    }

    @Test
    void aBatch_survivesReopen_fromItsHint_byScanning_andThroughCompaction() throws Exception {
        TestClock clock = new TestClock();
        StoreOptions options = StoreOptions.defaults().withClock(clock);
        try (Store s = Store.open(dir, options)) {
            s.set(b("gone"), b("x"));
            apply(s, Write.put(b("a"), new byte[5000]), Write.put(b("b"), b("2"), clock.millis() + 1000),
                    Write.remove(b("gone")));
        }
        for (String how : new String[] {"hint", "scan", "compacted"}) {
            if (how.equals("scan")) {
                Files.delete(SegmentNames.hintFile(dir, 1));
            }
            try (Store s = Store.open(dir, options)) {
                assertArrayEquals(new byte[5000], s.get(b("a")), how);
                assertEquals(1000, s.pttl(b("b")), how);
                assertNull(s.get(b("gone")), how);
                if (how.equals("scan")) {
                    s.compact();
                }
            }
        }
    }

    /**
     * A batch cut at every offset, as a crash mid-write leaves it: opening finds all of it (only
     * when whole) or none of it, never some of its records, and keeps what came before.
     */
    @Test
    void truncatedAtEveryOffset_opensToAllOfTheBatchOrNone() throws Exception {
        try (Store s = Store.open(dir)) {
            s.set(b("before"), b("kept"));
            s.set(b("a"), b("old"));
            apply(s, Write.put(b("a"), b("new")), Write.put(b("b"), b("2")), Write.remove(b("before")),
                    Write.put(b("c"), new byte[300]));
        }
        Path data = SegmentNames.dataFile(dir, 1);
        byte[] whole = Files.readAllBytes(data);
        Files.delete(SegmentNames.hintFile(dir, 1));
        int batchStart = RecordFormat.FILE_HEADER_BYTES + RecordFormat.recordSize(6, 4) + RecordFormat.recordSize(1, 3);
        Path crashed = dir.resolveSibling("crashed");
        for (int cut = batchStart; cut <= whole.length; cut++) {
            deleteTree(crashed);
            Files.createDirectories(crashed);
            Files.write(SegmentNames.dataFile(crashed, 1), Arrays.copyOf(whole, cut));
            try (Store s = Store.open(crashed)) {
                boolean all = cut == whole.length;
                String at = "cut at " + cut + " of " + whole.length;
                assertArrayEquals(all ? b("new") : b("old"), s.get(b("a")), at);
                assertEquals(all, s.get(b("b")) != null, at);
                assertEquals(!all, s.get(b("before")) != null, at);
                assertEquals(all, s.get(b("c")) != null, at);
            }
            assertFalse(Files.exists(crashed.resolve(SegmentNames.CORRUPT_DIR)),
                    "a batch cut short is an interrupted write, nothing to keep aside: cut at " + cut);
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (var walk = Files.walk(p)) {
            for (Path f : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }

    @Test
    void aDamagedBatch_isDamageAsAWhole_salvageDropsItWhole_andKeepsWhatIsAround() throws Exception {
        // A log file as the store writes it: a put, two batches, a put; damage one byte inside
        // the first batch's second record, leaving its own CRC good but the batch's bad.
        try (Store s = Store.open(dir)) {
            s.set(b("first"), b("1"));
            apply(s, Write.put(b("x"), b("10")), Write.put(b("y"), b("20")));
            apply(s, Write.put(b("p"), b("30")), Write.put(b("q"), b("40")));
            s.set(b("last"), b("2"));
        }
        int id = 1;
        Path log = SegmentNames.dataFile(dir, id);
        byte[] bytes = Files.readAllBytes(log);
        int batch = RecordFormat.FILE_HEADER_BYTES + RecordFormat.recordSize(5, 1);
        bytes[batch + 8] ^= 0x01; // the batch's seq: its checksum fails, its records' do not
        Files.write(log, bytes);
        Files.delete(SegmentNames.hintFile(dir, id)); // scanned at open, as after a crash
        CorruptionException e = assertThrows(CorruptionException.class, () -> Store.open(dir));
        assertEquals(batch, e.offset());
        assertTrue(e.getMessage().contains("checksum mismatch in batch"), e.getMessage());
        try (Store s = Store.openSalvaging(dir, StoreOptions.defaults())) {
            assertNull(s.get(b("x")), "none of the damaged batch");
            assertNull(s.get(b("y")), "none of the damaged batch");
            assertArrayEquals(b("30"), s.get(b("p")), "the next batch, whole");
            assertArrayEquals(b("40"), s.get(b("q")));
            assertArrayEquals(b("1"), s.get(b("first")));
            assertArrayEquals(b("2"), s.get(b("last")));
        }
        try (Store s = Store.open(dir)) {
            assertArrayEquals(b("30"), s.get(b("p")), "the salvaged file keeps the batch whole");
            assertArrayEquals(b("2"), s.get(b("last")));
        }
    }

    /**
     * Writers apply batches that set ten keys to the batch's number; readers read the ten keys one
     * after another. A batch is applied to the keydir at once, so once a reader has seen batch n
     * in one key, every key it reads after shows n or later: it never sees part of a batch.
     */
    @Test
    @Timeout(60)
    void readersNeverSeePartOfABatch() throws Exception {
        int keys = 10;
        int batches = 3000;
        try (Store s = Store.open(dir)) {
            List<Write> first = new ArrayList<>();
            for (int k = 0; k < keys; k++) {
                first.add(Write.put(b("k" + k), b("0")));
            }
            s.batchAsync(first, true).get();
            AtomicBoolean done = new AtomicBoolean();
            ExecutorService pool = Executors.newFixedThreadPool(3);
            try {
                List<Future<String>> readers = new ArrayList<>();
                for (int r = 0; r < 2; r++) {
                    readers.add(pool.submit(() -> {
                        for (int pass = 0; pass < 1_000_000 && !done.get(); pass++) {
                            int seen = 0;
                            for (int k = 0; k < keys; k++) {
                                int v = Integer.parseInt(new String(s.get(b("k" + k))));
                                if (v < seen) {
                                    return "key k" + k + " shows batch " + v + " after another showed " + seen;
                                }
                                seen = v;
                            }
                        }
                        return null;
                    }));
                }
                for (int n = 1; n <= batches; n++) {
                    List<Write> w = new ArrayList<>();
                    for (int k = 0; k < keys; k++) {
                        w.add(Write.put(b("k" + k), b(Integer.toString(n))));
                    }
                    s.batchAsync(w, true).get();
                }
                done.set(true);
                for (Future<String> r : readers) {
                    assertNull(r.get(30, TimeUnit.SECONDS));
                }
            } finally {
                done.set(true);
                pool.shutdownNow();
            }
        }
    }

    @Test
    void aBatchOverTheKeydirBudget_writesNothing() throws Exception {
        try (Store s = Store.open(dir, StoreOptions.defaults().withMaxKeydirBytes(1))) {
            List<Write> w = List.of(Write.put(b("a"), b("1")), Write.put(b("b"), b("2")));
            assertThrows(KeydirFullException.class, () -> s.batchAsync(w, true));
            assertNull(s.batchAsync(w, false), "an event loop is told to retry where it may wait");
            assertEquals(0, s.size());
            assertEquals(RecordFormat.FILE_HEADER_BYTES, s.stats().totalBytes(), "nothing written");
        }
    }

    @Test
    void setAll_isOneBatchRecord() throws Exception {
        try (Store s = Store.open(dir)) {
            s.setAllAsync(List.of(b("a"), b("b")), List.of(ByteBuffer.wrap(b("1")), ByteBuffer.wrap(b("2")))).get();
        }
        byte[] bytes = Files.readAllBytes(SegmentNames.dataFile(dir, 1));
        assertEquals(RecordFormat.TYPE_BATCH, bytes[RecordFormat.FILE_HEADER_BYTES + RecordFormat.TYPE_OFFSET]);
        assertEquals(RecordFormat.FILE_HEADER_BYTES + RecordFormat.HEADER_BYTES + 2 * RecordFormat.recordSize(1, 1),
                bytes.length);
    }
}
