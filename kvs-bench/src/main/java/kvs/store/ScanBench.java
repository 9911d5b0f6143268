package kvs.store;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * The rate of a full scan ({@link KeyScan}) over a keydir of 1 million 16-byte keys by default,
 * of every key and of a prefix that 1% of the keys have, and how long each page holds the
 * keydir's read lock (what a writer may wait): docs/BENCHMARKS.md, "Scan". In package
 * {@code kvs.store} because the keydir is package-private; a scan never reads a data file, so the
 * keydir alone is what a scan costs in the store.
 *
 * <p>Each pass is timed whole; the first {@value #WARMUP} passes compile the paths and are
 * discarded, then the median of {@value #PASSES} passes is reported.
 *
 * <pre>java -Xms2g -Xmx2g -cp kvs-bench/target/benchmarks.jar kvs.store.ScanBench [keys] [page]</pre>
 */
public final class ScanBench {

    private static final int WARMUP = 5;
    private static final int PASSES = 9;
    private static final byte[] HOT = {'h', 'o', 't', ':'};

    private ScanBench() {
    }

    public static void main(String[] args) {
        int keys = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int page = args.length > 1 ? Integer.parseInt(args[1]) : 1_000;
        Keydir kd = new Keydir();
        for (int i = 0; i < keys; i++) {
            kd.put(key(i), 1, i, 30);
        }
        System.out.printf("%,d keys of 16 bytes (1%% under \"hot:\"), pages of up to %,d keys, keydir %.1f bytes"
                + " a key%n", keys, page, kd.heapBytes() / (double) kd.size());
        KeyScan scan = new KeyScan(kd);
        measure("every key     ", scan, new byte[0], page, keys);
        measure("prefix \"hot:\" ", scan, HOT, page, keys);
    }

    private static void measure(String what, KeyScan scan, byte[] prefix, int page, int keys) {
        long[] nanos = new long[PASSES];
        Histogram pageNanos = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        long found = 0;
        long pages = 0;
        for (int pass = -WARMUP; pass < PASSES; pass++) {
            found = 0;
            pages = 0;
            long start = System.nanoTime();
            long cursor = 0;
            do {
                long t0 = System.nanoTime();
                ScanPage p = scan.page(cursor, prefix, page, 0);
                if (pass >= 0) {
                    pageNanos.recordValue(System.nanoTime() - t0);
                }
                found += p.keys().size();
                pages++;
                cursor = p.cursor();
            } while (cursor != 0);
            if (pass >= 0) {
                nanos[pass] = System.nanoTime() - start;
            }
        }
        Arrays.sort(nanos);
        double seconds = nanos[PASSES / 2] / 1e9;
        System.out.printf("%s a pass: %.1f ms (median of %d), %,d keys returned in %,d pages; %.1f M keys"
                + " examined a second, %.2f M returned a second; a page: p50 %.1f us, p99 %.1f us, max %.1f us%n",
                what, seconds * 1e3, PASSES, found, pages, keys / seconds / 1e6, found / seconds / 1e6,
                pageNanos.getValueAtPercentile(50) / 1e3, pageNanos.getValueAtPercentile(99) / 1e3,
                pageNanos.getMaxValue() / 1e3);
    }

    /** 16 bytes: "hot:" for every 100th key, else "key:", and 12 digits. */
    static byte[] key(long i) {
        byte[] k = KeydirGrowthBench.key(i);
        if (i % 100 == 0) {
            System.arraycopy(HOT, 0, k, 0, HOT.length);
        }
        return k;
    }
}
