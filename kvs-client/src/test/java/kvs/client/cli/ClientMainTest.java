package kvs.client.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import kvs.client.KvsClient;
import kvs.client.bench.Values;
import kvs.common.HostPort;
import kvs.server.KvsServer;
import kvs.server.ServerConfig;
import org.junit.jupiter.api.Test;

/** {@code kvs-client} run in-process against a real server: output, errors and exit codes. */
class ClientMainTest extends CliServerTest {


    @Test
    void set_printsNothing_getPrintsValueAndNewline() {
        assertEquals(0, client("set", "a", "1"));
        assertEquals("", out());
        assertEquals("", err());
        assertEquals(0, client("get", "a"));
        assertEquals("1\n", out());
        assertEquals("", err());
    }

    @Test
    void raw_printsTheBytesExactly_andAMissingKeyExits3_soAScriptTellsItFromTheText() {
        assertEquals(0, client("set", "a", "Key not found"));
        assertEquals(0, client("get", "a", "--raw"));
        assertEquals("Key not found", out(), "no newline");
        assertEquals(GetCommand.EXIT_MISSING, client("get", "nope", "--raw"));
        assertEquals("", out() + err(), "nothing printed for a missing key");
    }

    @Test
    void hexKeysAndValues_anyBytes_roundTripExactly() {
        assertEquals(0, client("set", "--key-hex", "00ff0a", "--value-hex", "80fe000d0a"));
        assertEquals(0, client("get", "--key-hex", "00FF0A", "--raw"));
        assertArrayEquals(new byte[] {(byte) 0x80, (byte) 0xfe, 0, 0x0d, 0x0a}, out.toByteArray());
        assertEquals(0, client("get", "\u0000\u00ff\n"), "a UTF-8 key is another key: ÿ is two bytes");
        assertEquals("Key not found\n", out());
        assertEquals(0, client("rm", "--key-hex", "00ff0a"));
        assertEquals(GetCommand.EXIT_MISSING, client("get", "--key-hex", "00ff0a", "--raw"));
    }

    @Test
    void hexThatIsNot_usageError_sayingWhatHexIs() {
        assertEquals(2, client("get", "--key-hex", "xyz"));
        assertTrue(err().contains("KEY 'xyz' is not hex: give two hex digits a byte"), err());
        assertEquals(2, client("set", "k", "--value-hex", "abc"));
        assertTrue(err().contains("VALUE 'abc' is not hex"), err());
    }

    @Test
    void mset_thenMget_aLineAKeyInOrder_nilForMissing() {
        assertEquals(0, client("mset", "a", "1", "b", "two words"));
        assertEquals("", out() + err());
        assertEquals(0, client("mget", "b", "missing", "a"));
        assertEquals("two words\n(nil)\n1\n", out());
        assertEquals("", err());
    }

    @Test
    void mset_oddCount_usageError_settingNothing() {
        assertEquals(2, client("mset", "a", "1", "b"));
        assertTrue(err().contains("KEY 'b' has no VALUE: give keys and values in pairs"), err());
        assertEquals(0, client("mget", "a"));
        assertEquals("(nil)\n", out());
        assertEquals(2, client("mget"));
    }

    @Test
    void get_missing_printsKeyNotFoundOnStdout_exit0() {
        assertEquals(0, client("get", "nope"));
        assertEquals("Key not found\n", out());
        assertEquals("", err());
    }

    @Test
    void rm_present_printsNothing_exit0() {
        client("set", "a", "1");
        assertEquals(0, client("rm", "a"));
        assertEquals("", out() + err());
        client("get", "a");
        assertEquals("Key not found\n", out());
    }

    @Test
    void rm_missing_printsKeyNotFoundOnStderr_exit1() {
        assertEquals(1, client("rm", "nope"));
        assertEquals("", out());
        assertEquals("Key not found\n", err());
    }

    @Test
    void setIfAbsentOrPresent_notApplied_saysWhyOnStderr_exit1() {
        assertEquals(1, client("set", "k", "1", "--if-present"));
        assertEquals("not set: k is missing\n", err());
        assertEquals(0, client("set", "k", "1", "--if-absent"));
        assertEquals("", out() + err());
        assertEquals(1, client("set", "k", "2", "--if-absent"));
        assertEquals("not set: k exists\n", err());
        assertEquals("", out());
        assertEquals(0, client("set", "k", "3", "--if-present"));
        client("get", "k");
        assertEquals("3\n", out());
    }

