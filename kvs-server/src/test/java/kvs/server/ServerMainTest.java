package kvs.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import kvs.store.Store;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code kvs-server}'s command line, run in-process: exit codes and messages. */
class ServerMainTest {

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cmd = ServerMain.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        return cmd.execute(args);
    }

    @Test
    void malformedAddress_usageError_showingAGoodOne() {
        assertEquals(2, run("--addr", "localhost"));
        assertTrue(err.toString().contains("127.0.0.1:4000"), err.toString());
        assertTrue(err.toString().contains("--help"), err.toString());
    }

    @Test
    void malformedSize_usageError() {
        assertEquals(2, run("--max-value-bytes", "lots"));
        assertTrue(err.toString().contains("e.g. 65536, 64KiB"), err.toString());
    }

    @Test
    void optionsThatExcludeEachOther_usageError_changingNothing() throws IOException {
        Path data = dir.resolve("data");
        assertEquals(2, run("--check", "--salvage", "--dir", data.toString()));
        assertTrue(err.toString().contains("--check changes nothing and --salvage repairs: give one"), err.toString());
        assertEquals(2, run("--dump", data.resolve("000000001.data").toString(), "--check"));
        assertTrue(err.toString().contains("--dump reads one file and exits: it does not go with --check"),
                err.toString());
        assertEquals(2, run("--dump", data.resolve("000000001.data").toString(), "--salvage"));
        assertTrue(err.toString().contains("it does not go with --salvage"), err.toString());
        assertFalse(Files.exists(data), "nothing was created");
    }

    @Test
    void unknownFlag_usageError() {
        assertEquals(2, run("--frobnicate"));
    }

    @Test
    void portInUse_oneLineError_exit1() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int code = run("--addr", "127.0.0.1:" + taken.getLocalPort(), "--dir", dir.toString());
            assertEquals(1, code);
            String message = err.toString().strip();
            assertFalse(message.contains("\n"), message);
            assertTrue(message.startsWith("kvs-server: cannot listen on 127.0.0.1:"), message);
            assertTrue(message.contains("in use"), message);
        }
        // The store was closed again: the directory is free.
        Store.open(dir).close();
    }

    @Test
    void portInUse_withANewDirectory_leavesNoDirectoryBehind() throws IOException {
        Path created = dir.resolve("new");
        Path data = created.resolve("nested").resolve("data");
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertEquals(1, run("--addr", "127.0.0.1:" + taken.getLocalPort(), "--dir", data.toString()));
        }
        assertTrue(err.toString().contains("cannot listen on"), err.toString());
        assertFalse(Files.exists(created), "the failed start removed the directories it created");
        assertTrue(Files.isDirectory(dir), "and only those");
    }

    @Test
    void portInUse_withAnExistingDirectory_leavesItAndItsDataAlone() throws IOException {
        try (Store s = Store.open(dir)) {
            s.set(new byte[] {1}, new byte[] {2});
        }
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertEquals(1, run("--addr", "127.0.0.1:" + taken.getLocalPort(), "--dir", dir.toString()));
        }
        try (Store s = Store.open(dir)) {
            assertArrayEquals(new byte[] {2}, s.get(new byte[] {1}));
        }
    }

    /** A failure root cannot bypass (tests may run as root): a part of the path is a file. */
    @Test
    void dataDirectoryUnderAFile_cannotCreate_sayingWhereToLook() throws IOException {
        Path file = Files.createFile(dir.resolve("file"));
        Path data = file.resolve("data");
        assertEquals(1, run("--addr", "127.0.0.1:0", "--dir", data.toString()));
        assertEquals("kvs-server: cannot create data directory " + data + ": Not a directory; check it"
                + " (ls -ld " + file + "), or choose another --dir", err.toString().strip());
    }

    @Test
    void lockFileNotAFile_cannotLock_namingTheLockFile() throws IOException {
        Path lock = Files.createDirectory(dir.resolve("LOCK"));
        assertEquals(1, run("--addr", "127.0.0.1:0", "--dir", dir.toString()));
        assertEquals("kvs-server: cannot lock data directory " + dir + " (file " + lock + "): Is a directory;"
                + " check it (ls -l " + lock + "), or choose another --dir", err.toString().strip());
    }

    @Test
    void permissionDenied_creatingTheDataDirectory_saysWhatAndWhere() throws IOException {
        Path locked = Files.createDirectory(dir.resolve("locked"));
        Files.setPosixFilePermissions(locked, java.util.Set.of());
        try {
            assumeFalse(Files.isWritable(locked), "running as root, which permission checks do not stop:"
                    + " skipped (the message is tested in StartFailuresTest)");
            Path data = locked.resolve("data");
            assertEquals(1, run("--addr", "127.0.0.1:0", "--dir", data.toString()));
            assertEquals("kvs-server: permission denied creating data directory " + data + ": check that the"
                    + " user running kvs-server may write there (ls -ld " + locked + ")", err.toString().strip());
        } finally {
            Files.setPosixFilePermissions(locked, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        }
    }

    @Test
    void permissionDenied_openingTheDataDirectory_saysWhatAndWhere() throws IOException {
        Path data = Files.createDirectory(dir.resolve("data"));
        Files.setPosixFilePermissions(data, java.util.Set.of());
        try {
            assumeFalse(Files.isWritable(data), "running as root, which permission checks do not stop:"
                    + " skipped (the message is tested in StartFailuresTest)");
            assertEquals(1, run("--addr", "127.0.0.1:0", "--dir", data.toString()));
            String message = err.toString().strip();
            assertTrue(message.startsWith("kvs-server: permission denied "), message);
            assertTrue(message.contains(data.toString()) && message.contains("ls -l"), message);
        } finally {
            Files.setPosixFilePermissions(data, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        }
    }

    @Test
    void directoryInUse_oneLineError_exit1() throws IOException {
        try (Store held = Store.open(dir)) {
            assertEquals(1, run("--addr", "127.0.0.1:0", "--dir", dir.toString()));
            String message = err.toString().strip();
            assertFalse(message.contains("\n"), message);
            assertTrue(message.contains(dir.toString()), message);
        }
    }

    @Test
    void badLogLevel_usageError_namingTheLevels() {
        assertEquals(2, run("--log-level", "verbose"));
        assertTrue(err.toString().contains("error, warn, info or debug"), err.toString());
    }

    @Test
    void unwritableLogFile_exit1_sayingWhatToDo_andTheDirectoryIsNotCreated() {
        Path data = dir.resolve("data");
        Path log = dir.resolve("missing").resolve("kvs.log");
        assertEquals(1, run("--addr", "127.0.0.1:0", "--dir", data.toString(), "--log-file", log.toString()));
        String message = err.toString().strip();
        assertTrue(message.startsWith("kvs-server: cannot open log file " + log), message);
        assertFalse(Files.exists(data), "a failed start leaves no data directory behind");
    }

    @Test
    void badSyncPolicy_usageError() {
        assertEquals(2, run("--sync", "sometimes"));
        assertTrue(err.toString().contains("always, interval or never"), err.toString());
    }

    @Test
    void check_cleanStore_exit0_damagedStore_exit1_namingFileAndOffset() throws IOException {
        try (Store s = Store.open(dir)) {
            s.set("a".getBytes(), "1".getBytes());
            s.set("b".getBytes(), "2".getBytes());
        }
        assertEquals(0, run("--check", "--dir", dir.toString()));
        assertTrue(out.toString().contains("1 data file, 2 good records, no damage"), out.toString());
        java.nio.file.Path data = dir.resolve("000000001.data");
        byte[] bytes = java.nio.file.Files.readAllBytes(data);
        bytes[8 + 21] ^= 1; // the key of the first record
        java.nio.file.Files.write(data, bytes);
        out.getBuffer().setLength(0);
        assertEquals(1, run("--check", "--dir", dir.toString()));
        assertTrue(out.toString().contains("000000001.data at offset 8: checksum mismatch"), out.toString());
        assertTrue(out.toString().contains("1 data file, 1 good record, 1 problem"), out.toString());
    }

    @Test
    void dump_printsEachRecordAndEntry_andDamage() throws IOException {
        try (Store s = Store.open(dir)) {
            s.set("a".getBytes(), "1".getBytes());
            s.set(new byte[] {0, 1}, "22".getBytes());
            s.remove("a".getBytes());
        }
        assertEquals(0, run("--dump", dir.resolve("000000001.data").toString()));
        assertTrue(out.toString().contains("8 23 1 put a 1\n"), out.toString());
        assertTrue(out.toString().contains("31 25 2 put 0x0001 2\n"), out.toString());
        assertTrue(out.toString().contains("56 22 3 tombstone a 0\n"), out.toString());
        out.getBuffer().setLength(0);
        assertEquals(0, run("--dump", dir.resolve("000000001.hint").toString()));
        assertTrue(out.toString().contains("56 22 3 tombstone a\n"), out.toString());
        java.nio.file.Path data = dir.resolve("000000001.data");
        byte[] bytes = java.nio.file.Files.readAllBytes(data);
        bytes[31 + 21] ^= 1;
        java.nio.file.Files.write(data, bytes);
        out.getBuffer().setLength(0);
        assertEquals(1, run("--dump", data.toString()));
        assertTrue(out.toString().contains("# DAMAGE at offset 31"), out.toString());
        assertTrue(out.toString().contains("56 22 3 tombstone a 0"), "reads on past damage: " + out);
    }

    @Test
    void dump_printsDamageWhereItLies_amongTheRecords() throws IOException {
        try (Store s = Store.open(dir)) {
            s.set("a".getBytes(), "1".getBytes());
            s.set("b".getBytes(), "2".getBytes());
            s.set("c".getBytes(), "3".getBytes());
        }
        java.nio.file.Path data = dir.resolve("000000001.data");
        byte[] bytes = java.nio.file.Files.readAllBytes(data);
        bytes[31 + 21 + 1] ^= 1; // the value of b, the second record (8 + 23 = 31)
        java.nio.file.Files.write(data, bytes);
        assertEquals(1, run("--dump", data.toString()));
        String text = out.toString();
        int a = text.indexOf("8 23 1 put a 1\n");
        int damage = text.indexOf("# DAMAGE at offset 31: 23 bytes unreadable");
        int c = text.indexOf("54 23 3 put c 1\n");
        assertTrue(a >= 0 && damage > a && c > damage, "in offset order: " + text);
        assertTrue(text.contains("# state: damaged at offset 31"), text);
    }

    @Test
    void check_ofAnUnfinishedCreation_exit0_sayingItIsNotDamage() throws IOException {
        try (Store s = Store.open(dir)) {
            s.set("a".getBytes(), "1".getBytes());
        }
        java.nio.file.Files.write(dir.resolve("000000002.data"), new byte[] {0x4b, 0x56, 0x53});
        assertEquals(0, run("--check", "--dir", dir.toString()));
        assertTrue(out.toString().contains("not damage: " + dir.resolve("000000002.data")
                + " at offset 0: unfinished creation: 3 of 8 header bytes"), out.toString());
        out.getBuffer().setLength(0);
        assertEquals(0, run("--dump", dir.resolve("000000002.data").toString()));
        assertTrue(out.toString().contains("# state: unfinished creation"), out.toString());
    }

    @Test
    void damagedStore_refusesToStart_sayingHowToProceed() throws IOException {
        try (Store s = Store.open(dir)) {
            s.set("a".getBytes(), "1".getBytes());
            s.set("b".getBytes(), "2".getBytes());
        }
        java.nio.file.Files.delete(dir.resolve("000000001.hint"));
        java.nio.file.Path data = dir.resolve("000000001.data");
        byte[] bytes = java.nio.file.Files.readAllBytes(data);
        bytes[8 + 21] ^= 1;
        java.nio.file.Files.write(data, bytes);
        assertEquals(1, run("--addr", "127.0.0.1:0", "--dir", dir.toString()));
        String e = err.toString();
        assertTrue(e.contains("000000001.data at offset 8"), e);
        assertTrue(e.contains("--check") && e.contains("--salvage"), e);
    }

    @Test
    void help_listsFlagsAndExitCodes() {
        assertEquals(0, run("--help"));
        for (String s : new String[] {"--addr", "--dir", "--max-value-bytes", "--sync", "--salvage",
            "--check", "--compact-ratio", "--log-level", "--log-file", "--max-keydir-bytes", "--config",
            "--pid-file", "Exit codes",
            "SIGTERM"}) {
            assertTrue(out.toString().contains(s), s);
        }
    }

    @Test
    void maxKeydirBytes_autoIsHalfTheMaxHeap_aSizeIsTaken_badValuesAreUsageErrors() {
        CommandLine cmd = ServerMain.commandLine();
        cmd.parseArgs("--dir", dir.toString());
        assertEquals(Runtime.getRuntime().maxMemory() / 2,
                ((ServerMain) cmd.getCommand()).toConfig().store().maxKeydirBytes());
        cmd = ServerMain.commandLine();
        cmd.parseArgs("--dir", dir.toString(), "--max-keydir-bytes", "3GiB");
        assertEquals(3L << 30, ((ServerMain) cmd.getCommand()).toConfig().store().maxKeydirBytes());
        assertEquals(2, run("--dir", dir.toString(), "--max-keydir-bytes", "lots"));
        assertTrue(err.toString().contains("--max-keydir-bytes") && err.toString().contains("auto"),
                err.toString());
        assertEquals(2, run("--dir", dir.toString(), "--max-keydir-bytes", "0"));
    }

    /** Broken at spaces only, so that no option's name and label, no default, no path is cut. */
    @Test
    void help_atEveryWidth_hasTheWordsOfHelpTooWideToWrap_andNoColour() {
        List<String> unwrapped = null;
        for (int width : new int[] {1000, 55, 60, 65, 70, 80, 100}) {
            StringWriter help = new StringWriter();
            CommandLine cmd = ServerMain.commandLine();
            cmd.setOut(new PrintWriter(help, true));
            cmd.setUsageHelpAutoWidth(false);
            cmd.setUsageHelpWidth(width);
            assertEquals(0, cmd.execute("--help"));
            List<String> words = Arrays.asList(help.toString().strip().split("\\s+"));
            if (unwrapped == null) {
                unwrapped = words;
            }
            assertEquals(unwrapped, words, "at width " + width + ":\n" + help);
            assertFalse(help.toString().contains("\u001B["), "the test's output is no terminal");
        }
    }

    @Test
    void version_printsVersion() {
        assertEquals(0, run("--version"));
        assertTrue(out.toString().startsWith("kvs-server "), out.toString());
    }
}
