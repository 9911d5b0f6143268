package kvs.server;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Callable;
import kvs.common.HostPort;
import kvs.common.Limits;
import kvs.common.Units;
import kvs.common.Version;
import kvs.common.cli.Converters;
import kvs.common.cli.HelpFormat;
import kvs.common.cli.UsageErrors;
import kvs.common.cli.VersionProvider;
import kvs.store.CorruptionException;
import kvs.store.StoreCheck;
import kvs.store.StoreDump;
import kvs.store.StoreOptions;
import kvs.store.SyncPolicy;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code kvs-server}: runs one store behind a listener until SIGTERM or SIGINT. */
@Command(name = "kvs-server", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = {"Serves a kvs key/value store over TCP.", "",
            "Logs go to stderr, or to --log-file. SIGTERM or SIGINT stops the server cleanly: it stops accepting,"
                + " answers the requests already received, closes the store and exits 0."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:stopped cleanly by SIGTERM or SIGINT",
            "1:could not start (address in use, data directory in use or damaged, --pid-file naming a"
                + " running kvs-server, ...) or failed;"
                + " with --check: damage found",
            "2:usage error (bad flag or value, in the command line or the --config file)"})
public final class ServerMain implements Callable<Integer> {

    private static final System.Logger LOG = System.getLogger(ServerMain.class.getName());

    /** Flags that act rather than set, beyond those that take no value: not for a config file. */
    private static final Set<String> ACTIONS = Set.of("--dump");

    @Spec
    CommandSpec spec;

    @Option(names = ConfigFile.FLAG, paramLabel = "FILE",
            description = "Read settings from this file: a line a setting, key = value, the keys being"
                    + " the long flags below without their dashes (addr = 127.0.0.1:4000, sync = always);"
                    + " lines that begin with # are comments. A flag on the command line wins over the"
                    + " file. Not in the file: --check, --salvage, --dump. Relative paths in it are"
                    + " relative to the working directory, as on the command line. A sample:"
                    + " docs/OPERATIONS.md.")
    Path configPath;

    /** The file {@code --config} names, read while the command line is parsed; null if none. */
    private ConfigFile configFile;

    @Option(names = "--addr", paramLabel = "IP:PORT", converter = Converters.Address.class,
            defaultValue = "127.0.0.1:4000",
            description = "Address to listen on: HOST:PORT, IPv6 in brackets ([::1]:4000)."
                    + " Default: ${DEFAULT-VALUE}.")
    HostPort address;

    @Option(names = "--resp-addr", paramLabel = "IP:PORT", converter = Converters.Address.class,
            description = "Also listen here for clients of the Redis protocol (RESP2/RESP3):"
                    + " redis-cli, redis-benchmark, Jedis, Lettuce, redis-py. Off unless given;"
                    + " e.g. 127.0.0.1:6379. Commands: docs/PROTOCOL.md, \"RESP\".")
    HostPort respAddress;

    @Option(names = "--dir", paramLabel = "PATH", defaultValue = "./kvs-data",
            description = "Data directory, created if missing. Default: ${DEFAULT-VALUE}.")
    Path dir;

    @Option(names = "--max-key-bytes", paramLabel = "SIZE", converter = Converters.Size.class,
            defaultValue = "64KiB",
            description = "Largest key accepted (at most 64KiB); larger ones get a TOO_LARGE error."
                    + " Default: ${DEFAULT-VALUE}.")
    long maxKeyBytes;

    @Option(names = "--max-value-bytes", paramLabel = "SIZE", converter = Converters.Size.class,
            defaultValue = "64MiB",
            description = "Largest value accepted; larger ones get a TOO_LARGE error."
                    + " Default: ${DEFAULT-VALUE}.")
    long maxValueBytes;

    @Option(names = "--max-segment-bytes", paramLabel = "SIZE", converter = Converters.Size.class,
            defaultValue = "128MiB",
            description = "Size at which the active data file is sealed and a new one begun."
                    + " Default: ${DEFAULT-VALUE}.")
    long maxSegmentBytes;