    @Test
    void setIfEqual_isCompareAndSet_withOldGivenAsValueIs() {
        client("set", "k", "old");
        assertEquals(1, client("set", "k", "new", "--if-equal", "olD"));
        assertEquals("not set: k's value is not olD, or k is missing\n", err());
        client("get", "k");
        assertEquals("old\n", out());
        assertEquals(0, client("set", "k", "new", "--if-equal", "old"));
        assertEquals(0, client("set", "k", "--value-hex", "00ff", "--if-equal=6e6577"), "hex, as VALUE is");
        assertEquals(0, client("get", "k", "--raw"));
        assertArrayEquals(new byte[] {0, (byte) 0xff}, out.toByteArray());
    }

    @Test
    void setConditions_areExclusive_usageError() {
        assertEquals(2, client("set", "k", "v", "--if-absent", "--if-present"));
        assertTrue(err().contains("mutually exclusive"), err());
        assertEquals(2, client("set", "k", "v", "--if-absent", "--if-equal", "x"));
        client("get", "k");
        assertEquals("Key not found\n", out(), "nothing set");
    }

    @Test
    void incr_printsTheNewValue_byOneOrBy() {
        assertEquals(0, client("incr", "n"));
        assertEquals("1\n", out());
        assertEquals(0, client("incr", "n", "41"));
        assertEquals("42\n", out());
        assertEquals(0, run(new byte[0], "incr", "--addr", addr, "n", "--", "-50"), "after --, not an option");
        assertEquals("-8\n", out());
        assertEquals(0, client("incr", "n", "-2"));
        assertEquals("-10\n", out());
        assertEquals("", err());
    }

    @Test
    void incr_ofANonInteger_exit1_sayingSo_andABadBy_usageError() {
        client("set", "s", "ten");
        assertEquals(1, client("incr", "s"));
        assertEquals("kvs-client: value is not an integer or out of range (BAD_REQUEST)\n", err());
        assertEquals("", out());
        assertEquals(2, client("incr", "n", "1.5"));
        assertEquals(2, client("incr", "n", "9223372036854775808"));
    }

    @Test
    void scan_printsEachKeyOnALine_byPrefix_andUpToTheLimit() {
        for (String k : List.of("user:1", "user:2", "user:3", "item:1")) {
            assertEquals(0, client("set", k, "v"));
        }
        assertEquals(0, client("scan"));
        assertEquals(List.of("item:1", "user:1", "user:2", "user:3"), out().lines().sorted().toList());
        assertEquals(0, client("scan", "--prefix", "user:", "--page-size", "1"));
        assertEquals(List.of("user:1", "user:2", "user:3"), out().lines().sorted().toList());
        assertEquals(0, client("scan", "--prefix", "user:", "--limit", "2"));
        assertEquals(2, out().lines().count(), out());
        assertTrue(out().lines().allMatch(k -> k.startsWith("user:")), out());
        assertEquals(0, client("scan", "--prefix", "none"));
        assertEquals("", out());
        assertEquals(2, client("scan", "--page-size", "0"));
    }

    @Test
    void scan_keysThatAreNotText_escapedOrInHex() {
        assertEquals(0, client("set", "--key-hex", "610a5cff", "v")); // 'a', newline, backslash, a bad byte
        assertEquals(0, client("scan"));
        assertEquals("a\\x0a\\x5c\\xff\n", out());
        assertEquals(0, client("scan", "--hex"));
        assertEquals("610a5cff\n", out());
        assertEquals(0, client("scan", "--prefix", "610a", "--prefix-hex"));
        assertEquals(1, out().lines().count());
    }

    @Test
    void exists_printsHowManyAreHeld_exit0EvenForNone_andCountPrintsTheKeys() {
        assertEquals(0, client("set", "a", "1"));
        assertEquals(0, client("set", "b", "2"));
        assertEquals(0, client("exists", "a", "b", "a", "c"));
        assertEquals("3\n", out());
        assertEquals(0, client("exists", "c"));
        assertEquals("0\n", out());
        assertEquals(2, client("exists"));
        assertEquals(0, client("count"));
        assertEquals("2\n", out());
    }

    @Test
    void compact_printsNothing_exit0_andKeepsData() {
        client("set", "a", "1");
        client("set", "a", "2");
        assertEquals(0, client("compact"));
        assertEquals("", out() + err());
        client("get", "a");
        assertEquals("2\n", out());
    }

