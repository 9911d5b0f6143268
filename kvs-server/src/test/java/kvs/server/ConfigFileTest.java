package kvs.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import kvs.common.HostPort;
import kvs.common.Units;
import kvs.store.SyncPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code kvs-server --config FILE}, through the real command line, in-process. */
class ConfigFileTest {

    @TempDir
    Path dir;

    private final StringWriter err = new StringWriter();

    /** Runs kvs-server with {@code args}; returns the exit code, stderr in {@link #err}. */
    private int run(String... args) {
        CommandLine cmd = ServerMain.commandLine();
        cmd.setOut(new PrintWriter(new StringWriter(), true));
        cmd.setErr(new PrintWriter(err, true));
        return cmd.execute(args);
    }

    /** The first line kvs-server wrote on stderr, emptied for the next run. */
    private String firstErrorLine() {
        String first = err.toString().lines().findFirst().orElse("");
        err.getBuffer().setLength(0);
        return first;
    }

    /** The configuration {@code args} would start a server with, without starting it. */
    private static ServerConfig configOf(String... args) {
        CommandLine cmd = ServerMain.commandLine();
        cmd.parseArgs(args);
        return ((ServerMain) cmd.getCommand()).toConfig();
    }

    private Path file(String... lines) throws IOException {
        return Files.writeString(dir.resolve("kvs.conf"), String.join("\n", lines) + "\n");
    }

    @Test
    void settingsFromTheFile_andAFlagWinsOverTheFile() throws IOException {
        Path conf = file("# a comment", "", "addr = 127.0.0.1:4111", "  dir=/srv/kvs-from-file  ",
                "sync = always", "max-value-bytes = 1KiB", "drain-timeout = 3s", "resp-addr = [::1]:6380",
                "pid-file = /run/kvs/kvs.pid");
        ServerConfig fromFile = configOf("--config", conf.toString());
        assertEquals(new HostPort("127.0.0.1", 4111), fromFile.address());
        assertEquals(Path.of("/srv/kvs-from-file"), fromFile.dir());
        assertEquals(SyncPolicy.ALWAYS, fromFile.store().sync());
        assertEquals(1024, fromFile.maxValueBytes());
        assertEquals(Duration.ofSeconds(3), fromFile.drainTimeout());
        assertEquals(new HostPort("::1", 6380), fromFile.respAddress());
        assertEquals(Path.of("/run/kvs/kvs.pid"), fromFile.pidFile());

        ServerConfig flagsToo = configOf("--dir", "/srv/kvs-from-flag", "--config", conf.toString(),
                "--sync=never");
        assertEquals(Path.of("/srv/kvs-from-flag"), flagsToo.dir());
        assertEquals(SyncPolicy.NEVER, flagsToo.store().sync());
        assertEquals(new HostPort("127.0.0.1", 4111), flagsToo.address(), "the rest still from the file");
    }

    @Test
    void aByteOrderMark_isNotPartOfTheFirstKey() throws IOException {
        Path conf = Files.writeString(dir.resolve("bom.conf"), "\uFEFFaddr = 127.0.0.1:4112\n");
        assertEquals(new HostPort("127.0.0.1", 4112), configOf("--config", conf.toString()).address());
    }

    @Test
    void withoutAFile_theBuiltInDefaults() {
        ServerConfig config = configOf();
        assertEquals(ServerConfig.DEFAULT_ADDRESS, config.address());
        assertEquals(Path.of("./kvs-data"), config.dir());
        assertNull(config.pidFile());
    }

    /** Chosen so that one meaning holds wherever a value is written: the flag's. */
    @Test
    void relativePaths_areRelativeToTheWorkingDirectory_notToTheFile() throws IOException {
        Path conf = Files.createDirectories(dir.resolve("etc")).resolve("kvs.conf");
        Files.writeString(conf, "dir = data\npid-file = run/kvs.pid\n");
        ServerConfig config = configOf("--config", conf.toString());
        assertEquals(Path.of("data"), config.dir());
        assertEquals(Path.of("run/kvs.pid"), config.pidFile());
    }

    @Test
    void aValue_isTakenAsWritten_dollarSignsAndAll() throws IOException {
        Path conf = file("dir = /srv/$HOME/${sys:user.home}/$$");
        assertEquals(Path.of("/srv/$HOME/${sys:user.home}/$$"), configOf("--config", conf.toString()).dir());
    }

