package kvs.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import kvs.store.Store;
import kvs.store.StoreOptions;
import kvs.store.SyncPolicy;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Set throughput of the embedded store under each sync policy; run with {@code -t 1} and
 * {@code -t 50} for one and fifty concurrent writers (group commit shows at fifty). 16-byte keys
 * over a space of 100k, 100-byte values.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class SyncBenchmark {

    @Param({"always", "interval", "never"})
    public String sync;

    private Path dir;
    private Store store;
    private final byte[] value = Keys.value(3);

    @Setup(Level.Trial)
    public void open() throws Exception {
        dir = Files.createTempDirectory("kvs-bench-sync-");
        store = Store.open(dir, StoreOptions.defaults().withSync(SyncPolicy.parse(sync)));
    }

    @TearDown(Level.Trial)
    public void close() throws Exception {
        System.out.println("fsyncs: " + store.stats().fsyncs());
        store.close();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Benchmark
    public void set() throws Exception {
        store.set(Keys.key(ThreadLocalRandom.current().nextInt(100_000)), value);
    }
}
