package kvs.client.cli;

import java.io.IOException;
import java.util.concurrent.Callable;
import kvs.client.KvsClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

/** {@code kvs-client ttl KEY}. */
@Command(name = "ttl", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = {"Prints how long KEY has left before it expires, by the server's clock, in whole"
                + " milliseconds with the unit: 9998ms (a form --ttl and expire read back). A key that never"
                + " expires prints 'no expiry'.",
            "A missing key prints 'Key not found' and exits 0, as get does.",
            "E.g. kvs-client ttl session"})
final class TtlCommand implements Callable<Integer> {

    @ParentCommand
    ClientMain main;

    @Mixin
    KeyArgument key;

    @Override
    public Integer call() throws IOException {
        String left;
        try (KvsClient kvs = main.connect()) {
            left = ExpiryTimes.format(kvs.ttl(key.bytes()));
        }
        main.out().println(left == null ? GetCommand.NOT_FOUND : left);
        main.out().flush();
        return 0;
    }
}
