package kvs.client.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import kvs.client.KvsClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code kvs-client get KEY}. */
@Command(name = "get", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = {"Prints KEY's value, byte for byte as stored, and a newline.",
            "A missing key prints 'Key not found' and exits 0. With --raw: the value's bytes"
                + " exactly, no newline; a missing key prints nothing and exits 3, so that a script"
                + " can tell it from a value that reads 'Key not found'."})
final class GetCommand implements Callable<Integer> {

    static final String NOT_FOUND = "Key not found";
    /** {@code get --raw} of a missing key. */
    static final int EXIT_MISSING = 3;

    @Option(names = "--raw", description = "Print the value's bytes exactly, without a newline; a missing"
            + " key prints nothing and exits 3.")
    boolean raw;

    @Option(names = "--stale", description = "In a replicated group: read the first member of --addr that"
            + " answers, leader or not, from its own state, which may be behind (no round to a majority)."
            + " Without it, reads go to the leader and see every write acknowledged before them.")
    boolean stale;

    @ParentCommand
    ClientMain main;

    @Mixin
    KeyArgument key;

    @Override
    public Integer call() throws IOException {
        byte[] value;
        try (KvsClient kvs = main.connect()) {
            value = stale ? kvs.getStale(key.bytes()) : kvs.get(key.bytes());
        }
        return print(value, raw, main.stdout, main.out());
    }

    /** Prints what a get found ({@code null}: nothing), as {@code get} does; returns the exit code. */
    static int print(byte[] value, boolean raw, OutputStream stdout, PrintWriter out) throws IOException {
        if (value == null && raw) {
            return EXIT_MISSING;
        }
        if (value == null) {
            out.println(NOT_FOUND);
            out.flush();
        } else {
            stdout.write(value);
            if (!raw) {
                stdout.write('\n');
            }
            stdout.flush();
        }
        return 0;
    }
}
