package kvs.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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
 * Opening a store of 1M keys (16-byte keys, 100-byte values), closed cleanly: kvs with its hint
 * files, kvs made to scan its data files (hints deleted before each open), and RocksDB.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g"})
public class OpenBenchmark {

    @Param({"kvs-hints", "kvs-scan", "rocksdb"})
    public String engine;

    @Param({"1000000"})
    public int keys;

    private Path dir;

    @Setup(Level.Trial)
    public void fill() throws Exception {
        dir = Files.createTempDirectory("kvs-bench-open-");
        try (Engine db = Engine.open(engine.startsWith("kvs") ? "kvs" : engine, dir)) {
            byte[] value = Keys.value(1);
            for (int i = 0; i < keys; i++) {
                db.set(Keys.key(i), value);
            }
        }
    }

    @Setup(Level.Invocation)
    public void dropHints() throws Exception {
        if (engine.equals("kvs-scan")) {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path p : files.filter(p -> p.toString().endsWith(".hint")).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    @TearDown(Level.Trial)
    public void delete() throws Exception {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private Engine opened;

    /** Closing (and, for kvs-scan, writing the hints again) is not part of the measure. */
    @TearDown(Level.Invocation)
    public void close() throws Exception {
        opened.close();
    }

    /** Opens the store and reads one key. */
    @Benchmark
    public Object open() throws Exception {
        opened = Engine.open(engine.startsWith("kvs") ? "kvs" : engine, dir);
        return opened.get(Keys.key(keys / 2));
    }
}
