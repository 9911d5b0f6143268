package kvs.client.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import kvs.client.KvsClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code kvs-client mget KEY...}. */
@Command(name = "mget", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = {"Prints the value of each KEY, a line each, in order; '(nil)' for a missing key.",
            "The gets are pipelined on one connection. A value that contains a newline, or reads"
                + " '(nil)', cannot be told apart in this output: use 'get --raw' for such values."})
final class MgetCommand implements Callable<Integer> {

    /** What stands for a missing key: redis-cli's word for it. */
    static final String MISSING = "(nil)";

    @ParentCommand
    ClientMain main;

    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "KEY", description = "The keys (UTF-8).")
    List<String> keys;

    @Override
    public Integer call() throws IOException {
        byte[][] bytes = keys.stream().map(k -> Keys.utf8(spec, k)).toArray(byte[][]::new);
        List<byte[]> values;
        try (KvsClient kvs = main.connect()) {
            values = kvs.getAll(bytes);
        }
        for (byte[] value : values) {
            print(value, main.stdout);
        }
        main.stdout.flush();
        return 0;
    }

    /** One value's line: its bytes, or {@link #MISSING} for {@code null}; not flushed. */
    static void print(byte[] value, OutputStream out) throws IOException {
        out.write(value == null ? MISSING.getBytes(StandardCharsets.UTF_8) : value);
        out.write('\n');
    }
}