    @Option(names = "--compact-ratio", paramLabel = "RATIO", defaultValue = "0.5",
            description = "Compact automatically when dead bytes reach this share of the sealed"
                    + " data files (above 0, at most 1)... Default: ${DEFAULT-VALUE}.")
    double compactRatio;

    @Option(names = "--compact-min-bytes", paramLabel = "SIZE", converter = Converters.Size.class,
            defaultValue = "64MiB",
            description = "... and are at least this many. Default: ${DEFAULT-VALUE}.")
    long compactMinBytes;

    @Option(names = "--sync", paramLabel = "POLICY", defaultValue = "interval",
            converter = SyncConverter.class,
            description = {"When writes are fsynced: always (acknowledged after an fsync: survives"
                    + " power loss; concurrent writes share fsyncs), interval (fsync at least every"
                    + " --sync-interval), never (the OS decides). Every acknowledged write survives a"
                    + " crash of the process under every policy. Default: ${DEFAULT-VALUE}."})
    SyncPolicy sync;

    @Option(names = "--sync-interval", paramLabel = "DURATION", converter = Converters.Time.class,
            defaultValue = "1s",
            description = "For --sync interval: the longest time between fsyncs. Default: ${DEFAULT-VALUE}.")
    Duration syncInterval;

    @Option(names = "--raft-id", paramLabel = "ID",
            description = "Be member ID of the replicated group --raft-peers names (docs/REPLICATION.md)."
                    + " Off unless given: a single server.")
    String raftId;

    @Option(names = "--raft-peers", paramLabel = "PEERS",
            description = "Every member of the group, this one included, separated by commas: ID=RAFT"
                    + " or ID=RAFT/CLIENT, where RAFT is the HOST:PORT of its Raft traffic and CLIENT"
                    + " the --addr its clients use (so that a follower can send them to the leader)."
                    + " E.g. n1=h1:5001/h1:4000 for one member on host h1.")
    String raftPeers;

    @Option(names = "--raft-election-timeout", paramLabel = "DURATION", converter = Converters.Time.class,
            defaultValue = "1s",
            description = "With --raft-id: how long a follower hears nothing from the leader before it"
                    + " stands for election (a random time between this and twice this)."
                    + " Default: ${DEFAULT-VALUE}.")
    Duration raftElectionTimeout;

    @Option(names = "--raft-snapshot-every", paramLabel = "N", defaultValue = "100000",
            description = "With --raft-id: snapshot the store after N log entries, and drop the log"
                    + " before the snapshot. Default: ${DEFAULT-VALUE}.")
    long raftSnapshotEvery;

    @Option(names = "--raft-log-segment-bytes", paramLabel = "SIZE", converter = Converters.Size.class,
            defaultValue = "8MiB",
            description = "With --raft-id: the size at which a Raft log file is closed and the next"
                    + " begun; a snapshot drops the closed files it covers. Default: ${DEFAULT-VALUE}.")
    long raftLogSegmentBytes;

    @Option(names = "--check",
            description = "Check every file of the data directory in full, report all damage, change"
                    + " nothing, and exit: 0 if clean, 1 if damaged. The server must not be running.")
    boolean check;

    @Option(names = "--dump", paramLabel = "FILE",
            description = "Print a data file (NNNNNNNNN.data) or hint file (.hint) as text, one line"
                    + " a record, with any damage where it lies, and exit: 0 if whole, 1 if damaged.")
    Path dump;

    @Option(names = "--salvage",
            description = "Start even if data files are damaged, keeping every record that checks"
                    + " out: every data file is read (hint or not); each damaged one is first copied"
                    + " aside into corrupt/ under the data directory (as <file>.corrupt-<time>), then"
                    + " rewritten without its damage; what was skipped is logged.")
    boolean salvage;

    @Option(names = "--idle-timeout", paramLabel = "DURATION", converter = Converters.Time.class,
            defaultValue = "300s",
            description = "Close a connection that sends nothing (or stops mid-request) for this long"
                    + " while no answer is due to it. Default: ${DEFAULT-VALUE}.")
    Duration idleTimeout;

