package kvs.common.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * Usage errors in one line plus a pointer to {@code --help}, rather than the whole help text:
 * {@code kvs-client: Missing required parameter: 'KEY' (see 'kvs-client get --help')}. Exit 2.
 */
public final class UsageErrors implements CommandLine.IParameterExceptionHandler {

    /** The exit code of every usage error. */
    public static final int EXIT_USAGE = 2;

    @Override
    public int handleParseException(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        String name = cmd.getCommandSpec().root().name();
        err.println(name + ": " + ex.getMessage());
        CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
        err.println("See '" + cmd.getCommandSpec().qualifiedName() + " --help'.");
        err.flush();
        return EXIT_USAGE;
    }
}