    @Test
    void ping_printsTheRoundTrip_exit0() {
        assertEquals(0, client("ping"));
        assertTrue(out().startsWith("pong from " + addr + " in "), out());
    }

    @Test
    void stats_oneSortedLinePerFigure() {
        client("set", "a", "1");
        assertEquals(0, client("stats"));
        java.util.List<String> lines = out().lines().toList();
        assertEquals(lines.stream().sorted().toList(), lines);
        assertTrue(lines.contains("keys: 1"), out());
        assertTrue(lines.contains("requests_set: 1"), out());
        assertTrue(lines.stream().allMatch(l -> l.matches("[a-z_]+: -?\\d+")), out());
    }

    @Test
    void bench_checksEveryResponse_andReportsJson() {
        assertEquals(0, client("bench", "--clients", "4", "--requests", "3000", "--pipeline", "8",
                "--keys", "100", "--json"));
        String json = out();
        assertTrue(json.contains("\"requests\":3000") && json.contains("\"errors\":0"), json);
        assertTrue(json.contains("\"p99\":"), json);
        assertEquals("kvs-client bench: writes keys bench:0000000000 to bench:0000000099 on " + addr
                + "; existing values there are overwritten\n", err(), "the notice, and nothing else");
    }

    @Test
    void bench_anEarlierRunsValuesOfAnotherSize_areNoWrongValues() throws IOException {
        assertEquals(0, client("bench", "--clients", "2", "--keys", "50", "--prefill", "--requests", "100",
                "--value-size", "100", "--ratio", "1:0", "--json"));
        // Reads only: every get finds the first run's 100-byte value.
        assertEquals(0, client("bench", "--clients", "2", "--keys", "50", "--requests", "500",
                "--value-size", "2KiB", "--ratio", "0:1", "--json"), err());
        assertTrue(out().contains("\"errors\":0"), out());
        // Sets and gets: a get finds the first run's value until this run has set the key.
        assertEquals(0, client("bench", "--clients", "4", "--keys", "50", "--requests", "2000", "--pipeline", "4",
                "--value-size", "2KiB", "--ratio", "1:1", "--json"), err());
        assertTrue(out().contains("\"errors\":0"), out());
        assertTrue(err().contains("8 of 8 keys probed there hold a value already (bench's own"), err());
        int longer = 0;
        try (KvsClient c = KvsClient.connect(HostPort.parse(addr))) {
            for (int i = 0; i < 50; i++) {
                byte[] key = String.format("bench:%010d", i).getBytes(UTF_8);
                byte[] value = c.get(key);
                assertTrue(Values.isBenchValue(key, value), "key " + i);
                longer += value.length == 2048 ? 1 : 0;
            }
        }
        assertTrue(longer > 0, "the second run's sets are there");
    }

    @Test
    void bench_aWrongValueUnderThePrefix_isReported() throws IOException {
        byte[] key = "bench:0000000003".getBytes(UTF_8);
        String[] reads = {"bench", "--clients", "1", "--keys", "10", "--requests", "100", "--ratio", "0:1"};
        try (KvsClient c = KvsClient.connect(HostPort.parse(addr))) {
            c.set(key, "not bench's".getBytes(UTF_8));
            assertEquals(1, client(reads));
            assertTrue(err().contains("get of bench:0000000003 answered a wrong value: 11 bytes that bench does not"
                    + " write under that key"), err());
            assertFalse(err().contains("overwritten"), "a run that only reads says nothing of overwriting: " + err());
            assertFalse(out().contains("errors: 0"), out());

            c.set(key, Arrays.copyOf(Values.of(key, 100), 60)); // a bench value cut short
            assertEquals(1, client(reads));
            assertTrue(err().contains("get of bench:0000000003 answered a wrong value: 60 bytes"), err());
        }
    }

