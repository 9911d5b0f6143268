package kvs.client.cli;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import kvs.client.ClientOptions;
import kvs.client.Connection;
import kvs.client.KvsClient;
import kvs.common.HostPort;
import kvs.common.cli.Converters;
import kvs.common.cli.HelpFormat;
import kvs.common.cli.UsageErrors;
import kvs.common.cli.VersionProvider;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code kvs-client}: one request to a kvs server per run.
 *
 * <p>Values and {@code Key not found} from {@code get} go to standard output; diagnostics go to
 * standard error only. Exit codes are mapped from exceptions in one place,
 * {@link #commandLine}'s handler.
 */
@Command(name = "kvs-client", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        usageHelpAutoWidth = true, sortOptions = false,
        synopsisSubcommandLabel = "(set | get | rm | incr | expire | ttl | persist | batch | mget | mset | scan | exists | count | compact | backup | ping | stats | bench | shell | help)",
        description = "Sets, gets, removes, increments, expires, lists and counts keys on a kvs server.",
        footerHeading = "%nExamples:%n",
        footer = {"  kvs-client set greeting hello", "  kvs-client get greeting",
            "  kvs-client set photo --value-file photo.jpg --addr 127.0.0.1:4001",
            "  kvs-client get photo --raw > photo.jpg",
            "  kvs-client set --key-hex 00ff --value-hex 0a0b0c",
            "  kvs-client set lock me --if-absent", "  kvs-client set version 2 --if-equal 1",
            "  kvs-client incr visits", "  kvs-client incr stock -5",
            "  kvs-client set session abc --ttl 30m", "  kvs-client expire session 1h", "  kvs-client ttl session",
            "  kvs-client batch set a 1 set b 2 --ttl 10s rm c",
            "  kvs-client rm greeting", "  kvs-client mset a 1 b 2", "  kvs-client mget a b",
            "  kvs-client --batch commands.txt", "  kvs-client scan --prefix user: --limit 10",
            "  kvs-client exists greeting photo", "  kvs-client compact --timeout 10m"},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done (get of a missing key prints 'Key not found' and exits 0)",
            "1:failed: no server, timeout, error from the server (incr of a value that is not an integer),"
                + " rm or expire of a missing key, set --if-... whose condition did not hold (nothing set), persist"
                + " of a key without expiry, a --batch line that failed",
            "2:usage error",
            "3:get --raw of a missing key"})
public final class ClientMain implements Callable<Integer> {

    /** Where the server is unless --addr says. */
    static final String DEFAULT_ADDRESS = "127.0.0.1:4000";

    /** Exit code of a command that ran and failed. */
    static final int EXIT_FAILED = 1;

    @Spec
    CommandSpec spec;

    @Option(names = "--addr", paramLabel = "IP:PORT[,IP:PORT...]", converter = Members.Converter.class,
            defaultValue = DEFAULT_ADDRESS, scope = ScopeType.INHERIT,
            description = "Server address: HOST:PORT, IPv6 in brackets ([::1]:4000); or the members of"
                    + " a replicated group, separated by commas: the client finds the leader."
                    + " Default: ${DEFAULT-VALUE}.")
    Members address;