    @Test
    void aBadValue_theFlagsOwnMessage_namingFileAndLine() throws IOException {
        String[][] cases = {{"sync", "sometimes"}, {"addr", "localhost"}, {"max-connections", "lots"},
            {"max-segment-bytes", "12"}, {"compact-ratio", "2"}, {"max-keydir-bytes", "0"}};
        for (String[] c : cases) {
            assertEquals(2, run("--" + c[0], c[1]));
            String flagSays = firstErrorLine();
            assertTrue(flagSays.startsWith("kvs-server: "), flagSays);
            Path conf = file("# line 1", "", "log-level = warn", c[0] + " = " + c[1]);
            assertEquals(2, run("--config", conf.toString()));
            assertEquals("kvs-server: " + conf + ":4: " + flagSays.substring("kvs-server: ".length()),
                    firstErrorLine());
        }
    }

    @Test
    void aBadValueInTheFile_isAnErrorEvenWhenAFlagOverridesIt() throws IOException {
        Path conf = file("sync = sometimes");
        assertEquals(2, run("--config", conf.toString(), "--sync", "always"));
        assertTrue(firstErrorLine().startsWith("kvs-server: " + conf + ":1: Invalid value for option '--sync'"));
    }

    @Test
    void mistakes_usageErrors_namingFileAndLine() throws IOException {
        record Case(String line, String message) {
        }
        List<Case> cases = List.of(
                new Case("sycn = always", "unknown key 'sycn'; did you mean 'sync'? (the keys are the long"
                        + " flags of kvs-server --help, without their dashes)"),
                new Case("frobnicate = 1", "unknown key 'frobnicate' (the keys are the long flags of"
                        + " kvs-server --help, without their dashes)"),
                new Case("--dir = /srv/kvs", "unknown key '--dir'; write it without the dashes: dir (the keys"
                        + " are the long flags of kvs-server --help, without their dashes)"),
                new Case("dir /srv/kvs", "expected key = value, got 'dir /srv/kvs'"),
                new Case("= /srv/kvs", "expected key = value, got '= /srv/kvs'"),
                new Case("dir =", "'dir' has no value"),
                new Case("dir = \"/srv/kvs\"", "no quotes are needed: dir = /srv/kvs"),
                new Case("check = true", "'check' is an action, not a setting: give --check on the command line"),
                new Case("salvage = yes", "'salvage' is an action, not a setting: give --salvage on the"
                        + " command line"),
                new Case("dump = /srv/kvs/000000001.data", "'dump' is an action, not a setting: give --dump"
                        + " on the command line"),
                new Case("help = 1", "'help' is an action, not a setting: give --help on the command line"),
                new Case("config = other.conf", "a config file cannot name another"));
        for (Case c : cases) {
            Path conf = file("addr = 127.0.0.1:0", "# a comment", c.line());
            assertEquals(2, run("--config", conf.toString()), c.line());
            assertEquals("kvs-server: " + conf + ":3: " + c.message(), firstErrorLine());
        }
    }

    @Test
    void aKeyGivenTwice_namesBothLines() throws IOException {
        Path conf = file("dir = /a", "sync = always", "dir = /b");
        assertEquals(2, run("--config", conf.toString()));
        assertEquals("kvs-server: " + conf + ":3: 'dir' is set twice, here and on line 1", firstErrorLine());
    }

    @Test
    void aFileThatCannotBeRead_usageError_sayingWhy() throws IOException {
        Path missing = dir.resolve("missing.conf");
        assertEquals(2, run("--config", missing.toString()));
        assertEquals("kvs-server: cannot read config file " + missing + ": no such file", firstErrorLine());
        assertEquals(2, run("--config", dir.toString()));
        assertEquals("kvs-server: cannot read config file " + dir + ": Is a directory", firstErrorLine());
        Path binary = Files.write(dir.resolve("binary.conf"), new byte[] {'d', 'i', 'r', '=', (byte) 0xff});
        assertEquals(2, run("--config", binary.toString()));
        assertEquals("kvs-server: cannot read config file " + binary + ": it is not UTF-8 text", firstErrorLine());
        Path large = Files.write(dir.resolve("large.conf"), new byte[ConfigFile.MAX_BYTES + 1]);
        assertEquals(2, run("--config", large.toString()));
        assertEquals("kvs-server: cannot read config file " + large + ": it is larger than 1MiB, too large"
                + " for a config file", firstErrorLine());
    }