    @Test
    void bench_keysLiveUnderThePrefix_bench_orTheOneGiven() throws IOException {
        assertEquals(0, client("bench", "--clients", "1", "--keys", "5", "--prefill", "--requests", "10",
                "--key-prefix", "run/", "--quiet"));
        try (KvsClient c = KvsClient.connect(HostPort.parse(addr))) {
            byte[] key = "run/000000000004".getBytes(UTF_8);
            assertArrayEquals(Values.of(key, 100), c.get(key));
            assertEquals(null, c.get("bench:0000000004".getBytes(UTF_8)));
            assertEquals(null, c.get("run/000000000005".getBytes(UTF_8)), "--keys 5: keys 0 to 4");
        }
        assertEquals(0, client("bench", "--clients", "1", "--keys", "5", "--prefill", "--requests", "10",
                "--key-size", "8", "--quiet"));
        try (KvsClient c = KvsClient.connect(HostPort.parse(addr))) {
            byte[] key = "bench:04".getBytes(UTF_8);
            assertArrayEquals(Values.of(key, 100), c.get(key));
        }
    }

    @Test
    void bench_saysWhatItOverwrites_andHowManyProbedKeysHoldAValue() throws IOException {
        String notice = "kvs-client bench: writes keys bench:0000000000 to bench:0000000019 on " + addr
                + "; existing values there are overwritten";
        String[] args = {"bench", "--clients", "1", "--keys", "20", "--requests", "20", "--ratio", "1:0", "--quiet"};
        assertEquals(0, client(args));
        assertEquals(notice + "\n", err(), "nothing there yet");
        try (KvsClient c = KvsClient.connect(HostPort.parse(addr))) {
            c.set("bench:0000000000".getBytes(UTF_8), "mine".getBytes(UTF_8));
            c.set("bench:0000000019".getBytes(UTF_8), "mine too".getBytes(UTF_8));
            c.remove("bench:0000000008".getBytes(UTF_8)); // one of the keys probed (0, 2, 5, 8, 10, 13, 16, 19)
        }
        assertEquals(0, client(args));
        List<String> lines = err().lines().toList();
        assertEquals(notice, lines.get(0));
        assertTrue(lines.get(1).matches("kvs-client bench: [2-7] of 8 keys probed there hold a value already"
                + " \\(2 of them not bench's: .*"), lines.get(1));
    }

    @Test
    void bench_aPrefixThatLeavesNoRoomForTheNumber_usageError() {
        assertEquals(2, client("bench", "--key-prefix", "a-long-prefix:", "--key-size", "8"));
        assertTrue(err().contains("--key-prefix 'a-long-prefix:' is 14 bytes, which leaves no room for the key's"
                + " number in --key-size 8"), err());
        assertEquals(2, client("bench", "--keys", "1000", "--key-size", "8"));
        assertTrue(err().contains("--key-size 8 leaves 2 digits after 'bench:', too few to number 1000 keys"
                + " (0 to 999): give --key-size 9 or more"), err());
    }

    @Test
    void bench_noProgressLine_whenStderrIsNotTheTerminal() {
        // Longer than the second between two progress lines.
        assertEquals(0, client("bench", "--clients", "1", "--duration", "1200ms", "--rate", "200", "--keys", "10"));
        assertFalse(err().contains("\r") || err().contains("/s, p99"), err());
    }

    @Test
    void bench_valueSize_takesUnits_andQuietIsAccepted() {
        assertEquals(0, client("bench", "--clients", "2", "--requests", "200", "--value-size", "2KiB",
                "--quiet", "--json"));
        assertTrue(out().contains("\"value_size\":2048"), out());
        assertEquals(2, client("bench", "--value-size", "lots"));
        assertTrue(err().contains("e.g. 65536, 64KiB"), err());
    }

    @Test
    void bench_textReport_withPercentiles() {
        assertEquals(0, client("bench", "--clients", "2", "--requests", "500", "--ratio", "1:0"));
        assertTrue(out().contains("500 requests in"), out());
        assertTrue(out().contains("p99.9") && out().contains("errors: 0"), out());
    }

    @Test
    void set_largerThanTheServersPendingBudget_printsResourceExhausted_exit1() throws IOException {
        server.close();
        server = KvsServer.start(ServerConfig.of(new HostPort("127.0.0.1", 0), dir.resolve("data"))
                .withMaxPendingBytes(64 * 1024));
        addr = "127.0.0.1:" + server.localAddress().getPort();
        // The whole request is sent before the answer is read: the server must not reset the
        // connection under it, or the client would print "connection reset" instead.
        assertEquals(1, run(new byte[512 * 1024], "set", "k", "--value-file", "-", "--addr", addr));
        assertTrue(err().contains("(RESOURCE_EXHAUSTED)") && err().contains("--max-pending-bytes"), err());
    }