    @Option(names = "--max-connections", paramLabel = "N", defaultValue = "10000",
            description = "Refuse connections beyond this many with an UNAVAILABLE error."
                    + " Default: ${DEFAULT-VALUE}.")
    int maxConnections;

    @Option(names = "--max-pending-bytes", paramLabel = "SIZE", converter = Converters.Size.class,
            defaultValue = "256MiB",
            description = "Memory, server-wide, for requests still being received: a connection"
                    + " whose request does not fit waits (is not read) until others finish; one larger"
                    + " than this gets RESOURCE_EXHAUSTED. As much again bounds responses not yet sent."
                    + " Default: ${DEFAULT-VALUE}.")
    long maxPendingBytes;

    @Option(names = "--max-keydir-bytes", paramLabel = "SIZE|auto", defaultValue = "auto",
            description = "Memory for the keydir, the in-memory index of every key (about 45 bytes a"
                    + " key beyond the key's bytes): once reached, a set of a new key gets"
                    + " RESOURCE_EXHAUSTED; existing keys can still be set and removed. A store"
                    + " holding more still opens, with a warning, and refuses new keys. auto: half of"
                    + " the JVM's maximum heap (-Xmx), leaving the rest for requests in flight and the"
                    + " collector. Default: ${DEFAULT-VALUE}.")
    String maxKeydirBytes;

    @Option(names = "--drain-timeout", paramLabel = "DURATION", converter = Converters.Time.class,
            defaultValue = "10s",
            description = "On shutdown, how long to wait for requests already received."
                    + " Default: ${DEFAULT-VALUE}.")
    Duration drainTimeout;

    @Option(names = "--log-level", paramLabel = "LEVEL", defaultValue = "info",
            converter = LogLevelConverter.class,
            description = "The least severe log lines written: error, warn, info or debug."
                    + " Default: ${DEFAULT-VALUE}.")
    LogSetup.LogLevel logLevel;

    @Option(names = "--log-file", paramLabel = "PATH",
            description = "Append the log to this file (created if missing) instead of writing it"
                    + " to stderr.")
    Path logFile;

    @Option(names = "--pid-file", paramLabel = "PATH",
            description = "Write the server's process id to this file once it listens, and remove the"
                    + " file when it stops. A file that names a running kvs-server refuses the start"
                    + " (exit 1), as does one that holds anything but a PID; one whose process is gone"
                    + " is replaced.")
    Path pidFile;

    @Option(names = "--backup-root", paramLabel = "DIR",
            description = "Let clients back the store up (kvs-client backup NAME) into new directories"
                    + " of DIR, which must exist, on the same file system as --dir for hard links"
                    + " (else files are copied). Off unless given: a client cannot make the server write"
                    + " anywhere else.")
    Path backupRoot;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, for {@code main} and for tests. */
    static CommandLine commandLine() {
        ServerMain main = new ServerMain();
        CommandLine cmd = HelpFormat.apply(new CommandLine(main), true);
        cmd.setDefaultValueProvider(main::fromConfigFile);
        cmd.setParameterExceptionHandler(new UsageErrors());
        cmd.setExecutionExceptionHandler((e, c, parsed) -> {
            PrintWriter err = c.getErr();
            if (e instanceof CorruptionException damaged) {
                err.println("kvs-server: damaged data: " + damaged.getMessage());
                err.println("kvs-server: nothing was changed. To list all damage: kvs-server --check"
                        + " --dir " + damaged.file().getParent() + "; to start keeping every record that"
                        + " checks out (damaged files are copied aside first): kvs-server --salvage"
                        + " --dir " + damaged.file().getParent());
            } else if (e instanceof IOException io) {
                err.println("kvs-server: " + StartFailures.describe(io, ((ServerMain) c.getCommand()).dir));
            } else {
                err.println("kvs-server: internal error: " + e);
                e.printStackTrace(err);
            }
            err.flush();
            return 1;
        });
        return cmd;
    }

