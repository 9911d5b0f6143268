package kvs.client.cli;

import java.io.IOException;
import java.util.concurrent.Callable;
import kvs.client.KvsClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code kvs-client backup NAME}. */
@Command(name = "backup", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = {"Backs the server's store up into a new directory NAME under the server's"
                + " --backup-root, while it keeps serving. Prints nothing; returns when the copy is"
                + " written and fsynced.",
            "The copy is a store: kvs-server --dir ROOT/NAME opens it, holding every write"
                + " acknowledged before the backup began. Sealed files are hard-linked, so a backup"
                + " on the same file system takes little time or space; use a --timeout long enough"
                + " for copies across file systems."})
final class BackupCommand implements Callable<Integer> {

    @ParentCommand
    ClientMain main;

    @Parameters(index = "0", paramLabel = "NAME",
            description = "A name for a new directory in the server's --backup-root (e.g. kvs-2026-12-07;"
                    + " no '/', not beginning with '.').")
    String name;

    @Override
    public Integer call() throws IOException {
        try (KvsClient kvs = main.connect()) {
            kvs.backup(name);
        }
        return 0;
    }
}