    @Test
    void bench_errorsAreCountedAndShown_exit1() {
        // Values over the server's limit: every set is refused.
        assertEquals(1, client("bench", "--clients", "2", "--requests", "50", "--value-size",
                Integer.toString(1024 * 1024 + 100), "--ratio", "1:0"));
        assertTrue(out().contains("errors: 50"), out());
        assertTrue(err().contains("TOO_LARGE"), err());
    }

    @Test
    void bench_paced_andForADuration() {
        assertEquals(0, client("bench", "--clients", "4", "--requests", "400", "--rate", "4000"));
        assertTrue(out().contains("paced at 4,000 requests/s") && out().contains("400 requests in"), out());
        assertEquals(0, client("bench", "--clients", "2", "--duration", "300ms", "--warmup", "100ms", "--json"));
        assertTrue(out().contains("\"errors\":0"), out());
    }

    @Test
    void bench_badRatio_usageError() {
        assertEquals(2, client("bench", "--ratio", "half"));
        assertTrue(err().contains("SET:GET"), err());
    }

    @Test
    void addrBeforeTheCommand_isAccepted() {
        assertEquals(0, run(new byte[0], "--addr", addr, "set", "x", "y"));
        assertEquals(0, run(new byte[0], "--addr", addr, "get", "x"));
        assertEquals("y\n", out());
    }

    @Test
    void unicodeValue_storedAsUtf8() throws IOException {
        assertEquals(0, client("set", "clé", "välue ✓"));
        assertEquals(0, client("get", "clé"));
        assertArrayEquals("välue ✓\n".getBytes(UTF_8), out.toByteArray());
        try (KvsClient c = KvsClient.connect(HostPort.parse(addr))) {
            assertArrayEquals("välue ✓".getBytes(UTF_8), c.get("clé".getBytes(UTF_8)));
        }
    }

    @Test
    void valueFile_binary_roundTripsByteForByte() throws IOException {
        byte[] value = new byte[300_000];
        new Random(3).nextBytes(value);
        Path file = dir.resolve("value.bin");
        Files.write(file, value);
        assertEquals(0, client("set", "bin", "--value-file", file.toString()));
        assertEquals(0, client("get", "bin"));
        byte[] printed = out.toByteArray();
        assertEquals(value.length + 1, printed.length);
        assertArrayEquals(value, Arrays.copyOf(printed, value.length));
        assertEquals('\n', printed[value.length]);
    }

    @Test
    void valueFile_dash_readsStdin() {
        byte[] value = {0, (byte) 0xFF, 10, 13, 0};
        assertEquals(0, run(value, "set", "k", "--value-file", "-", "--addr", addr));
        client("get", "k");
        assertArrayEquals(new byte[] {0, (byte) 0xFF, 10, 13, 0, '\n'}, out.toByteArray());
    }

    @Test
    void valueFile_missing_exit1_namingIt() {
        assertEquals(1, client("set", "k", "--value-file", "/nonexistent/v"));
        assertTrue(err().contains("/nonexistent/v"), err());
    }

    @Test
    void set_withoutValue_usageError_exit2() {
        assertEquals(2, client("set", "k"));
        assertTrue(err().contains("missing value"), err());
        assertEquals("", out());
    }

    @Test
    void set_withValueAndValueFile_usageError_exit2() {
        assertEquals(2, client("set", "k", "v", "--value-file", "-"));
    }

    @Test
    void emptyKey_usageError_exit2() {
        assertEquals(2, client("get", ""));
        assertTrue(err().contains("KEY must not be empty"), err());
    }

    @Test
    void noCommand_usageOnStderr_exit2() {
        assertEquals(2, run(new byte[0]));
        assertTrue(err().contains("missing command"), err());
        assertEquals("", out());
    }

    @Test
    void unknownCommand_usageOnStderr_exit2() {
        assertEquals(2, run(new byte[0], "frobnicate"));
        assertTrue(err().contains("frobnicate"), err());
    }

    @Test
    void malformedAddress_usageError_exit2() {
        assertEquals(2, run(new byte[0], "get", "k", "--addr", "nowhere"));
        assertTrue(err().contains("127.0.0.1:4000"), err());
    }

