package kvs.client.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import kvs.client.bench.LoadGenerator;
import kvs.client.bench.Workload;
import kvs.common.cli.Converters;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code kvs-client bench}: a load generator, like redis-benchmark, for kvs. */
@Command(name = "bench", mixinStandardHelpOptions = true, usageHelpAutoWidth = true, sortOptions = false,
        description = {"Loads a server with sets and gets from many connections and reports"
                + " throughput and latency percentiles. Every response is checked; errors are"
                + " counted and shown, and make the exit code 1.",
            "A key's value is a function of the key, so any get can be checked. A live progress"
                + " line goes to stderr when the terminal is interactive."},
        footerHeading = "%nExamples:%n",
        footer = {"  kvs-client bench --clients 50 --requests 200000 --ratio 1:0   (sets only)",
            "  kvs-client bench --clients 50 --duration 10s --pipeline 16 --ratio 0:1 --json"})
final class BenchCommand implements Callable<Integer> {

    @ParentCommand
    ClientMain main;

    @Spec
    CommandSpec spec;

    @Option(names = "--clients", paramLabel = "N", defaultValue = "50",
            description = "Connections. Default: ${DEFAULT-VALUE}.")
    int clients;

    @Option(names = "--requests", paramLabel = "N",
            description = "Requests in all (default 100000 unless --duration is given).")
    Long requests;

    @Option(names = "--duration", paramLabel = "DURATION", converter = Converters.Time.class,
            description = "Run for this long instead of a number of requests, e.g. 10s.")
    Duration duration;

    @Option(names = "--pipeline", paramLabel = "N", defaultValue = "1",
            description = "Requests in flight per connection. Default: ${DEFAULT-VALUE}.")
    int pipeline;

    @Option(names = "--keys", paramLabel = "N", defaultValue = "10000",
            description = "Key space: keys are chosen at random among this many. Default: ${DEFAULT-VALUE}.")
    int keys;

    @Option(names = "--key-size", paramLabel = "BYTES", defaultValue = "16",
            description = "Key size. Default: ${DEFAULT-VALUE}.")
    int keySize;

    @Option(names = "--value-size", paramLabel = "BYTES", defaultValue = "100",
            description = "Value size. Default: ${DEFAULT-VALUE}.")
    int valueSize;

    @Option(names = "--ratio", paramLabel = "SET:GET", defaultValue = "1:1",
            description = "Sets to gets, e.g. 1:9; 1:0 for sets only. Default: ${DEFAULT-VALUE}.")
    String ratio;

    @Option(names = "--rate", paramLabel = "N", defaultValue = "0",
            description = "Requests per second in all, sent on a fixed schedule (latency counts from"
                    + " when each was due); 0 for as fast as possible. Default: ${DEFAULT-VALUE}.")
    double rate;

