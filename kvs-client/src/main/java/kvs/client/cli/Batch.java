package kvs.client.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import kvs.client.Connection;
import kvs.client.Requests;
import kvs.client.ServerErrorException;
import kvs.proto.Request;
import kvs.proto.Response;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * {@code kvs-client --batch FILE}: one command a line, pipelined on one {@link Connection}, one
 * result a line printed in the lines' order (README, "Batch").
 *
 * <p>How: each line is parsed and its requests sent at once while the connection's window has
 * room; when it has none, the oldest request's response is read, and a line whose responses have
 * all come is printed. A line that cannot be parsed sends nothing and takes its turn in the
 * queue, so that its error comes out in order too. When the input pauses (a person or a slow
 * program writing to standard input), everything sent is answered and printed before waiting.
 *
 * <p>Stopping at the first error cannot unsend what is already in flight: up to a window of
 * later lines may have been applied by the server when the error comes back, and are not printed.
 * A malformed line stops the reading at once, so nothing after it is sent.
 */
final class Batch {

    /** Exit code of a batch in which a line failed. */
    static final int EXIT_FAILED = ClientMain.EXIT_FAILED;

    private static final byte[] OK = "OK\n".getBytes(StandardCharsets.UTF_8);
    private static final String COMMANDS = "set KEY VALUE, get KEY, rm KEY, mget KEY..., mset KEY VALUE...,"
            + " batch OP...";

    /** A line of the input: what it asks, and what has come back for it. */
    private static final class Line {
        final long number;
        final String text;
        final String command;
        final List<Request.Builder> requests = new ArrayList<>();
        /** The responses' results, by request: a value (or null) for gets, a Boolean for rm. */
        final Object[] results;
        int answered;
        /** Why the line failed, or null. */
        String error;

        Line(long number, String text, String command, int requests) {
            this.number = number;
            this.text = text;
            this.command = command;
            this.results = new Object[requests];
        }

        boolean complete() {
            return answered == requests.size(); // a line that failed to parse sent none
        }
    }

    /** A request in flight, or (index -1) a line that sent none, in the order they were queued. */
    private record Pending(Line line, int index) {
    }

    private final Connection connection;
    private final CommandSpec spec;
    private final OutputStream out;
    private final PrintWriter err;
    private final boolean keepGoing;
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private int failed;

    Batch(Connection connection, CommandSpec spec, OutputStream out, PrintWriter err, boolean keepGoing) {
        this.connection = connection;
        this.spec = spec;
        this.out = out;
        this.err = err;
        this.keepGoing = keepGoing;
    }

    /**
     * Runs every line of {@code input}; returns the exit code: 0 if every line succeeded.
     *
     * @throws IOException if the connection failed (naming the oldest line unanswered), or the
     *     input or the output could not be read or written; the results of the lines before are
     *     printed first
     */
    int run(BatchLines input) throws IOException {
        try {
            return runLines(input);
        } catch (IOException e) {
            try {
                out.flush();
            } catch (IOException f) {
                e.addSuppressed(f);
            }
            throw e;
        }
    }

