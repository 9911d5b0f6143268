package kvs.client.cli;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Callable;
import kvs.client.KvsClient;
import kvs.client.bench.BenchRun;
import kvs.client.bench.Overwrites;
import kvs.client.bench.Workload;
import kvs.common.cli.Converters;
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
            "Keys are --key-prefix and a number (bench:0000000042); it says on stderr which keys it"
                + " overwrites, and how many of a few probed there hold a value, before it starts.",
            "A value is a function of its key and its length, so a get is checked whichever bench run"
                + " wrote it; once this run has set a key, a get must find this run's value. Two runs"
                + " at once need different prefixes.",
            "A progress line goes to stderr when it is a terminal."},
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
            description = "Key size, the prefix included. Default: ${DEFAULT-VALUE}.")
    int keySize;

    @Option(names = "--key-prefix", paramLabel = "TEXT", defaultValue = "bench:",
            description = "Every key starts with this, then its number, zero-padded to the key size."
                    + " Default: '${DEFAULT-VALUE}'.")
    String keyPrefix;

    @Option(names = "--value-size", paramLabel = "SIZE", defaultValue = "100", converter = Converters.Size.class,
            description = "Value size: bytes, or with a unit (4KiB, 1MiB). Default: ${DEFAULT-VALUE}.")
    long valueSize;

    @Option(names = "--ratio", paramLabel = "SET:GET", defaultValue = "1:1",
            description = "Sets to gets, e.g. 1:9; 1:0 for sets only. Default: ${DEFAULT-VALUE}.")
    String ratio;

    @Option(names = "--rate", paramLabel = "N", defaultValue = "0",
            description = "Requests per second in all, sent on a fixed schedule (latency counts from"
                    + " when each was due, and the report adds how late the tool's own timer sent them:"
                    + " its send lag); 0 for as fast as possible. Default: ${DEFAULT-VALUE}.")
    double rate;

    @Option(names = "--warmup", paramLabel = "DURATION", converter = Converters.Time.class,
            defaultValue = "0s",
            description = "Send for this long first without counting or timing (JIT warm-up), e.g. 3s."
                    + " Default: ${DEFAULT-VALUE}.")
    Duration warmup;

    @Option(names = "--prefill",
            description = "First set every key once, in order (neither counted nor timed), so that"
                    + " gets find their keys.")
    boolean prefill;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1",
            description = "Seed of the random keys and operations. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--json", description = "Print the result as one JSON object.")
    boolean json;

    @Option(names = {"-q", "--quiet"}, description = "No progress line on stderr (there is none either"
            + " when stderr is not a terminal, or with --json).")
    boolean quiet;

    @Override
    public Integer call() throws IOException, InterruptedException {
        Workload w = workload();
        ClientMain.requireLibraries("bench", "lib/bench/", "io.netty.channel.Channel",
                "org.HdrHistogram.Histogram");
        if (w.writes()) {
            try (KvsClient probe = main.connect()) {
                Overwrites.announce(probe, w, main.err());
            }
        }
        boolean progress = !quiet && !json && main.stderrIsTerminal();
        long errors = BenchRun.run(main.address.first(), w, json, progress, main.out(), main.err());
        return errors == 0 ? 0 : ClientMain.EXIT_FAILED;
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
        if (valueSize > Integer.MAX_VALUE - 64) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--value-size " + valueSize
                    + " bytes is over what one request can carry (2 GiB)");
        }
        if (requests != null && duration != null) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "give --requests or --duration, not both");
        }
        try {
            return new Workload(clients, duration == null ? (requests == null ? 100_000 : requests) : 0,
                    duration, pipeline, keys, keyPrefix, keySize, (int) valueSize, setW, getW, seed, rate, warmup,
                    prefill);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
