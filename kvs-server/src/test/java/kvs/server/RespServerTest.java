package kvs.server;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static kvs.server.ServerTest.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import kvs.proto.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The RESP listener over real sockets, as ServerTest and ShutdownTest try the kvs one: bad input
 * ends that connection alone, after Redis's protocol error; QUIT; a client gone mid-command;
 * a long pipeline. The limits are RespLimitsTest's.
 */
@Timeout(60)
class RespServerTest extends RespServerFixture {


    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of("*1\r\n$-5\r\n", "Protocol error: invalid bulk length"),
                Arguments.of("*2\r\n$3\r\nGET\r\n$100000000\r\n", "Protocol error: invalid bulk length (100000000"
                        + " bytes; this server takes arguments of at most 67108864 bytes)"),
                Arguments.of("*99999999\r\n", "Protocol error: invalid multibulk length"),
                Arguments.of("*x\r\n", "Protocol error: invalid multibulk length"),
                Arguments.of("*2\r\n$3\r\nGET\r\n$1\r\nkXY", "Protocol error: expected '\\r\\n' after a bulk string of 1 bytes"),
                Arguments.of("*2\r\n*1\r\n$1\r\na\r\n", "Protocol error: expected '$', got '*'"),
                Arguments.of("GET \"k\r\n", "Protocol error: unbalanced quotes in request"),
                Arguments.of("a".repeat(64 * 1024 + 1), "Protocol error: too big inline request"));
    }

    /**
     * Malformed bytes between two SETs: the first is answered, then the error, then the end of
     * the connection; the second SET is never applied; another RESP connection and a kvs one go
     * on as if nothing happened.
     */
    @ParameterizedTest
    @MethodSource("malformed")
    void malformedInput_protocolErrorThenClosed_othersUnaffected(String bad, String message) throws IOException {
        start(config());
        try (RespSocket other = resp(); RawSocket k = kvs(); RespSocket c = resp()) {
            assertEquals("+PONG\r\n", other.call("PING"));
            c.send("SET before 1\r\n" + bad + "SET after 1\r\n");
            assertEquals("+OK\r\n", c.reply());
            assertEquals("-ERR " + message + "\r\n", c.reply());
            assertNull(c.reply(), "closed after the error");
            assertEquals("+OK\r\n", other.call("SET", "k", "v"));
            assertEquals("$1\r\n1\r\n", other.call("GET", "before"));
            assertEquals("$-1\r\n", other.call("GET", "after"));
            assertEquals("v", k.call(get(1, "k")).getValue().getValue().toStringUtf8());
            assertEquals(Response.ResultCase.NOT_FOUND, k.call(get(2, "after")).getResultCase());
        }
    }


    @Test
    void quit_answersOkAndCloses_commandsAfterItNotApplied() throws IOException {
        start(config());
        try (RespSocket c = resp()) {
            c.send("SET a 1\r\nQUIT\r\nSET b 2\r\n*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$1\r\n3\r\n");
            assertEquals("+OK\r\n", c.reply());
            assertEquals("+OK\r\n", c.reply());
            assertNull(c.reply(), "closed after QUIT");
        }
        try (RespSocket c = resp()) {
            c.command("QUIT");
            assertEquals("+OK\r\n", c.reply());
            assertNull(c.reply());
        }
        try (RespSocket c = resp()) {
            assertEquals("$1\r\n1\r\n", c.call("GET", "a"));
            assertEquals("$-1\r\n", c.call("GET", "b"));
            assertEquals("$-1\r\n", c.call("GET", "c"));
        }
    }

    /**
     * QUIT with a long pipeline behind it, still arriving when the +OK goes: the client reads its
     * replies, then the end of the connection, and none of the commands after QUIT is applied.
     * The end is an end of stream, not a reset: the server half-closes and reads on for a moment,
     * as after a protocol error, so that the client's unread bytes cannot reset the connection
     * under its last replies.
     */
    @Test
    void quit_withCommandsStillArriving_repliesThenTheEnd_nothingAfterApplied() throws Exception {
        start(config());
        byte[] tail = "SET after v\r\n".repeat(400_000).getBytes(ISO_8859_1);
        try (RespSocket c = resp()) {
            c.send("SET a 1\r\nQUIT\r\n");
            Thread sender = new Thread(() -> {
                try {
                    c.send(tail);
                } catch (IOException e) {
                    // closed by the server meanwhile
                }
            });
            sender.setDaemon(true);
            sender.start();
            assertEquals("+OK\r\n", c.reply());
            assertEquals("+OK\r\n", c.reply());
            assertNull(c.reply(), "end of stream after QUIT, not a reset");
            sender.join(10_000);
        }
        try (RespSocket c = resp()) {
            assertEquals("$-1\r\n", c.call("GET", "after"));
            assertEquals("$1\r\n1\r\n", c.call("GET", "a"));
        }
    }

    /** A command cut off by its client: the server goes on, and gives back the room it reserved. */
    @Test
    void clientClosingMidCommand_reservationGivenBack_serverServing() throws IOException {
        start(config());
        try (RespSocket other = resp()) {
            try (RespSocket c = resp()) {
                c.send("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1000000\r\nabc");
                awaitPendingRequestBytes(other, 3 + 1 + 1_000_000 + 2 + 3 * RespDecoder.ARG_OVERHEAD_BYTES);
            }
            awaitPendingRequestBytes(other, 0);
            assertEquals("$-1\r\n", other.call("GET", "k"));
        }
    }

    /** Polls INFO (for at most 10 s) until the server holds this much for unfinished requests. */
    private static void awaitPendingRequestBytes(RespSocket c, long bytes) throws IOException {
        Pattern p = Pattern.compile("pending_request_bytes:(\\d+)\r\n");
        String info = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (int i = 0; i < 100_000 && System.nanoTime() < deadline; i++) {
            info = c.call("INFO", "kvs");
            Matcher m = p.matcher(info);
            assertTrue(m.find(), info);
            if (Long.parseLong(m.group(1)) == bytes) {
                return;
            }
        }
        throw new AssertionError("pending_request_bytes never " + bytes + ": " + info);
    }

    @Test
    void pipelining10000Commands_inlineAndMultibulk_answeredInOrder() throws Exception {
        start(config());
        int n = 10_000;
        ByteArrayOutputStream burst = new ByteArrayOutputStream();
        for (int i = 0; i < n; i++) {
            burst.writeBytes(i % 2 == 0 ? ("SET p" + i + " v" + i + "\r\n").getBytes(US_ASCII)
                    : RespDecoderTest.multibulk("GET", "p" + (i - 1)));
        }
        try (RespSocket c = resp()) {
            Thread writer = new Thread(() -> {
                try {
                    c.send(burst.toByteArray());
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            writer.start();
            for (int i = 0; i < n; i++) {
                String v = "v" + (i - 1);
                assertEquals(i % 2 == 0 ? "+OK\r\n" : "$" + v.length() + "\r\n" + v + "\r\n", c.reply(), "reply " + i);
            }
            writer.join(10_000);
        }
    }
}
