package kvs.server;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import kvs.common.HostPort;
import kvs.store.StoreOptions;
import kvs.store.SyncPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Redis's own tools against the RESP listener: {@code redis-cli} (one command per run, its raw
 * and its formatted output, a binary value from stdin) and {@code redis-benchmark}. Skipped where
 * they are not installed (Debian and Ubuntu: {@code apt install redis-tools}). Only the shape of
 * the benchmark's output is checked, never its speed.
 */
@Timeout(120)
class RedisToolsTest {

    @TempDir
    Path dir;
    private KvsServer server;
    private String port;

    @BeforeEach
    void start() throws IOException {
        server = KvsServer.start(ServerConfig.of(new HostPort("127.0.0.1", 0), dir.resolve("data"))
                .withRespAddress(new HostPort("127.0.0.1", 0))
                .withStore(StoreOptions.defaults().withSync(SyncPolicy.NEVER)));
        port = Integer.toString(server.respAddress().getPort());
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
    }

    /** The tool's path if it is an executable on the PATH, else null. */
    private static Path onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(d.isEmpty() ? "." : d, tool);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    private static void assumeInstalled(String tool) {
        Assumptions.assumeTrue(onPath(tool) != null, tool + " is not on the PATH: skipped (install it with"
                + " apt install redis-tools)");
    }

    private record Run(int exit, byte[] out, String err) {
        String text() {
            return new String(out, ISO_8859_1);
        }
    }

    /** Runs a tool with {@code stdin} as its input, at most 60 s; its output goes to files, not pipes. */
    private Run run(byte[] stdin, String... command) throws IOException, InterruptedException {
        Path in = Files.write(Files.createTempFile(dir, "in", ""), stdin);
        Path out = Files.createTempFile(dir, "out", "");
        Path err = Files.createTempFile(dir, "err", "");
        Process p = new ProcessBuilder(command).redirectInput(in.toFile()).redirectOutput(out.toFile())
                .redirectError(err.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("still running after 60 s: " + Arrays.toString(command)
                    + "; output so far: " + Files.readString(out, ISO_8859_1));
        }
        return new Run(p.exitValue(), Files.readAllBytes(out), Files.readString(err, ISO_8859_1));
    }

    /** {@code redis-cli -p PORT args...}, which must exit 0; its output. */
    private String cli(String... args) throws IOException, InterruptedException {
        return cli(new byte[0], args);
    }

    private String cli(byte[] stdin, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("redis-cli", "-p", port));
        command.addAll(List.of(args));
        Run r = run(stdin, command.toArray(new String[0]));
        assertEquals(0, r.exit(), command + " failed: " + r.text() + r.err());
        return r.text();
    }

    @Test
    void redisCli_setGetRawAndFormatted_binaryValue_infoKeyspace() throws Exception {
        assumeInstalled("redis-cli");
        assertEquals("OK\n", cli("set", "k", "v"));
        assertEquals("v\n", cli("get", "k"));
        assertEquals("\"v\"\n", cli("--no-raw", "get", "k"));
        assertEquals("\n", cli("get", "missing"));
        assertEquals("(nil)\n", cli("--no-raw", "get", "missing"));
        assertEquals("(integer) 1\n", cli("--no-raw", "del", "k"));

        // -x: the last argument is stdin, whatever its bytes; --no-raw prints them escaped.
        byte[] binary = {0, 'a', (byte) 0xff, '\n', '"'};
        assertEquals("OK\n", cli(binary, "-x", "set", "bin"));
        assertArrayEquals(binary, server.store().get("bin".getBytes(ISO_8859_1)));
        assertEquals("\"\\x00a\\xff\\n\\\"\"\n", cli("--no-raw", "get", "bin"));
        assertEquals("(integer) 5\n", cli("--no-raw", "strlen", "bin"));

        assertEquals("OK\n", cli("set", "k2", "v2"));
        String info = cli("info", "keyspace");
        assertEquals("# Keyspace\r\ndb0:keys=2,expires=0,avg_ttl=0\r\n", info.strip() + "\r\n", info);
    }

    @Test
    void redisCli_errorsPrinted_commandsFromStdin() throws Exception {
        assumeInstalled("redis-cli");
        // Raw output (stdout not a terminal): the error's text (redis-cli 7.0 prints an empty line
        // after it); exit status 0.
        assertEquals("ERR unknown command 'nosuch', with args beginning with: 'x'", cli("nosuch", "x").strip());
        assertEquals("(error) ERR wrong number of arguments for 'get' command\n", cli("--no-raw", "get"));
        // Without a command, redis-cli reads one a line, with Redis's quoting.
        String out = cli("set q \"a b\\x00\"\nget q\nexists q nope\n".getBytes(ISO_8859_1));
        assertEquals("OK\na b\0\n1\n", out);
    }

    @Test
    void redisBenchmark_getAndSet_exitsZero_printsARateForEach() throws Exception {
        assumeInstalled("redis-benchmark");
        Run r = run(new byte[0], "redis-benchmark", "-p", port, "-t", "get,set", "-n", "2000", "-c", "4",
                "-r", "100", "-q");
        assertEquals(0, r.exit(), r.text() + r.err());
        // -q rewrites a progress line with CR, then ends each test with its summary on a line.
        List<String> summaries = new ArrayList<>();
        for (String line : r.text().split("[\r\n]+")) {
            if (line.contains("requests per second")) {
                summaries.add(line.strip());
            }
        }
        // (redis-benchmark 7.0 adds ", p50=0.123 msec"; older ones do not.)
        Pattern rate = Pattern.compile("(SET|GET): [0-9]+(\\.[0-9]+)? requests per second(, p50=[0-9.]+ msec)?");
        assertEquals(2, summaries.size(), r.text());
        assertTrue(rate.matcher(summaries.get(0)).matches() && summaries.get(0).startsWith("SET"), summaries.get(0));
        assertTrue(rate.matcher(summaries.get(1)).matches() && summaries.get(1).startsWith("GET"), summaries.get(1));
        // -r 100: keys key:000000000000 to key:000000000099, each set with 3 bytes (-d's default).
        int keys = server.store().size();
        assertTrue(keys > 0 && keys <= 100, keys + " keys");
        int found = 0;
        for (int i = 0; i < 100; i++) {
            byte[] v = server.store().get(String.format("key:%012d", i).getBytes(ISO_8859_1));
            assertTrue(v == null || v.length == 3, "key " + i + ": " + (v == null ? 0 : v.length) + " bytes");
            found += v == null ? 0 : 1;
        }
        assertEquals(keys, found, "every key is one of the -r 100");
    }
}
