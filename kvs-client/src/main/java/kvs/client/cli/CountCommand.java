package kvs.client.cli;

import java.io.IOException;
import java.util.concurrent.Callable;
import kvs.client.KvsClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code kvs-client count}. */
@Command(name = "count", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = "Prints how many keys the server holds now (Redis's DBSIZE).")
final class CountCommand implements Callable<Integer> {

    @ParentCommand
    ClientMain main;

    @Override
    public Integer call() throws IOException {
        try (KvsClient kvs = main.connect()) {
            main.out().println(kvs.count());
        }
        main.out().flush();
        return 0;
    }
}
