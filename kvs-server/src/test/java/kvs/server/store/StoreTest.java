package kvs.server.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreTest {

    @TempDir
    Path dir;

    @Test
    void set_thenGet_returnsValue() throws IOException {
        try (Store s = Store.open(dir)) {
            s.set(b("a"), b("1"));
            assertArrayEquals(b("1"), s.get(b("a")));
            assertEquals(1, s.size());
        }
    }

    @Test
    void get_missing_returnsNull() throws IOException {
        try (Store s = Store.open(dir)) {
            assertNull(s.get(b("nope")));
        }
    }

    @Test
    void set_overwrite_lastValueWins() throws IOException {
        try (Store s = Store.open(dir)) {
            s.set(b("k"), b("1"));
            s.set(b("k"), b("2"));
            assertArrayEquals(b("2"), s.get(b("k")));
            assertEquals(1, s.size());
        }
    }

    @Test
    void remove_present_thenAbsent() throws IOException {
        try (Store s = Store.open(dir)) {
            s.set(b("k"), b("1"));
            assertTrue(s.remove(b("k")));
            assertNull(s.get(b("k")));
            assertFalse(s.remove(b("k")));
            assertEquals(0, s.size());
        }
    }

    @Test
    void remove_missing_writesNothing() throws IOException {
        try (Store s = Store.open(dir)) {
            long before = totalBytes();
            assertFalse(s.remove(b("k")));
            assertEquals(before, totalBytes());
        }
    }

    @Test
    void reopen_afterClose_keepsSetsOverwritesAndRemovals() throws IOException {
        try (Store s = Store.open(dir)) {
            s.set(b("a"), b("1"));
            s.set(b("b"), b("2"));
            s.set(b("a"), b("3"));
            s.remove(b("b"));
            s.set(b("c"), b("4"));
        }
        try (Store s = Store.open(dir)) {
            assertArrayEquals(b("3"), s.get(b("a")));
            assertNull(s.get(b("b")));
            assertArrayEquals(b("4"), s.get(b("c")));
            assertEquals(2, s.size());
            s.set(b("b"), b("5"));
        }
        try (Store s = Store.open(dir)) {
            assertArrayEquals(b("5"), s.get(b("b")));
        }
    }

    @Test
    void binaryKeysAndValues_roundTrip() throws IOException {
        byte[] key = new byte[256];
        byte[] value = new byte[256];
        for (int i = 0; i < 256; i++) {
            key[i] = (byte) i;
            value[i] = (byte) (255 - i);
        }
        try (Store s = Store.open(dir)) {
            s.set(key, value);
            s.set(new byte[] {0}, new byte[] {0, 0});
        }
        try (Store s = Store.open(dir)) {
            assertArrayEquals(value, s.get(key));
            assertArrayEquals(new byte[] {0, 0}, s.get(new byte[] {0}));
        }
    }

    @Test
    void emptyValue_isStoredAndDistinctFromMissing() throws IOException {
        try (Store s = Store.open(dir)) {
            s.set(b("e"), new byte[0]);
        }
        try (Store s = Store.open(dir)) {
            assertArrayEquals(new byte[0], s.get(b("e")));
        }
    }

    @Test
    void largeValue_16MiB_roundTrips() throws IOException {
        byte[] value = new byte[16 << 20];
        new Random(42).nextBytes(value);
        try (Store s = Store.open(dir)) {
            s.set(b("big"), value);
            assertArrayEquals(value, s.get(b("big")));
        }
        try (Store s = Store.open(dir)) {
            assertArrayEquals(value, s.get(b("big")));
        }
    }

    @Test
    void maxKey_64KiB_accepted_andLongerRefused() throws IOException {
        try (Store s = Store.open(dir)) {
            byte[] key = new byte[64 * 1024];
            key[0] = 1;
            s.set(key, b("v"));
            assertArrayEquals(b("v"), s.get(key));
            assertThrows(IllegalArgumentException.class, () -> s.set(new byte[64 * 1024 + 1], b("v")));
            assertThrows(IllegalArgumentException.class, () -> s.set(new byte[0], b("v")));
        }
    }

    @Test
    void manyKeys_survive_reopen() throws IOException {
        int n = 20_000;
        try (Store s = Store.open(dir)) {
            for (int i = 0; i < n; i++) {
                s.set(b("key-" + i), b("value-" + i));
            }
        }
        try (Store s = Store.open(dir)) {
            assertEquals(n, s.size());
            for (int i = 0; i < n; i++) {
                assertArrayEquals(b("value-" + i), s.get(b("key-" + i)));
            }
        }
    }

    @Test
    void rotation_sealsFilesAtTheLimit_andReplaysAcrossThem() throws IOException {
        StoreOptions small = StoreOptions.defaults().withMaxSegmentBytes(4096);
        try (Store s = Store.open(dir, small)) {
            for (int i = 0; i < 2000; i++) {
                s.set(b("k" + (i % 50)), b("value-" + i));
            }
        }
        List<Path> data = dataFiles();
        assertTrue(data.size() >= 10, "expected several data files, got " + data);
        for (Path f : data) {
            assertTrue(Files.size(f) <= 4096, f + " is " + Files.size(f) + " bytes");
        }
        try (Store s = Store.open(dir, small)) {
            for (int i = 1950; i < 2000; i++) {
                assertArrayEquals(b("value-" + i), s.get(b("k" + (i % 50))));
            }
        }
    }

    @Test
    void recordLargerThanSegmentLimit_getsAFileOfItsOwn() throws IOException {
        StoreOptions small = StoreOptions.defaults().withMaxSegmentBytes(1024);
        try (Store s = Store.open(dir, small)) {
            s.set(b("small"), b("x"));
            s.set(b("big"), new byte[5000]);
            s.set(b("after"), b("y"));
            assertEquals(5000, s.get(b("big")).length);
        }
        try (Store s = Store.open(dir, small)) {
            assertEquals(5000, s.get(b("big")).length);
            assertArrayEquals(b("y"), s.get(b("after")));
        }
    }

    @Test
    void open_twiceInOneProcess_failsNamingTheDirectory() throws IOException {
        try (Store s = Store.open(dir)) {
            StoreLockedException e = assertThrows(StoreLockedException.class, () -> Store.open(dir));
            assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
        }
        // Released on close.
        Store.open(dir).close();
    }

    @Test
    void closed_store_refusesOperations() throws IOException {
        Store s = Store.open(dir);
        s.set(b("a"), b("1"));
        s.close();
        s.close();
        assertThrows(StoreClosedException.class, () -> s.get(b("a")));
        assertThrows(StoreClosedException.class, () -> s.set(b("a"), b("2")));
        assertThrows(StoreClosedException.class, () -> s.remove(b("a")));
    }

    @Test
    void concurrentWritersAndReaders_seeOnlyWrittenValues() throws Exception {
        int threads = 4;
        int perThread = 2_000;
        try (Store s = Store.open(dir, StoreOptions.defaults().withMaxSegmentBytes(64 * 1024))) {
            ExecutorService pool = Executors.newFixedThreadPool(threads * 2);
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int id = t;
                    futures.add(pool.submit(() -> {
                        for (int i = 0; i < perThread; i++) {
                            s.set(b("t" + id + "-" + (i % 100)), b("v" + i));
                        }
                        return null;
                    }));
                    futures.add(pool.submit(() -> {
                        for (int i = 0; i < perThread; i++) {
                            byte[] v = s.get(b("t" + id + "-" + (i % 100)));
                            if (v != null) {
                                assertTrue(new String(v, UTF_8).startsWith("v"));
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : futures) {
                    f.get(60, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            for (int t = 0; t < threads; t++) {
                for (int k = 0; k < 100; k++) {
                    int last = perThread - 100 + k;
                    assertArrayEquals(b("v" + last), s.get(b("t" + t + "-" + k)));
                }
            }
        }
        try (Store s = Store.open(dir)) {
            assertEquals(threads * 100, s.size());
        }
    }

    private List<Path> dataFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".data")).sorted().toList();
        }
    }

    private long totalBytes() throws IOException {
        long sum = 0;
        for (Path p : dataFiles()) {
            sum += Files.size(p);
        }
        return sum;
    }

    static byte[] b(String s) {
        return s.getBytes(UTF_8);
    }
}