    @Test
    void theErrorPointsToHelp_andNothingIsCreated() throws IOException {
        Path data = dir.resolve("data");
        Path conf = file("dir = " + data, "sycn = always");
        assertEquals(2, run("--config", conf.toString()));
        assertTrue(err.toString().contains("See 'kvs-server --help'."), err.toString());
        assertTrue(Files.notExists(data));
    }

    @Test
    void help_withAFile_showsTheFilesValuesAsTheDefaults() throws IOException {
        StringWriter out = new StringWriter();
        CommandLine cmd = ServerMain.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        assertEquals(0, cmd.execute("--config", file("addr = 127.0.0.1:4111").toString(), "--help"));
        assertTrue(out.toString().contains("Default: 127.0.0.1:4111."), out.toString());
    }

    @Test
    void distance_countsOneCharacterEdits() {
        assertEquals(0, ConfigFile.distance("sync", "sync"));
        assertEquals(2, ConfigFile.distance("sycn", "sync"));
        assertEquals(1, ConfigFile.distance("adr", "addr"));
        assertEquals(4, ConfigFile.distance("", "addr"));
        assertEquals(3, ConfigFile.distance("kitten", "sitting"));
    }

    /**
     * The sample kvs.conf and kvs.service in docs/OPERATIONS.md: the file read through the real
     * --config code, and the unit checked against it, so that neither can drift.
     */
    @Test
    void theSamplesInOperationsMd_loadAndAgree() throws IOException {
        String doc = Files.readString(Path.of(System.getProperty("basedir", "."), "..", "docs",
                "OPERATIONS.md"), StandardCharsets.UTF_8);
        Path conf = Files.writeString(dir.resolve("kvs.conf"), fencedBlockAfter(doc, "<!-- sample kvs.conf"));
        ServerConfig config = configOf("--config", conf.toString());
        String unit = fencedBlockAfter(doc, "<!-- sample kvs.service");
        assertTrue(unit.contains("\nExecStart=") && unit.contains(" --config /etc/kvs/kvs.conf\n"), unit);
        assertTrue(unit.contains("\nStateDirectory=kvs\n"), unit);
        assertEquals(Path.of("/var/lib/kvs"), config.dir(), "the unit's StateDirectory");
        String stop = unit.lines().filter(l -> l.startsWith("TimeoutStopSec=")).findFirst().orElseThrow();
        Duration timeoutStop = Units.parseDuration(stop.substring("TimeoutStopSec=".length()));
        assertTrue(config.drainTimeout().plusSeconds(10).compareTo(timeoutStop) <= 0,
                "systemd waits for the drain and the store's close before SIGKILL: " + stop);
    }

    /** Where systemd's own checker is installed: the sample unit has no key or value it rejects. */
    @Test
    @Timeout(60)
    void theSampleUnit_passesSystemdAnalyzeVerify() throws IOException, InterruptedException {
        Path verifier = Path.of("/usr/bin/systemd-analyze");
        assumeTrue(Files.isExecutable(verifier), "systemd-analyze is not installed");
        String doc = Files.readString(Path.of(System.getProperty("basedir", "."), "..", "docs",
                "OPERATIONS.md"), StandardCharsets.UTF_8);
        // verify checks that ExecStart's program exists: one that does, in place of /opt/kvs's.
        String unit = fencedBlockAfter(doc, "<!-- sample kvs.service")
                .replace("ExecStart=/opt/kvs/bin/kvs-server ", "ExecStart=/bin/true ");
        Path file = Files.writeString(dir.resolve("kvs.service"), unit);
        Process p = new ProcessBuilder(verifier.toString(), "verify", "--man=no", file.toString())
                .redirectErrorStream(true).start();
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals("", said);
        assertEquals(0, p.exitValue());
    }

    /** The text of the first ``` fenced block after the line that starts with {@code marker}. */
    static String fencedBlockAfter(String doc, String marker) {
        List<String> lines = doc.lines().toList();
        int at = 0;
        while (at < lines.size() && !lines.get(at).startsWith(marker)) {
            at++;
        }
        assertTrue(at < lines.size(), "no line starting with " + marker);
        int open = at + 1;
        assertTrue(open < lines.size() && lines.get(open).startsWith("```"), "a fenced block right after " + marker);
        int close = open + 1;
        while (close < lines.size() && !lines.get(close).startsWith("```")) {
            close++;
        }
        assertTrue(close < lines.size(), "the block after " + marker + " is closed");
        return String.join("\n", lines.subList(open + 1, close)) + "\n";
    }
}
