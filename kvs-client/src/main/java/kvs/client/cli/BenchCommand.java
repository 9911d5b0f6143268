package kvs.client.cli;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Callable;
import kvs.client.bench.BenchRun;
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
        long errors = BenchRun.run(main.address, workload(), json, quiet, main.out(), main.err());
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
                    duration, pipeline, keys, keySize, (int) valueSize, setW, getW, seed, rate, warmup, prefill);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
