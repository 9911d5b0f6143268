package kvs.client.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import kvs.client.ClientOptions;
import kvs.client.KvsClient;
import kvs.common.HostPort;
import kvs.server.KvsServer;
import kvs.server.ServerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * {@link OneShot} is the same program as picocli's command line for what it takes: whatever
 * argument list it accepts, picocli parses to the same request, and both print the same.
 */
class OneShotTest {

    @TempDir
    Path dir;

    /** Words argument lists are made of: valid, invalid, and those picocli treats specially. */
    private static final String[] WORDS = {
        "get", "set", "rm", "ping", "k", "key two", "ключ", "", "-", "--", "-k", "@args", "=", "a=b",
        "help", "--addr", "--addr=127.0.0.1:4001", "127.0.0.1:4002", "[::1]:4003", "localhost:99999",
        "--addr=", "--timeout", "1s", "--timeout=500ms", "--connect-timeout", "2s", "-1s", "bogus",
        "0s", "--raw", "--raw=true", "--key-hex", "6b", "--value-hex", "--value-file", "-h", "--help",
        "-V", "--Addr", "--timeout=1s", "--connect-timeout=250ms", "x".repeat(64 * 1024 + 1),
        "incr", "--if-absent", "--if-present", "--if-equal", "--if-equal=v", "7", "-7",
    };

    @Test
    void whatItAcceptsPicocliParsesToTheSameRequest() {
        Random random = new Random(20261207);
        int accepted = 0;
        for (int n = 0; n < 20_000; n++) {
            List<String> args = new ArrayList<>();
            args.add(random.nextInt(10) < 9 ? List.of("get", "set", "rm").get(random.nextInt(3))
                    : WORDS[random.nextInt(WORDS.length)]);
            for (int words = random.nextInt(6); words > 0; words--) {
                args.add(random.nextInt(3) == 0 ? "k" : WORDS[random.nextInt(WORDS.length)]);
            }
            String[] argv = args.toArray(String[]::new);
            OneShot fast = OneShot.parse(argv);
            if (fast != null) {
                accepted++;
                assertSameAsPicocli(fast, argv);
            }
        }
        assertTrue(accepted > 500, "only " + accepted + " of the lists were taken");
    }

    @Test
    void takesThePlainCommandsAndLeavesTheRestToPicocli() {
        for (String line : new String[] {"get k", "get k --raw", "get --raw k", "set k v", "rm k",
            "set k v --addr 127.0.0.1:4001", "get k --addr=[::1]:4001 --timeout 2s --connect-timeout=1s",
            "set 'key two' 'a value' --timeout=500ms"}) {
            String[] argv = split(line);
            OneShot fast = OneShot.parse(argv);
            assertNotNull(fast, line);
            assertSameAsPicocli(fast, argv);
        }
        for (String line : new String[] {"get", "get k k", "set k", "rm k --raw", "get k --raw --raw",
            "get k --addr a:1 --addr b:2", "get k --addr", "get k --addr nowhere", "get -- k", "get -k",
            "get @args", "get k --key-hex", "set k --value-file f", "get k -h", "get k --help",
            "get k -V", "ping k", "--addr 127.0.0.1:4000 get k", "get ''", "get k --timeout=-1s",
            "get k --timeout -1s", "set k v --if-absent", "set k v --if-present", "set k v --if-equal old",
            "set k v --if-equal=old", "set --if-absent k v", "incr k", "incr k 5",
            "--batch -", "--batch f --keep-going", "get k --batch f", "set k v --batch -", "rm k --keep-going"}) {
            assertNull(OneShot.parse(split(line)), line);
        }
    }

    /** {@code line} split at spaces, with '...' quoting as a shell would. */
    private static String[] split(String line) {
        List<String> words = new ArrayList<>();
        for (String part : line.split(" (?=([^']*'[^']*')*[^']*$)")) {
            words.add(part.replace("'", ""));
        }
        return words.toArray(String[]::new);
    }

    private static void assertSameAsPicocli(OneShot fast, String[] argv) {
        String line = Arrays.toString(argv);
        CommandLine cmd = ClientMain.commandLine(new ByteArrayInputStream(new byte[0]),
                new ByteArrayOutputStream(), new ByteArrayOutputStream(), argv);
        ParseResult parsed = cmd.parseArgs(argv); // throws, failing the test, if picocli refuses it
        assertTrue(parsed.hasSubcommand(), line);
        Object command = parsed.subcommand().commandSpec().userObject();
        ClientMain main = (ClientMain) cmd.getCommand();
        assertEquals(parsed.subcommand().commandSpec().name(), fast.command, line);
        assertEquals(main.address.all(), List.of(fast.address), line);
        assertEquals(new ClientOptions(main.connectTimeout, main.requestTimeout), fast.options, line);
        if (command instanceof GetCommand get) {
            assertArrayEquals(get.key.bytes(), fast.key, line);
            assertEquals(get.raw, fast.raw, line);
        } else if (command instanceof RmCommand rm) {
            assertArrayEquals(rm.key.bytes(), fast.key, line);
        } else {
            SetCommand set = (SetCommand) command;
            assertArrayEquals(set.key.bytes(), fast.key, line);
            assertEquals(false, set.valueHex, line);
            assertNull(set.condition, line);
            assertNull(set.valueFile, line);
            assertArrayEquals(set.value.getBytes(UTF_8), fast.value, line);
        }
    }

    @Test
    void printsWhatPicocliPrints() throws IOException {
        try (KvsServer server = KvsServer.start(ServerConfig.of(new HostPort("127.0.0.1", 0), dir))) {
            String addr = "127.0.0.1:" + server.localAddress().getPort();
            String[][] cases = {
                {"set", "k", "value", "--addr", addr},
                {"get", "k", "--addr", addr},
                {"get", "k", "--raw", "--addr", addr},
                {"get", "missing", "--addr", addr},
                {"get", "missing", "--raw", "--addr", addr},
                {"rm", "k", "--addr", addr},
                {"rm", "missing", "--addr", addr},
                {"get", "k", "--addr", "127.0.0.1:1"},
            };
            for (String[] argv : cases) {
                assertNotNull(OneShot.parse(argv), Arrays.toString(argv));
                Output fast = run(server, argv, true);
                Output picocli = run(server, argv, false);
                assertEquals(picocli, fast, Arrays.toString(argv));
            }
        }
    }

    private record Output(int code, String out, String err) {
    }

    /** Runs {@code argv} with {@code k} set to "value" first, by OneShot or by picocli. */
    private static Output run(KvsServer server, String[] argv, boolean oneShot) throws IOException {
        try (KvsClient kvs = KvsClient.connect(new HostPort("127.0.0.1", server.localAddress().getPort()))) {
            kvs.set("k".getBytes(UTF_8), "value".getBytes(UTF_8));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream outStream = new PrintStream(out, true, UTF_8);
        PrintStream errStream = new PrintStream(err, true, UTF_8);
        int code;
        if (oneShot) {
            code = ClientMain.run(argv, new ByteArrayInputStream(new byte[0]), outStream, errStream);
        } else {
            CommandLine cmd = ClientMain.commandLine(new ByteArrayInputStream(new byte[0]), outStream,
                    errStream, argv);
            code = ClientMain.outputChecked(cmd.execute(argv), outStream, errStream);
        }
        return new Output(code, out.toString(UTF_8), err.toString(UTF_8));
    }
}
