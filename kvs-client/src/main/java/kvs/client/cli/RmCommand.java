package kvs.client.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import kvs.client.KvsClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code kvs-client rm KEY}. */
@Command(name = "rm", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = {"Removes KEY. Prints nothing.",
            "A missing key prints 'Key not found' on standard error and exits 1."})
final class RmCommand implements Callable<Integer> {

    @ParentCommand
    ClientMain main;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "KEY", description = "The key (UTF-8, or hex with --key-hex).")
    String key;

    @Option(names = "--key-hex", description = "KEY is given in hex, two digits a byte (e.g. 00ff41): for keys"
            + " that are not UTF-8 text.")
    boolean keyHex;

    @Override
    public Integer call() throws IOException {
        boolean removed;
        try (KvsClient kvs = main.connect()) {
            removed = kvs.remove(Keys.of(spec, key, keyHex));
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
