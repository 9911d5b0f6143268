package kvs.client.cli;

import java.io.IOException;
import java.util.concurrent.Callable;
import kvs.client.KvsClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code kvs-client shell}, and {@code kvs-client} with no command on a terminal. */
@Command(name = "shell", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = {"An interactive prompt: the commands above, one a line (quoted as in --batch), over one"
                + " connection, with history, line editing and completion of command names (Tab).",
            "exit, quit or Ctrl-D leaves; Ctrl-C drops the line. kvs-client with no command on a terminal"
                + " opens it too."})
final class ShellCommand implements Callable<Integer> {

    @ParentCommand
    ClientMain main;

    @Override
    public Integer call() throws IOException {
        return open(main);
    }

    /** Runs a shell on {@code main}'s address and streams until the user leaves it. */
    static int open(ClientMain main) throws IOException {
        if (main.session != null) {
            main.err().println("kvs-client: already in a shell");
            main.err().flush();
            return ClientMain.EXIT_FAILED;
        }
        ClientMain.requireLibraries("shell", "lib/shell/", "org.jline.reader.LineReader");
        try (KvsClient session = main.connect()) {
            return new Shell(main, session).run();
        }
    }
}
