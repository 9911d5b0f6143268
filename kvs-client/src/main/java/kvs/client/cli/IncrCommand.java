package kvs.client.cli;

import java.io.IOException;
import java.util.concurrent.Callable;
import kvs.client.KvsClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code kvs-client incr KEY [BY]}. */
@Command(name = "incr", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = {"Adds BY (default 1; negative to subtract) to KEY's value and prints the new value.",
            "The value must be a decimal integer of 64 bits, as Redis writes one (-12, 0, 345: no '+',"
                + " no spaces, no leading zeros); a missing key counts as 0. The server reads, adds and"
                + " writes atomically: concurrent increments lose no update. A value that is not such an"
                + " integer, or a sum that would overflow, is an error (exit 1) and nothing is written."})
final class IncrCommand implements Callable<Integer> {

    @ParentCommand
    ClientMain main;

    @Mixin
    KeyArgument key;

    @Parameters(index = "1", arity = "0..1", paramLabel = "BY", defaultValue = "1",
            description = "How much to add, a signed 64-bit integer. Default: ${DEFAULT-VALUE}.")
    long by;

    @Override
    public Integer call() throws IOException {
        long value;
        try (KvsClient kvs = main.connect()) {
            value = kvs.incr(key.bytes(), by);
        }
        main.out().println(value);
        main.out().flush();
        return 0;
    }
}