    @Option(names = "--warmup", paramLabel = "DURATION", converter = Converters.Time.class,
            defaultValue = "0s",
            description = "Send for this long first without counting or timing (JIT warm-up), e.g. 3s."
                    + " Default: ${DEFAULT-VALUE}.")
    Duration warmup;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1",
            description = "Seed of the random keys and operations. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--json", description = "Print the result as one JSON object.")
    boolean json;

    @Override
    public Integer call() throws IOException, InterruptedException {
        Workload w = workload();
        LoadGenerator gen = new LoadGenerator(main.address, w);
        boolean live = System.console() != null && !json;
        PrintWriter err = main.err();
        long[] last = {0, System.nanoTime()};
        LoadGenerator.Result r = gen.run(() -> {
            if (live) {
                long done = gen.done();
                long now = System.nanoTime();
                double rate = (done - last[0]) / ((now - last[1]) / 1e9);
                last[0] = done;
                last[1] = now;
                Histogram h = gen.interval();
                err.printf(Locale.ROOT, "\r%,d requests, %,.0f/s, p99 %.3f ms, %d errors   ", done, rate,
                        h.getValueAtPercentile(99) / 1000.0, gen.errors());
                err.flush();
            }
        });
        if (live) {
            err.print("\r" + " ".repeat(70) + "\r");
            err.flush();
        }
        PrintWriter out = main.out();
        out.print(json ? json(w, r) : text(w, r));
        out.flush();
        for (String e : r.firstErrors()) {
            err.println("kvs-client bench: " + e);
        }
        if (r.errors() > r.firstErrors().size()) {
            err.println("kvs-client bench: ... " + (r.errors() - r.firstErrors().size()) + " more errors");
        }
        err.flush();
        return r.errors() == 0 ? 0 : ClientMain.EXIT_FAILED;
    }

    private Workload workload() {
        String[] parts = ratio.split(":");
        int setW;
        int getW;
        try {
            if (parts.length != 2) {
                throw new NumberFormatException();
            }
            setW = Integer.parseInt(parts[0].trim());
            getW = Integer.parseInt(parts[1].trim());
        } catch (NumberFormatException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "invalid --ratio '" + ratio
                    + "': expected SET:GET weights, e.g. 1:1, 1:9 or 1:0");
        }
        if (requests != null && duration != null) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "give --requests or --duration, not both");
        }
        try {
            return new Workload(clients, duration == null ? (requests == null ? 100_000 : requests) : 0,
                    duration, pipeline, keys, keySize, valueSize, setW, getW, seed, rate, warmup);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    private static String text(Workload w, LoadGenerator.Result r) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%d clients, pipeline %d, %d-byte keys over %d keys,"
                + " %d-byte values, set:get %d:%d%s%n", w.clients(), w.pipeline(), w.keySize(), w.keys(),
                w.valueSize(), w.setWeight(), w.getWeight(),
                w.rate() > 0 ? String.format(Locale.ROOT, ", paced at %,.0f requests/s", w.rate()) : ""));
        sb.append(String.format(Locale.ROOT, "%,d requests in %.2f s: %,.0f requests/s (sets %,.0f/s,"
                + " gets %,.0f/s)%n", r.requests(), r.seconds(), r.requests() / r.seconds(),
                r.sets() / r.seconds(), r.gets() / r.seconds()));
        sb.append(String.format(Locale.ROOT, "latency ms %9s %9s %9s %9s %9s%n", "p50", "p90", "p99",
                "p99.9", "max"));
        line(sb, "all", r.allLatency());
        line(sb, "set", r.setLatency());
        line(sb, "get", r.getLatency());
        sb.append("errors: ").append(r.errors()).append(System.lineSeparator());
        return sb.toString();
    }

    private static void line(StringBuilder sb, String name, Histogram h) {
        if (h.getTotalCount() == 0) {
            return;
        }
        sb.append(String.format(Locale.ROOT, "%-10s %9.3f %9.3f %9.3f %9.3f %9.3f%n", name,
                h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(90) / 1000.0,
                h.getValueAtPercentile(99) / 1000.0, h.getValueAtPercentile(99.9) / 1000.0,
                h.getMaxValue() / 1000.0));
    }

    private static String json(Workload w, LoadGenerator.Result r) {
        return String.format(Locale.ROOT, "{\"clients\":%d,\"pipeline\":%d,\"keys\":%d,\"key_size\":%d,"
                + "\"value_size\":%d,\"set_weight\":%d,\"get_weight\":%d,\"requests\":%d,\"sets\":%d,"
                + "\"gets\":%d,\"errors\":%d,\"seconds\":%.3f,\"requests_per_second\":%.1f,"
                + "\"latency_ms\":{\"all\":%s,\"set\":%s,\"get\":%s}}%n", w.clients(), w.pipeline(),
                w.keys(), w.keySize(), w.valueSize(), w.setWeight(), w.getWeight(), r.requests(), r.sets(),
                r.gets(), r.errors(), r.seconds(), r.requests() / r.seconds(), json(r.allLatency()),
                json(r.setLatency()), json(r.getLatency()));
    }

    private static String json(Histogram h) {
        if (h.getTotalCount() == 0) {
            return "null";
        }
        return String.format(Locale.ROOT, "{\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,\"p99_9\":%.3f,\"max\":%.3f}",
                h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(90) / 1000.0,
                h.getValueAtPercentile(99) / 1000.0, h.getValueAtPercentile(99.9) / 1000.0,
                h.getMaxValue() / 1000.0);
    }
}
