package kvs.store;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * The latency of single keydir puts of new keys while the key count crosses many resize points
 * of the index (0 to 8 million keys by default: 13 doublings). A put that had to rebuild the
 * whole index under the write lock shows as a stall that grows with the key count; an
 * incremental resize should leave only the allocation of the new index (docs/BENCHMARKS.md,
 * "Keydir growth").
 *
 * <p>Each put is timed on its own. A put during which a garbage collection ran is counted apart
 * ("gc"), since that pause is the collector's, not the keydir's. In package {@code kvs.store}
 * because the keydir is package-private.
 *
 * <pre>java -Xms3g -Xmx3g -XX:+AlwaysPreTouch -cp kvs-bench/target/benchmarks.jar \
 *     kvs.store.KeydirGrowthBench [keys]</pre>
 */
public final class KeydirGrowthBench {

    private static final int WORST_SHOWN = 12;
    /** The keydir's first index has 1024 slots and grows when it would be more than 3/4 full. */
    private static final int FIRST_SLOTS = 1024;

    private KeydirGrowthBench() {
    }

    public static void main(String[] args) {
        int keys = args.length > 0 ? Integer.parseInt(args[0]) : 8_000_000;
        run(200_000, false); // warm-up: compiles the paths, discarded
        run(keys, true);
    }

    private static void run(int keys, boolean report) {
        List<GarbageCollectorMXBean> gcs = ManagementFactory.getGarbageCollectorMXBeans();
        Histogram all = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        Histogram noGc = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        List<String> atResize = new ArrayList<>();
        PriorityQueue<long[]> worst = new PriorityQueue<>(Comparator.comparingLong(w -> w[0]));
        long nextResize = FIRST_SLOTS * 3L / 4;
        Keydir kd = new Keydir();
        long gcCount = gcCount(gcs);
        long start = System.nanoTime();
        for (int i = 0; i < keys; i++) {
            byte[] key = key(i);
            long t0 = System.nanoTime();
            kd.put(key, 1, i, 30);
            long took = System.nanoTime() - t0;
            long nowGc = gcCount(gcs);
            boolean gc = nowGc != gcCount;
            gcCount = nowGc;
            all.recordValue(took);
            if (!gc) {
                noGc.recordValue(took);
            }
            if (i == nextResize) {
                atResize.add(String.format("%,d: %.2f ms%s", i, took / 1e6, gc ? " (gc)" : ""));
                nextResize *= 2;
            }
            worst.add(new long[] {took, i, gc ? 1 : 0});
            if (worst.size() > WORST_SHOWN) {
                worst.poll();
            }
        }
        long elapsed = System.nanoTime() - start;
        if (!report) {
            return;
        }
        System.out.printf("%,d puts of new 16-byte keys in %.1f s; keydir estimate %s%n", keys,
                elapsed / 1e9, String.format("%,d bytes (%.1f a key)", kd.heapBytes(),
                kd.heapBytes() / (double) kd.size()));
        print("all puts        ", all);
        print("puts without gc ", noGc);
        System.out.println("the put that crossed each resize point (keys before it: latency):");
        System.out.println("  " + String.join(", ", atResize));
        List<long[]> slowest = new ArrayList<>(worst);
        slowest.sort(Comparator.comparingLong((long[] w) -> w[0]).reversed());
        System.out.println("the " + WORST_SHOWN + " slowest puts (keys before it: latency):");
        StringBuilder line = new StringBuilder(" ");
        for (long[] w : slowest) {
            line.append(String.format(" %,d: %.2f ms%s,", w[1], w[0] / 1e6, w[2] == 1 ? " (gc)" : ""));
        }
        System.out.println(line.substring(0, line.length() - 1));
    }

    private static void print(String what, Histogram h) {
        System.out.printf("%s p50 %.2f us  p99 %.2f us  p99.9 %.2f us  p99.99 %.1f us  max %.2f ms%n",
                what, h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3,
                h.getValueAtPercentile(99.9) / 1e3, h.getValueAtPercentile(99.99) / 1e3,
                h.getMaxValue() / 1e6);
    }

    private static long gcCount(List<GarbageCollectorMXBean> gcs) {
        long n = 0;
        for (GarbageCollectorMXBean gc : gcs) {
            n += gc.getCollectionCount();
        }
        return n;
    }

    /** "key:" and 12 digits: 16 bytes, as kvsload makes them. */
    static byte[] key(long i) {
        byte[] k = {'k', 'e', 'y', ':', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0'};
        for (int at = k.length - 1; i > 0 && at >= 4; at--, i /= 10) {
            k[at] = (byte) ('0' + i % 10);
        }
        return k;
    }
}
