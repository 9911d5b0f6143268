package kvs.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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
 * The embedded store against RocksDB: 16-byte keys, 100-byte values, a store preloaded with
 * {@link #keys} keys. Run with {@code -t 1} and {@code -t 2} for one and two threads.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g"})
public class StoreBenchmark {

    @Param({"kvs", "rocksdb"})
    public String engine;

    @Param({"1000000"})
    public int keys;

    private Path dir;
    private Engine db;
    private final AtomicLong sequential = new AtomicLong();
    private byte[] value;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        dir = Files.createTempDirectory("kvs-bench-");
        db = Engine.open(engine, dir);
        value = Keys.value(1);
        for (int i = 0; i < keys; i++) {
            db.set(Keys.key(i), value);
        }
        sequential.set(keys);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        db.close();
        Files.walk(dir).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }

    /** Appends new keys in order. */
    @Benchmark
    public void sequentialSet() throws Exception {
        db.set(Keys.key(sequential.getAndIncrement()), value);
    }

    /** Overwrites random existing keys. */
    @Benchmark
    public void randomSet() throws Exception {
        db.set(Keys.key(ThreadLocalRandom.current().nextInt(keys)), value);
    }

    /** Reads random existing keys. */
    @Benchmark
    public byte[] randomGet() throws Exception {
        return db.get(Keys.key(ThreadLocalRandom.current().nextInt(keys)));
    }

    /** 90% random gets, 10% random overwrites. */
    @Benchmark
    public Object mixed90Get10Set() throws Exception {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        byte[] key = Keys.key(r.nextInt(keys));
        if (r.nextInt(10) == 0) {
            db.set(key, value);
            return key;
        }
        return db.get(key);
    }
}
