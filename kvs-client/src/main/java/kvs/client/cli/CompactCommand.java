package kvs.client.cli;

import java.io.IOException;
import java.util.concurrent.Callable;
import kvs.client.KvsClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code kvs-client compact}. */
@Command(name = "compact", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = {"Compacts the server's store now: rewrites live data into new files and"
                + " deletes the old ones. Prints nothing; returns when the compaction has finished.",
            "Reads and writes go on meanwhile. Use a --timeout long enough for the store's size."})
final class CompactCommand implements Callable<Integer> {

    @ParentCommand
    ClientMain main;

    @Override
    public Integer call() throws IOException {
        try (KvsClient kvs = main.connect()) {
            kvs.compact();
        }
        return 0;
    }
}
