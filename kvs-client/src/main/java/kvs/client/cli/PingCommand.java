package kvs.client.cli;

import java.io.IOException;
import java.util.Locale;
import java.util.concurrent.Callable;
import kvs.client.KvsClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code kvs-client ping}. */
@Command(name = "ping", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = {"Checks that the server answers: prints the round trip, exits 0; exits 1"
                + " if there is no answer."})
final class PingCommand implements Callable<Integer> {

    @ParentCommand
    ClientMain main;

    @Override
    public Integer call() throws IOException {
        try (KvsClient kvs = main.connect()) {
            long start = System.nanoTime();
            kvs.ping();
            double ms = (System.nanoTime() - start) / 1e6;
            main.out().println(String.format(Locale.ROOT, "pong from %s in %.2f ms", kvs.address(), ms));
            main.out().flush();
        }
        return 0;
    }
}