    /**
     * picocli's default for {@code arg}: the config file's value, if there is a file and it sets
     * {@code arg}. Called while parsing, once the command line's own flags are in (so
     * {@link #configPath} is set), for every option the command line did not give.
     */
    private String fromConfigFile(ArgSpec arg) {
        if (configPath == null) {
            return null;
        }
        if (configFile == null || !configFile.path().equals(configPath)) {
            // Each value is tried as its flag alone, on a command line of its own, so that a bad
            // one gets the flag's own message, with the file and line in front.
            CommandLine alone = new CommandLine(new ServerMain());
            configFile = ConfigFile.read(configPath, spec, ACTIONS, (flag, value) -> {
                alone.parseArgs(flag + "=" + value);
                ((ServerMain) alone.getCommand()).toConfig();
            });
        }
        return configFile.defaultValue(arg);
    }

    @Override
    public Integer call() throws Exception {
        if (dump != null && (check || salvage)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--dump reads one file and exits:"
                    + " it does not go with " + (check ? "--check" : "--salvage"));
        }
        if (check && salvage) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--check changes nothing and"
                    + " --salvage repairs: give one (--check first shows the damage --salvage would skip)");
        }
        if (dump != null) {
            return StoreDump.dump(dump, spec.commandLine().getOut()) ? 0 : 1;
        }
        ServerConfig config = toConfig();
        if (check) {
            return check(config);
        }
        LogSetup.configure(logLevel, logFile);
        long start = System.nanoTime();
        KvsServer server = KvsServer.start(config);
        long openMillis = (System.nanoTime() - start) / 1_000_000;
        StopSignals.install(server); // before saying we listen: from then on a signal stops us cleanly
        LOG.log(Level.INFO, "kvs-server {0} listening on {1}, data in {2} ({3}, opened in {4} ms;"
                + " keydir budget {5})", Version.get(),
                HostPort.of(server.localAddress()),
                config.dir().toAbsolutePath().normalize(), Units.count(server.store().size(), "key"), openMillis,
                Units.formatSize(config.store().maxKeydirBytes()));
        if (server.respAddress() != null) {
            LOG.log(Level.INFO, "kvs-server RESP (Redis protocol) listening on {0}",
                    HostPort.of(server.respAddress()));
        }
        server.awaitClosed();
        if (server.closeFailure() != null) {
            LOG.log(Level.ERROR, "kvs-server stopped, but closing the store failed: {0}",
                    server.closeFailure().getMessage());
            return 1;
        }
        if (server.halted()) {
            LOG.log(Level.ERROR, "kvs-server stopped: its store could not apply a replicated write (see above)");
            return 1;
        }
        LOG.log(Level.INFO, "kvs-server stopped");
        return 0;
    }

    private int check(ServerConfig config) throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        StoreCheck.Report report = StoreCheck.run(config.dir());
        for (StoreCheck.Finding f : report.findings()) {
            out.println("damaged: " + f);
        }
        for (StoreCheck.Finding f : report.notes()) {
            out.println("not damage: " + f);
        }
        out.println(Units.count(report.dataFiles(), "data file") + ", " + Units.count(report.records(), "good record")
                + ", " + (report.clean() ? "no damage" : Units.count(report.findings().size(), "problem")));
        out.flush();
        return report.clean() ? 0 : 1;
    }

    /** {@code always}, {@code interval} or {@code never}. */
    static final class SyncConverter implements CommandLine.ITypeConverter<SyncPolicy> {
        @Override
        public SyncPolicy convert(String value) {
            try {
                return SyncPolicy.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** {@code error}, {@code warn}, {@code info} or {@code debug}. */
    static final class LogLevelConverter implements CommandLine.ITypeConverter<LogSetup.LogLevel> {
        @Override
        public LogSetup.LogLevel convert(String value) {
            try {
                return LogSetup.LogLevel.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    ServerConfig toConfig() {
        CommandLine cmd = spec.commandLine();
        if (maxValueBytes > Limits.MAX_RESPONSE_FRAME_BYTES - Limits.FRAME_OVERHEAD_BYTES
                - Limits.MAX_KEY_BYTES) {
            throw new CommandLine.ParameterException(cmd, "--max-value-bytes "
                    + Units.formatSize(maxValueBytes) + " is over the largest possible, 2047MiB");
        }
        if (maxSegmentBytes < 1024 || maxSegmentBytes > StoreOptions.MAX_MAX_SEGMENT_BYTES) {
            throw new CommandLine.ParameterException(cmd, "--max-segment-bytes must be 1KiB to 1GiB,"
                    + " got " + Units.formatSize(maxSegmentBytes));
        }
        if (syncInterval.isZero() || syncInterval.isNegative()) {
            throw new CommandLine.ParameterException(cmd, "--sync-interval must be positive, e.g. 1s");
        }
        if (!(compactRatio > 0 && compactRatio <= 1)) {
            throw new CommandLine.ParameterException(cmd, "--compact-ratio must be above 0 and at"
                    + " most 1, e.g. 0.5; got " + compactRatio);
        }
        if (maxKeyBytes < 1 || maxKeyBytes > Limits.MAX_KEY_BYTES) {
            throw new CommandLine.ParameterException(cmd, "--max-key-bytes must be 1 to 64KiB, got "
                    + Units.formatSize(maxKeyBytes));
        }
        if (idleTimeout.isZero() || idleTimeout.isNegative()) {
            throw new CommandLine.ParameterException(cmd, "--idle-timeout must be positive, e.g. 300s");
        }
        if (maxConnections < 1) {
            throw new CommandLine.ParameterException(cmd, "--max-connections must be at least 1, got "
                    + maxConnections);
        }
        if (maxPendingBytes < 1) {
            throw new CommandLine.ParameterException(cmd, "--max-pending-bytes must be at least 1,"
                    + " e.g. 256MiB");
        }
        return new ServerConfig(address, dir, (int) maxKeyBytes, (int) maxValueBytes,
                drainTimeout, new StoreOptions(maxSegmentBytes, compactRatio, compactMinBytes, sync,
                        syncInterval).withMaxKeydirBytes(keydirBudget(cmd)), salvage, idleTimeout,
                maxConnections, maxPendingBytes, respAddress, pidFile, backupRoot, raft(cmd));
    }

    /** {@code --raft-id} and {@code --raft-peers}, or null if neither is given. */
    private RaftOptions raft(CommandLine cmd) {
        if (raftId == null && raftPeers == null) {
            return null;
        }
        if (raftId == null || raftPeers == null) {
            throw new CommandLine.ParameterException(cmd, "--raft-id and --raft-peers go together: give"
                    + " both to run a member of a replicated group, or neither for a single server");
        }
        if (salvage) {
            throw new CommandLine.ParameterException(cmd, "--salvage is for a single server's store; a"
                    + " member's store is rebuilt from its snapshot and the Raft log at each start");
        }
        try {
            return RaftOptions.of(raftId, raftPeers).withElectionTimeout(raftElectionTimeout)
                    .withSnapshotEvery(raftSnapshotEvery).withLogSegmentBytes(raftLogSegmentBytes);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, "--raft-peers: " + e.getMessage());
        }
    }

    /** {@code --max-keydir-bytes}: a size, or {@code auto} for half of the JVM's maximum heap. */
    private long keydirBudget(CommandLine cmd) {
        if (maxKeydirBytes.equalsIgnoreCase("auto")) {
            return Runtime.getRuntime().maxMemory() / 2;
        }
        long bytes;
        try {
            bytes = Units.parseSize(maxKeydirBytes);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, "--max-keydir-bytes: " + e.getMessage()
                    + ", or auto");
        }
        if (bytes < 1) {
            throw new CommandLine.ParameterException(cmd, "--max-keydir-bytes must be at least 1,"
                    + " e.g. 1GiB, or auto");
        }
        return bytes;
    }
}
