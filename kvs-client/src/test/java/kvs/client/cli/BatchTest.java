package kvs.client.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import kvs.client.KvsClient;
import kvs.common.Frames;
import kvs.common.HostPort;
import kvs.proto.Done;
import kvs.proto.Request;
import kvs.proto.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code kvs-client --batch} run in-process against a real server. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BatchTest extends CliServerTest {

    /** Runs {@code --batch -} with {@code input} on standard input, and {@code more} options. */
    private int batch(String input, String... more) {
        String[] args = new String[4 + more.length];
        args[0] = "--batch";
        args[1] = "-";
        args[2] = "--addr";
        args[3] = addr;
        System.arraycopy(more, 0, args, 4, more.length);
        return run(input.getBytes(UTF_8), args);
    }

    private byte[] stored(String key) throws IOException {
        try (KvsClient kvs = KvsClient.connect(HostPort.parse(addr))) {
            return kvs.get(key.getBytes(UTF_8));
        }
    }

    @Test
    void mixedCommands_oneResultALineInOrder() {
        String input = """
                set a 1
                # a comment, and a blank line: no output

                get a
                get missing
                mset b 2 c 3
                mget a b missing c
                rm a
                get a
                """;
        assertEquals(0, batch(input));
        assertEquals("OK\n1\n(nil)\nOK\n1\n2\n(nil)\n3\nOK\n(nil)\n", out());
        assertEquals("", err());
    }

    /** A line that is not UTF-8 fails as that line; the lines before it run (CRLF lines too). */
    @Test
    void aLineThatIsNotUtf8_failsAsThatLine() throws IOException {
        java.io.ByteArrayOutputStream input = new java.io.ByteArrayOutputStream();
        input.writeBytes("set u1 1\r\nset u2 2\nget u1\nset bad \"".getBytes(UTF_8));
        input.write(0xff);
        input.writeBytes("\"\nget u2\n".getBytes(UTF_8));
        assertEquals(1, run(input.toByteArray(), "--batch", "-", "--addr", addr));
        assertEquals("OK\nOK\n1\n", out());
        assertTrue(err().contains("line 4 (set bad \"\uFFFD\"): the line is not UTF-8 text"), err());
        assertArrayEquals("2".getBytes(UTF_8), stored("u2"));

        assertEquals(1, run(input.toByteArray(), "--batch", "-", "--keep-going", "--addr", addr));
        assertEquals("OK\nOK\n1\n2\n", out(), "--keep-going runs the line after it");
    }

    @Test
    void fromAFile_sameAsFromStandardInput() throws IOException {
        Path file = dir.resolve("commands.txt");
        Files.writeString(file, "set f x\nget f\n");
        assertEquals(0, run(new byte[0], "--batch", file.toString(), "--addr", addr));
        assertEquals("OK\nx\n", out());
        assertEquals(1, run(new byte[0], "--batch", dir.resolve("nope.txt").toString(), "--addr", addr));
        assertTrue(err().contains("cannot read batch file " + dir.resolve("nope.txt") + ": no such file"), err());
    }

    @Test
    void quoting_spacesQuotesAndBackslashesInKeysAndValues() throws IOException {
        assertEquals(0, batch("set \"key one\" 'it''s'\nset k2 \"say \\\"hi\\\" \\\\ done\"\n"
                + "get 'key one'\nget k2\n"));
        assertEquals("OK\nOK\nits\nsay \"hi\" \\ done\n", out());
        assertArrayEquals("its".getBytes(UTF_8), stored("key one"));
    }

    @Test
    void aFailedLine_stopsTheBatch_sayingWhichLine_andLaterLinesPrintNothing() throws IOException {
        assertEquals(1, batch("set a 1\nrm nokey\nget a\n"));
        assertEquals("OK\n", out(), "nothing for the lines after the failed one");
        assertTrue(err().contains("kvs-client: line 2 (rm nokey): Key not found"), err());
        assertTrue(err().contains("stopped at line 2"), err());
    }

    @Test
    void aMalformedLine_stopsTheBatch_andNothingAfterItIsSent() throws IOException {
        assertEquals(1, batch("set a 1\nset b \"open\nset c 3\n"));
        assertEquals("OK\n", out());
        assertTrue(err().contains("line 2 (set b \"open): unterminated \" quote (at column 7)"), err());
        assertEquals(null, stored("c"), "the line after a malformed one was not sent");
    }

    @Test
    void keepGoing_reportsEachFailedLine_runsTheRest_andExits1() throws IOException {
        String input = "set a 1\nfrob a\nget a\nset k\nmset x 1 y\nset \"\" v\nrm nokey\nset z 26\n";
        assertEquals(1, batch(input, "--keep-going"));
        assertEquals("OK\n1\nOK\n", out());
        String e = err();
        assertTrue(e.contains("line 2 (frob a): unknown command 'frob': a line is one of set KEY VALUE"), e);
        assertTrue(e.contains("line 4 (set k): wrong number of arguments for 'set'"), e);
        assertTrue(e.contains("line 5 (mset x 1 y): KEY 'y' has no VALUE"), e);
        assertTrue(e.contains("line 6 (set \"\" v): KEY must not be empty"), e);
        assertTrue(e.contains("line 7 (rm nokey): Key not found"), e);
        assertTrue(!e.contains("stopped"), e);
        assertArrayEquals("26".getBytes(UTF_8), stored("z"));
    }

    @Test
    void keepGoing_withoutBatch_andBatchWithACommand_areUsageErrors() {
        assertEquals(2, run(new byte[0], "--keep-going", "--addr", addr));
        assertTrue(err().contains("--keep-going goes with --batch FILE"), err());
        assertEquals(2, run(new byte[0], "--batch", "-", "get", "a", "--addr", addr));
        assertTrue(err().contains("give no command with it"), err());
    }

    @Test
    void noServer_failsWithTheConnectionsMessage() {
        assertEquals(1, run("get a\n".getBytes(UTF_8), "--batch", "-", "--addr", "127.0.0.1:1"));
        assertTrue(err().contains("cannot connect to 127.0.0.1:1"), err());
    }

    @Test
    void aConnectionLostMidway_printsTheLinesAnswered_andNamesTheFirstUnanswered() throws Exception {
        try (ServerSocket standIn = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread answersTwo = new Thread(() -> {
                try (Socket s = standIn.accept()) {
                    for (int i = 0; i < 2; i++) {
                        Request r = Request.parseFrom(Frames.read(s.getInputStream(), 1 << 20));
                        Frames.write(s.getOutputStream(), Response.newBuilder().setId(r.getId())
                                .setDone(Done.getDefaultInstance()).build());
                    }
                    s.getOutputStream().flush();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            answersTwo.start();
            assertEquals(1, run("set a 1\nset b 2\nset c 3\nset d 4\n".getBytes(UTF_8), "--batch", "-",
                    "--addr", "127.0.0.1:" + standIn.getLocalPort()));
            answersTwo.join(10_000);
        }
        assertEquals("OK\nOK\n", out());
        assertTrue(err().contains("kvs-client: line 3 (set c 3): connection to 127.0.0.1:"), err());
    }

    @Test
    void aHundredThousandLines_allAnsweredInOrder() throws IOException {
        int n = 100_000;
        StringBuilder input = new StringBuilder();
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < n; i++) {
            if (i % 2 == 0) {
                input.append("set key:").append(i).append(" value").append(i).append('\n');
                expected.append("OK\n");
            } else {
                input.append("get key:").append(i - 1).append('\n');
                expected.append("value").append(i - 1).append('\n');
            }
        }
        assertEquals(0, batch(input.toString()), err());
        assertEquals(expected.toString(), out());
        assertArrayEquals(("value" + (n - 2)).getBytes(UTF_8), stored("key:" + (n - 2)));
    }
}
