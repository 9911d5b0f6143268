package kvs.client.cli;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import kvs.client.KvsClient;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.reader.impl.DefaultParser;
import org.jline.reader.impl.completer.StringsCompleter;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.jline.terminal.impl.DumbTerminal;

/**
 * The shell's loop, on JLine: read a line, split it into words as {@code --batch} does, run it as
 * kvs-client would with those words, on the session's one connection. Kept apart from
 * {@link ShellCommand} so that JLine's classes load only when a shell opens.
 */
final class Shell {

    private final ClientMain main;
    private final KvsClient session;

    Shell(ClientMain main, KvsClient session) {
        this.main = main;
        this.session = session;
    }

    int run() throws IOException {
        // The system's terminal when this process's own streams are one; else (a pipe, a test)
        // a plain one over the given streams, which reads lines as they come.
        boolean onTerminal = main.stdin == System.in && main.stdout == System.out && System.console() != null;
        try (Terminal terminal = onTerminal ? TerminalBuilder.builder().system(true).build()
                : new DumbTerminal(main.stdin, main.stdout)) {
            // The line is split as --batch splits it: JLine's parser is told not to wait for a
            // closing quote, and '!' is not history expansion (a value may hold one).
            DefaultParser parser = new DefaultParser();
            parser.setEofOnUnclosedQuote(false);
            parser.setEofOnEscapedNewLine(false);
            LineReaderBuilder builder = LineReaderBuilder.builder().terminal(terminal).parser(parser)
                    .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true)
                    .completer(new StringsCompleter(commandNames()));
            String home = System.getProperty("user.home");
            if (onTerminal && home != null && !home.isEmpty()) {
                builder.variable(LineReader.HISTORY_FILE, Path.of(home, ".kvs_history"));
            }
            LineReader reader = builder.build();
            String prompt = "kvs " + session.address() + "> ";
            PrintWriter err = main.err();
            while (true) {
                String line;
                try {
                    line = reader.readLine(prompt);
                } catch (UserInterruptException e) {
                    continue; // Ctrl-C: drop the line
                } catch (EndOfFileException e) {
                    return 0; // Ctrl-D
                }
                List<String> words;
                try {
                    words = BatchWords.split(line);
                } catch (IllegalArgumentException e) {
                    err.println("kvs-client: " + e.getMessage());
                    err.flush();
                    continue;
                }
                if (words.isEmpty()) {
                    continue;
                }
                if (words.get(0).equals("exit") || words.get(0).equals("quit")) {
                    return 0;
                }
                String[] args = words.toArray(String[]::new);
                // No standard input for a command: the terminal is the shell's.
                ClientMain.commandLine(new ByteArrayInputStream(new byte[0]), main.stdout, main.stderr, args,
                        session).execute(args);
                main.stdout.flush();
            }
        }
    }

    private static List<String> commandNames() {
        List<String> names = new ArrayList<>(ClientMain.SUBCOMMANDS.keySet());
        names.remove("shell");
        names.add("help");
        names.add("exit");
        names.add("quit");
        return names;
    }
}
