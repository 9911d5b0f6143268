package kvs.client.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import kvs.client.ClientOptions;
import kvs.client.KvsClient;
import kvs.common.HostPort;
import kvs.common.Limits;
import kvs.common.Units;

/**
 * A plain {@code set KEY VALUE}, {@code get KEY [--raw]} or {@code rm KEY}, with any of
 * {@code --addr}, {@code --timeout} and {@code --connect-timeout}, run without picocli.
 *
 * <p>Why: a one-shot command is a whole JVM start, and building picocli's model of the command
 * line (its classes, reflection over the commands, annotation proxies) took 72 of the 234 ms of
 * an installed {@code kvs-client get} (class-load timestamps; docs/BENCHMARKS.md, "One-shot
 * client start-up"). The commands people run most, from scripts in loops, need none of it.
 *
 * <p>How it stays the same program: {@link #parse} takes only arguments it understands whole,
 * and every one of them valid; anything else (another command or option, help, an argument that
 * begins with {@code -} or {@code @}, an option given twice, a value that does not convert, an
 * empty key) returns null, and picocli runs the command as before, with its messages. The
 * commands' output is printed by the same methods either way ({@link GetCommand#print},
 * {@link RmCommand#report}, {@link ClientMain#failed}). OneShotTest checks, on thousands of
 * argument lists, that whatever this class accepts, picocli parses to the same request.
 */
final class OneShot {

    final String command;
    final byte[] key;
    final byte[] value;
    final boolean raw;
    final HostPort address;
    final ClientOptions options;

    private OneShot(String command, byte[] key, byte[] value, boolean raw, HostPort address,
            ClientOptions options) {
        this.command = command;
        this.key = key;
        this.value = value;
        this.raw = raw;
        this.address = address;
        this.options = options;
    }

    /** The command {@code args} spell, or null if picocli is to run them. */
    static OneShot parse(String[] args) {
        if (args.length < 2) {
            return null;
        }
        String command = args[0];
        int positionals = switch (command) {
            case "get", "rm" -> 1;
            case "set" -> 2;
            default -> -1;
        };
        if (positionals < 0) {
            return null;
        }
        String addr = null;
        String timeout = null;
        String connectTimeout = null;
        boolean raw = false;
        List<String> words = new ArrayList<>(2);
        for (int i = 1; i < args.length; i++) {
            String arg = args[i];
            if (arg.startsWith("@")) {
                return null; // picocli reads arguments from the file it names
            }
            if (!arg.startsWith("-")) {
                words.add(arg);
                continue;
            }
            if (arg.equals("--raw") && command.equals("get") && !raw) {
                raw = true;
                continue;
            }
            String name = arg;
            String value;
            int eq = arg.indexOf('=');
            if (eq > 0) {
                name = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                return null;
            }
            if (value.startsWith("-") || value.startsWith("@")) {
                return null;
            }
            switch (name) {
                case "--addr" -> {
                    if (addr != null) {
                        return null;
                    }
                    addr = value;
                }
                case "--timeout" -> {
                    if (timeout != null) {
                        return null;
                    }
                    timeout = value;
                }
                case "--connect-timeout" -> {
                    if (connectTimeout != null) {
                        return null;
                    }
                    connectTimeout = value;
                }
                default -> {
                    return null;
                }
            }
        }
        if (words.size() != positionals) {
            return null;
        }
        byte[] key = words.get(0).getBytes(StandardCharsets.UTF_8);
        if (key.length == 0 || key.length > Limits.MAX_KEY_BYTES) {
            return null;
        }
        byte[] value = positionals == 2 ? words.get(1).getBytes(StandardCharsets.UTF_8) : null;
        try {
            return new OneShot(command, key, value, raw,
                    HostPort.parse(addr == null ? ClientMain.DEFAULT_ADDRESS : addr),
                    new ClientOptions(
                            connectTimeout == null ? ClientOptions.DEFAULT_CONNECT_TIMEOUT
                                    : Units.parseDuration(connectTimeout),
                            timeout == null ? ClientOptions.DEFAULT_REQUEST_TIMEOUT
                                    : Units.parseDuration(timeout)));
        } catch (IllegalArgumentException e) {
            return null; // picocli says what is wrong with it
        }
    }

    /** Runs the command; returns its exit code. */
    int run(OutputStream stdout, OutputStream stderr) {
        PrintWriter out = ClientMain.writer(stdout);
        PrintWriter err = ClientMain.writer(stderr);
        try {
            try (KvsClient kvs = KvsClient.connect(address, options)) {
                switch (command) {
                    case "get" -> {
                        return GetCommand.print(kvs.get(key), raw, stdout, out);
                    }
                    case "rm" -> {
                        return RmCommand.report(kvs.remove(key), err);
                    }
                    default -> {
                        kvs.set(key, value);
                        return 0;
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return ClientMain.failed(e, err);
        }
    }
}