    private int runLines(BatchLines input) throws IOException {
        long number = 0;
        String text;
        while (true) {
            if (!input.ready() && !answerAll()) {
                return EXIT_FAILED;
            }
            Line line;
            try {
                text = input.readLine();
                if (text == null) {
                    break;
                }
                number++;
                String trimmed = text.strip();
                if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                    continue;
                }
                line = parse(number, text);
            } catch (BatchLines.NotUtf8 e) {
                number++;
                line = failedLine(number, e.shown, "the line is not UTF-8 text");
            }
            if (line.error != null) {
                queue.add(new Pending(line, -1));
                if (!keepGoing) {
                    break; // send nothing after it
                }
                continue;
            }
            for (int i = 0; i < line.requests.size(); i++) {
                while (connection.full()) {
                    if (!answerOldest()) {
                        return EXIT_FAILED;
                    }
                }
                try {
                    connection.send(line.requests.get(i));
                } catch (IOException e) {
                    throw new IOException(where(line) + ": " + e.getMessage(), e);
                }
                queue.add(new Pending(line, i));
            }
        }
        if (!answerAll()) {
            return EXIT_FAILED;
        }
        return failed == 0 ? 0 : EXIT_FAILED;
    }

    /** Answers and prints everything queued; false if a failed line stops the batch. */
    private boolean answerAll() throws IOException {
        while (!queue.isEmpty()) {
            if (!answerOldest()) {
                return false;
            }
        }
        out.flush();
        return true;
    }

    /** Reads the oldest response (if any) and prints its line if complete; false to stop. */
    private boolean answerOldest() throws IOException {
        Pending p = queue.remove();
        Line line = p.line;
        if (p.index >= 0) {
            try {
                line.results[p.index] = result(line.command, connection.receive());
            } catch (ServerErrorException e) {
                if (line.error == null) {
                    line.error = e.getMessage();
                }
            } catch (IOException e) {
                throw new IOException(where(line) + ": " + e.getMessage(), e);
            }
            line.answered++;
        }
        return !line.complete() || print(line);
    }

    /** What a response says, as the line's command reads it. */
    private Object result(String command, Response r) throws IOException {
        return switch (command) {
            case "get", "mget" -> connection.value(r);
            case "rm" -> connection.removed(r);
            default -> {
                connection.expectDone(r);
                yield Boolean.TRUE;
            }
        };
    }

    /** Prints a complete line's result, or its error; false if that error stops the batch. */
    private boolean print(Line line) throws IOException {
        if (line.error == null && Boolean.FALSE.equals(line.results[0]) && line.command.equals("rm")) {
            line.error = GetCommand.NOT_FOUND;
        }
        if (line.error == null) {
            if (line.command.equals("get") || line.command.equals("mget")) {
                for (Object value : line.results) {
                    MgetCommand.print((byte[]) value, out);
                }
            } else {
                out.write(OK);
            }
            return true;
        }
        failed++;
        out.flush();
        err.println("kvs-client: " + where(line) + ": " + line.error);
        if (!keepGoing) {
            err.println("kvs-client: stopped at line " + line.number + " (--keep-going runs every line);"
                    + " later lines print nothing, though those already sent may have been applied");
        }
        err.flush();
        return keepGoing;
    }

    private static String where(Line line) {
        return "line " + line.number + " (" + line.text.strip() + ")";
    }

    /** The line's command and requests, or the line with its error. */
    private Line parse(long number, String text) {
        List<String> words;
        try {
            words = BatchWords.split(text);
        } catch (IllegalArgumentException e) {
            return failedLine(number, text, e.getMessage());
        }
        String command = words.get(0);
        List<String> args = words.subList(1, words.size());
        int expected = switch (command) {
            case "set" -> 2;
            case "get", "rm" -> 1;
            case "mget", "mset", "batch" -> -1;
            default -> 0;
        };
        if (expected == 0) {
            return failedLine(number, text, "unknown command '" + command + "': a line is one of " + COMMANDS);
        }
        if (expected > 0 && args.size() != expected || expected < 0 && args.isEmpty()) {
            return failedLine(number, text, "wrong number of arguments for '" + command
                    + "': a line is one of " + COMMANDS);
        }
        try {
            Line line = new Line(number, text, command, command.equals("mget") ? args.size() : 1);
            switch (command) {
                case "set" -> line.requests.add(Requests.set(Keys.utf8(spec, args.get(0)), utf8(args.get(1))));
                case "get" -> line.requests.add(Requests.get(Keys.utf8(spec, args.get(0))));
                case "rm" -> line.requests.add(Requests.rm(Keys.utf8(spec, args.get(0))));
                case "mget" -> args.forEach(key -> line.requests.add(Requests.get(Keys.utf8(spec, key))));
                case "batch" -> line.requests.add(BatchOps.parse(args).request());
                default -> line.requests.add(Requests.setMany(MsetCommand.pairs(spec, args)));
            }
            return line;
        } catch (ParameterException | IllegalArgumentException e) {
            return failedLine(number, text, e.getMessage());
        }
    }

    private static Line failedLine(long number, String text, String error) {
        Line line = new Line(number, text, "", 0);
        line.error = error;
        return line;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
