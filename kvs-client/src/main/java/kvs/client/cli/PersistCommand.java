package kvs.client.cli;

import java.io.IOException;
import java.util.concurrent.Callable;
import kvs.client.KvsClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

/** {@code kvs-client persist KEY}. */
@Command(name = "persist", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = {"Removes KEY's expiry: it never expires. Prints nothing.",
            "If KEY is missing, or had no expiry, nothing changes: 'not persisted: ...' says so on standard"
                + " error, and the exit code is 1.",
            "E.g. kvs-client persist session"})
final class PersistCommand implements Callable<Integer> {

    @ParentCommand
    ClientMain main;

    @Mixin
    KeyArgument key;

    @Override
    public Integer call() throws IOException {
        boolean persisted;
        try (KvsClient kvs = main.connect()) {
            persisted = kvs.persist(key.bytes());
        }
        if (!persisted) {
            main.err().println("not persisted: " + key.key + " is missing or has no expiry");
            main.err().flush();
            return ClientMain.EXIT_FAILED;
        }
        return 0;
    }
}
