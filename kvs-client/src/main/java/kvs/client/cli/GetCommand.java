package kvs.client.cli;

import java.io.IOException;
import java.util.concurrent.Callable;
import kvs.client.KvsClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code kvs-client get KEY}. */
@Command(name = "get", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = {"Prints KEY's value, byte for byte as stored, and a newline.",
            "A missing key prints 'Key not found' and exits 0."})
final class GetCommand implements Callable<Integer> {

    static final String NOT_FOUND = "Key not found";

    @ParentCommand
    ClientMain main;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "KEY", description = "The key (UTF-8).")
    String key;

    @Override
    public Integer call() throws IOException {
        byte[] value;
        try (KvsClient kvs = main.connect()) {
            value = kvs.get(Keys.utf8(spec, key));
        }
        if (value == null) {
            main.out().println(NOT_FOUND);
            main.out().flush();
        } else {
            main.stdout.write(value);
            main.stdout.write('\n');
            main.stdout.flush();
        }
        return 0;
    }
}