    @Test
    void noServer_oneLineNamingAddressAndCause_exit1() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        assertEquals(1, run(new byte[0], "get", "k", "--addr", "127.0.0.1:" + port));
        String message = err().strip();
        assertEquals(1, message.lines().count(), message);
        assertTrue(message.contains("127.0.0.1:" + port) && message.contains("refused"), message);
        assertEquals("", out());
    }

    @Test
    void serverError_messageOnStderr_exit1() {
        byte[] big = new byte[1024 * 1024 + 1];
        assertEquals(1, run(big, "set", "k", "--value-file", "-", "--addr", addr));
        assertTrue(err().contains("TOO_LARGE") && err().contains("limit"), err());
        assertEquals(1, err().strip().lines().count(), err());
    }

    @Test
    void help_listsCommandsAndExitCodes() {
        assertEquals(0, run(new byte[0], "--help"));
        for (String s : new String[] {"set", "get", "rm", "--addr", "Exit codes"}) {
            assertTrue(out().contains(s), s);
        }
        assertEquals(0, run(new byte[0], "set", "--help"));
        assertTrue(out().contains("--value-file"), out());
    }

    @Test
    void version_exit0() {
        assertEquals(0, run(new byte[0], "--version"));
        assertTrue(out().startsWith("kvs-client "), out());
    }

    @Test
    void subcommandIsTheFirstWordThatIsNotAnOptionOrItsValue() {
        assertEquals("get", ClientMain.subcommandName(new String[] {"get", "k"}));
        assertEquals("get", ClientMain.subcommandName(new String[] {"--addr", "get", "get", "k"}));
        assertEquals("rm", ClientMain.subcommandName(new String[] {"--timeout", "1s", "-h", "rm"}));
        assertEquals("set", ClientMain.subcommandName(new String[] {"--addr=h:1", "set", "k", "v"}));
        assertEquals(null, ClientMain.subcommandName(new String[] {"--help"}));
        assertEquals(null, ClientMain.subcommandName(new String[0]));
    }

    @Test
    void subcommandNamesAreTheirCommandNames() {
        ClientMain.SUBCOMMANDS.forEach((name, type) -> assertEquals(name,
                type.getAnnotation(picocli.CommandLine.Command.class).name(), type.getName()));
        var all = ClientMain.commandLine(new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream(),
                new ByteArrayOutputStream()).getSubcommands().keySet();
        assertEquals(List.of("set", "get", "rm", "incr", "expire", "ttl", "persist", "batch", "mget", "mset", "scan",
                "exists", "count", "compact", "backup", "ping", "stats", "cluster", "bench", "shell", "help"),
                new ArrayList<>(all));
    }

    @Test
    void oneNamedCommandRegistersItAloneAndAnythingElseRegistersAll() {
        var one = ClientMain.commandLine(new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream(),
                new ByteArrayOutputStream(), new String[] {"--addr", addr, "get", "k"});
        assertEquals(List.of("get"), new ArrayList<>(one.getSubcommands().keySet()));
        assertEquals(0, client("set", "k", "v"));
        assertEquals(0, run(new byte[0], "--addr", addr, "get", "k"));
        assertEquals("v\n", out());

        assertEquals(2, run(new byte[0], "gett", "k"));
        assertTrue(err().contains("Did you mean: kvs-client get"), err());
        assertEquals(0, run(new byte[0], "--help"));
        for (String name : List.of("set", "get", "rm", "incr", "expire", "ttl", "persist", "batch", "mget", "mset",
                "scan", "exists", "count", "compact", "backup", "ping", "stats", "bench", "shell", "--batch")) {
            assertTrue(out().contains(name), name + " in " + out());
        }
    }

    @Test
    void backup_makesACopyUnderTheServersRoot_orSaysWhyNot() throws IOException {
        assertEquals(1, client("backup", "b1"));
        assertTrue(err().contains("--backup-root"), err());

        Path root = Files.createDirectories(dir.resolve("backups"));
        try (KvsServer withRoot = KvsServer.start(ServerConfig.of(new HostPort("127.0.0.1", 0),
                dir.resolve("data2")).withBackupRoot(root))) {
            String rootAddr = "127.0.0.1:" + withRoot.localAddress().getPort();
            assertEquals(0, run(new byte[0], "set", "k", "v", "--addr", rootAddr));
            assertEquals(0, run(new byte[0], "backup", "b1", "--addr", rootAddr));
            assertEquals("", out() + err());
            assertTrue(Files.isDirectory(root.resolve("b1")));
            assertEquals(1, run(new byte[0], "backup", "b1", "--addr", rootAddr));
            assertTrue(err().contains("exists already"), err());
        }
    }
}
