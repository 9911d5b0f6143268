package kvs.client.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import kvs.client.KvsClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

/** {@code kvs-client rm KEY}. */
@Command(name = "rm", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = {"Removes KEY. Prints nothing.",
            "A missing key prints 'Key not found' on standard error and exits 1."})
final class RmCommand implements Callable<Integer> {

    @ParentCommand
    ClientMain main;

    @Mixin
    KeyArgument key;

    @Override
    public Integer call() throws IOException {
        boolean removed;
        try (KvsClient kvs = main.connect()) {
            removed = kvs.remove(key.bytes());
        }
        return report(removed, main.err());
    }

    /** Says, as {@code rm} does, that the key was missing, if it was; returns the exit code. */
    static int report(boolean removed, PrintWriter err) {
        if (!removed) {
            err.println(GetCommand.NOT_FOUND);
            err.flush();
            return ClientMain.EXIT_FAILED;
        }
        return 0;
    }
}
