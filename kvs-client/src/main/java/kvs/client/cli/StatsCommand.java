package kvs.client.cli;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.Callable;
import kvs.client.KvsClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code kvs-client stats}. */
@Command(name = "stats", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = {"Prints the server's figures, one per line, sorted: name: value.",
            "The names are explained in docs/PROTOCOL.md."})
final class StatsCommand implements Callable<Integer> {

    @ParentCommand
    ClientMain main;

    @Override
    public Integer call() throws IOException {
        try (KvsClient kvs = main.connect()) {
            for (Map.Entry<String, Long> e : kvs.stats().entrySet()) {
                main.out().println(e.getKey() + ": " + e.getValue());
            }
            main.out().flush();
        }
        return 0;
    }
}
