package kvs.client.cli;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;
import kvs.client.KvsClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code kvs-client exists KEY...}. */
@Command(name = "exists", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = {"Prints how many of the KEYs the server holds (a KEY given twice counts twice),"
                + " like Redis's EXISTS. Reads no value.",
            "Exits 0 whatever the count, as redis-cli does: exit 1 means the command failed."})
final class ExistsCommand implements Callable<Integer> {

    @ParentCommand
    ClientMain main;

    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "KEY", description = "The keys (UTF-8, or hex with --key-hex).")
    List<String> keys;

    @Option(names = "--key-hex", description = "The KEYs are given in hex, two digits a byte.")
    boolean keyHex;

    @Override
    public Integer call() throws IOException {
        byte[][] bytes = keys.stream().map(k -> Keys.of(spec, k, keyHex)).toArray(byte[][]::new);
        try (KvsClient kvs = main.connect()) {
            main.out().println(kvs.exists(bytes));
        }
        main.out().flush();
        return 0;
    }
}