    @Option(names = "--connect-timeout", paramLabel = "DURATION", converter = Converters.Time.class,
            defaultValue = "3s", scope = ScopeType.INHERIT,
            description = "How long to wait for a connection. Default: ${DEFAULT-VALUE}.")
    Duration connectTimeout;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = Converters.Time.class,
            defaultValue = "10s", scope = ScopeType.INHERIT,
            description = "How long to wait for the response. Default: ${DEFAULT-VALUE}.")
    Duration requestTimeout;

    /** In a shell: the session's connection, which every command uses; else null. */
    KvsClient session;
    final InputStream stdin;
    final OutputStream stdout;
    final OutputStream stderr;

    ClientMain(InputStream stdin, OutputStream stdout, OutputStream stderr) {
        this.stdin = stdin;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.in, System.out, System.err));
    }

    /**
     * Runs {@code kvs-client args}; returns the exit code. A plain set, get or rm that
     * {@link OneShot} reads whole runs without picocli; everything else, picocli runs.
     */
    static int run(String[] args, InputStream stdin, PrintStream stdout, PrintStream stderr) {
        OneShot oneShot = OneShot.parse(args);
        int code;
        if (oneShot != null) {
            code = oneShot.run(stdout, stderr);
        } else {
            CommandLine cmd = commandLine(stdin, stdout, stderr, args);
            code = cmd.execute(args);
            cmd.getOut().flush();
        }
        return outputChecked(code, stdout, stderr);
    }

    /** A command's failure, said on {@code err} as every command says it; returns the exit code. */
    static int failed(Exception e, PrintWriter err) {
        if (e instanceof IOException) {
            err.println("kvs-client: " + e.getMessage());
        } else {
            err.println("kvs-client: internal error: " + e);
            e.printStackTrace(err);
        }
        err.flush();
        return EXIT_FAILED;
    }

    /**
     * Fails, saying how to run {@code command}, unless {@code className} can be loaded: bench's
     * and the shell's libraries are on class paths of their own (lib/bench/, lib/shell/), which
     * bin/kvs-client adds for them alone, so that a one-shot get need not open them.
     */
    static void requireLibraries(String command, String libDir, String... classNames) throws IOException {
        for (String name : classNames) {
            try {
                Class.forName(name, false, ClientMain.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IOException(command + " needs its libraries (" + libDir + "), and " + name
                        + " is not on the class path: run it as 'bin/kvs-client " + command + "', which adds "
                        + libDir + " (kvs-client/target/" + command + "-lib/ in a checkout)");
            }
        }
    }

    /** The writer text goes through to {@code stream}: UTF-8, flushed at each line. */
    static PrintWriter writer(OutputStream stream) {
        return new PrintWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8), true);
    }

    /**
     * {@code code}, unless the command's output could not all be written ({@code kvs-client get k
     * > /dev/full}, say): then the command failed, whatever it did, and says so. A
     * {@link PrintStream} keeps its write errors to itself until asked.
     */
    static int outputChecked(int code, PrintStream out, PrintStream err) {
        out.flush();
        if (out.checkError() && code == 0) {
            err.println("kvs-client: cannot write to standard output (a full disk? a closed pipe?);"
                    + " what was printed is incomplete");
            err.flush();
            return EXIT_FAILED;
        }
        return code;
    }

    /** The command line with all its subcommands and its streams. */
    static CommandLine commandLine(InputStream stdin, OutputStream stdout, OutputStream stderr) {
        return commandLine(stdin, stdout, stderr, new String[0]);
    }

    /**
     * The command line with its streams, for {@code args}: values are written to {@code stdout}
     * as raw bytes.
     *
     * <p>When {@code args} name a subcommand, only that one is registered. picocli builds its model
     * of a command by reflection over the class and its annotations, a few milliseconds a command
     * (most for {@code bench}, with its many options); a one-shot {@code get} need not pay for the
     * others (docs/BENCHMARKS.md, "One-shot client start-up"). Help, and anything that is not
     * a subcommand's name, gets them all, so that usage and "did you mean" list every command.
     */
    static CommandLine commandLine(InputStream stdin, OutputStream stdout, OutputStream stderr,
            String[] args) {
        return commandLine(stdin, stdout, stderr, args, null);
    }

    /** {@link #commandLine(InputStream, OutputStream, OutputStream, String[])} on a shell's connection. */
    static CommandLine commandLine(InputStream stdin, OutputStream stdout, OutputStream stderr,
            String[] args, KvsClient session) {
        ClientMain main = new ClientMain(stdin, stdout, stderr);
        main.session = session;
        CommandLine cmd = new CommandLine(main);
        Class<?> named = SUBCOMMANDS.get(subcommandName(args));
        if (named != null) {
            cmd.addSubcommand(named);
        } else {
            for (Class<?> sub : SUBCOMMANDS.values()) {
                cmd.addSubcommand(sub);
            }
            cmd.addSubcommand(HelpCommand.class);
        }
        CommandLine batch = cmd.getSubcommands().get("batch");
        if (batch != null) {
            // Its operations' options (set ... --ttl 10s) are words BatchOps reads in place.
            batch.setUnmatchedOptionsArePositionalParams(true);
        }
        cmd.setOut(writer(stdout));
        cmd.setErr(writer(stderr));
        // -V on every subcommand too ("kvs-client get -V"), not only on kvs-client itself.
        for (CommandLine sub : cmd.getSubcommands().values()) {
            sub.getCommandSpec().versionProvider(new VersionProvider());
        }
        HelpFormat.apply(cmd, stdout == System.out);
        cmd.setExecutionStrategy(parsed -> {
            if (parsed.hasSubcommand() && (parsed.hasMatchedOption("--batch") || parsed.hasMatchedOption("--keep-going"))) {
                throw new CommandLine.ParameterException(cmd, "--batch runs the commands of its file:"
                        + " give no command with it (kvs-client --batch FILE [--keep-going])");
            }
            return new CommandLine.RunLast().execute(parsed);
        });
        cmd.setParameterExceptionHandler(new UsageErrors());
        cmd.setExecutionExceptionHandler((e, c, parsed) -> failed(e, c.getErr()));
        return cmd;
    }

    /**
     * The subcommands by name, in the order help lists them ({@code help} comes last). The names
     * are their {@code @Command} names, written out: reading the annotations here would cost what
     * registering only one command saves (ClientMainTest checks that they agree).
     */
    static final Map<String, Class<?>> SUBCOMMANDS = new LinkedHashMap<>();

    static {
        SUBCOMMANDS.put("set", SetCommand.class);
        SUBCOMMANDS.put("get", GetCommand.class);
        SUBCOMMANDS.put("rm", RmCommand.class);
        SUBCOMMANDS.put("incr", IncrCommand.class);
        SUBCOMMANDS.put("expire", ExpireCommand.class);
        SUBCOMMANDS.put("ttl", TtlCommand.class);
        SUBCOMMANDS.put("persist", PersistCommand.class);
        SUBCOMMANDS.put("batch", BatchCommand.class);
        SUBCOMMANDS.put("mget", MgetCommand.class);
        SUBCOMMANDS.put("mset", MsetCommand.class);
        SUBCOMMANDS.put("scan", ScanCommand.class);
        SUBCOMMANDS.put("exists", ExistsCommand.class);
        SUBCOMMANDS.put("count", CountCommand.class);
        SUBCOMMANDS.put("compact", CompactCommand.class);
        SUBCOMMANDS.put("backup", BackupCommand.class);
        SUBCOMMANDS.put("ping", PingCommand.class);
        SUBCOMMANDS.put("stats", StatsCommand.class);
        SUBCOMMANDS.put("cluster", ClusterCommand.class);
        SUBCOMMANDS.put("bench", BenchCommand.class);
        SUBCOMMANDS.put("shell", ShellCommand.class);
    }

    /** kvs-client's own options that take a value: the word after one is not a command. */
    private static final Set<String> VALUE_OPTIONS =
            Set.of("--addr", "--connect-timeout", "--timeout", "--batch");

    /** The first word of {@code args} that is neither an option nor an option's value, or null. */
    static String subcommandName(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (VALUE_OPTIONS.contains(arg)) {
                i++;
            } else if (!arg.startsWith("-")) {
                return arg;
            }
        }
        return null;
    }

    @Option(names = "--batch", paramLabel = "FILE",
            description = "Run the commands of FILE ('-': standard input), one a line, pipelined on one"
                    + " connection; print one result a line. Stops at the first line that fails.")
    Path batch;

    @Option(names = "--keep-going", description = "With --batch: run every line, even after one failed.")
    boolean keepGoing;

    @Override
    public Integer call() throws IOException {
        if (batch == null && !keepGoing && stdin == System.in && System.console() != null) {
            return ShellCommand.open(this); // no command, on a terminal: the shell
        }
        if (batch == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), keepGoing
                    ? "--keep-going goes with --batch FILE"
                    : "missing command: " + String.join(", ", SUBCOMMANDS.keySet()) + ", or --batch FILE");
        }
        try (BatchLines input = new BatchLines(batchInput());
                Connection connection = Connection.connect(address.first(),
                        new ClientOptions(connectTimeout, requestTimeout))) {
            OutputStream out = new BufferedOutputStream(stdout, 64 * 1024);
            return new Batch(connection, spec, out, err(), keepGoing).run(input);
        }
    }

    private InputStream batchInput() throws IOException {
        if (batch.toString().equals("-")) {
            return stdin;
        }
        try {
            return Files.newInputStream(batch);
        } catch (NoSuchFileException e) {
            throw new IOException("cannot read batch file " + batch + ": no such file", e);
        } catch (IOException e) {
            throw new IOException("cannot read batch file " + batch + ": " + e.getMessage(), e);
        }
    }

    /** The connection a command uses: its own, or, in a shell, the session's (left open by close). */
    KvsClient connect() throws IOException {
        if (session != null) {
            return session.borrowed();
        }
        return KvsClient.connect(address.all(), new ClientOptions(connectTimeout, requestTimeout));
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** Whether diagnostics go to a terminal: only the process's own standard error can be one. */
    boolean stderrIsTerminal() {
        return stderr == System.err && Terminal.stderrIsTerminal();
    }
}
