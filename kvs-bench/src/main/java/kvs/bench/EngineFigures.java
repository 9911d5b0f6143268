package kvs.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import kvs.store.Store;
import kvs.store.StoreStats;

/**
 * Figures of the engine that are sizes, not speeds: heap per key of the keydir, and disk use after
 * overwrites and a compaction (docs/BENCHMARKS.md, "Engine").
 *
 * <pre>java -Xmx4g -cp kvs-bench/target/benchmarks.jar kvs.bench.EngineFigures</pre>
 */
public final class EngineFigures {

    private EngineFigures() {
    }

    public static void main(String[] args) throws Exception {
        keydirMemory(1_000_000, false);
        keydirMemory(1_000_000, true);
        diskAfterCompaction(10_000, 100);
    }

    /**
     * Heap held by a store of {@code n} keys, per key, less the key's own 16 bytes; all of them
     * with an expiry time (a day away), or none.
     */
    static void keydirMemory(int n, boolean expiring) throws Exception {
        Path dir = Files.createTempDirectory("kvs-figures-");
        try {
            long before = usedHeapAfterGc();
            try (Store store = Store.open(dir)) {
                byte[] value = Keys.value(1);
                long expireAt = expiring ? store.now() + 86_400_000L : Store.NO_EXPIRY;
                for (int i = 0; i < n; i++) {
                    store.set(Keys.key(i), value, expireAt);
                }
                long after = usedHeapAfterGc();
                double perKey = (after - before) / (double) n;
                System.out.printf("keydir: %d keys of %d bytes, %s: %.1f bytes of heap a key,"
                        + " %.1f beyond the key's bytes (target <= 64)%n", store.size(), Keys.KEY_BYTES,
                        expiring ? "each with an expiry time" : "none with an expiry time", perKey,
                        perKey - Keys.KEY_BYTES);
            }
        } finally {
            delete(dir);
        }
    }

    /** Overwrites {@code keys} keys {@code rounds} times, compacts, and compares disk to live data. */
    static void diskAfterCompaction(int keys, int rounds) throws Exception {
        Path dir = Files.createTempDirectory("kvs-figures-");
        try (Store store = Store.open(dir)) {
            byte[] value = Keys.value(2);
            for (int r = 0; r < rounds; r++) {
                for (int k = 0; k < keys; k++) {
                    store.set(Keys.key(k), value);
                }
            }
            long written = directoryBytes(dir);
            store.compact();
            StoreStats st = store.stats();
            long disk = directoryBytes(dir);
            long liveData = (long) keys * (Keys.KEY_BYTES + Keys.VALUE_BYTES);
            System.out.printf("disk: %d keys overwritten %d times: %d bytes before compaction, %d"
                    + " after (data files and hints); live records %d bytes; keys+values %d bytes;"
                    + " disk / (keys+values) = %.2f (target <= 2)%n", keys, rounds, written, disk,
                    st.liveBytes(), liveData, disk / (double) liveData);
        } finally {
            delete(dir);
        }
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return mem.getHeapMemoryUsage().getUsed();
    }

    private static long directoryBytes(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            long sum = 0;
            for (Path p : files.toList()) {
                sum += Files.size(p);
            }
            return sum;
        }
    }

    private static void delete(Path dir) throws Exception {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
