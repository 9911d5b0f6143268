package kvs.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import kvs.proto.ErrorCode;
import kvs.proto.Ping;
import kvs.proto.Request;
import kvs.proto.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The RESP listener's limits, as LoadAndLimitsTest tries the kvs one's: on keys and values, on
 * the bytes of requests being received (--max-pending-bytes), on connections (one limit for both
 * listeners), and on idle connections.
 */
@Timeout(60)
class RespLimitsTest extends RespServerFixture {


    /**
     * A value over --max-value-bytes but within what the decoder takes (the larger of the key and
     * value limits) is refused by the store, the connection open; a declared length over that is
     * refused at its header (the test never sends the bytes), and the connection closed.
     */
    @Test
    void valueOverTheLimit_refused_andALengthOverTheArgumentLimit_refusedAtItsHeader() throws IOException {
        start(config().withMaxValueBytes(1024));
        try (RespSocket c = resp()) {
            assertEquals("-ERR value of 2000 bytes is over the limit of 1024 bytes\r\n",
                    c.call("SET", "k", "v".repeat(2000)));
            assertEquals("$-1\r\n", c.call("GET", "k"));
            assertEquals("+OK\r\n", c.call("SET", "k", "v".repeat(1024)));
            c.send("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$65537\r\n");
            assertEquals("-ERR Protocol error: invalid bulk length (65537 bytes; this server takes"
                    + " arguments of at most 65536 bytes)\r\n", c.reply());
            assertNull(c.reply());
        }
        try (RespSocket c = resp()) {
            assertEquals("$1024\r\n" + "v".repeat(1024) + "\r\n", c.call("GET", "k"));
        }
    }

    @Test
    void keyOverTheLimit_orEmpty_refused_connectionStaysOpen() throws IOException {
        start(config().withMaxKeyBytes(8));
        try (RespSocket c = resp()) {
            assertEquals("-ERR key of 9 bytes is over the limit of 8 bytes\r\n", c.call("SET", "123456789", "v"));
            assertEquals("-ERR empty key: a key is 1 to 8 bytes\r\n", c.call("GET", ""));
            assertEquals("+OK\r\n", c.call("SET", "12345678", "v"));
            // A multi-key command with a key the store refuses is refused whole, before any part.
            assertEquals("-ERR key of 9 bytes is over the limit of 8 bytes\r\n", c.call("DEL", "12345678", "123456789"));
            assertEquals("$1\r\nv\r\n", c.call("GET", "12345678"), "the other key was not removed");
            assertEquals("-ERR empty key: a key is 1 to 8 bytes\r\n", c.call("MGET", "12345678", ""),
                    "one error, not an array with an error in it");
            assertEquals("-ERR empty key: a key is 1 to 8 bytes\r\n", c.call("EXISTS", "", "12345678"));
        }
    }

    /** MSET is all or nothing: one pair over a limit, and none is written. */
    @Test
    void msetWithOnePairOverTheLimits_writesNone() throws IOException {
        start(config().withMaxKeyBytes(8));
        try (RespSocket c = resp()) {
            assertEquals("-ERR key of 9 bytes is over the limit of 8 bytes\r\n",
                    c.call("MSET", "a", "1", "123456789", "2", "b", "3"));
            assertEquals("-ERR empty key: a key is 1 to 8 bytes\r\n", c.call("MSET", "a", "1", "", "2"));
            assertEquals("*2\r\n$-1\r\n$-1\r\n", c.call("MGET", "a", "b"));
        }
        server.close();
        start(config().withMaxValueBytes(16)); // the decoder takes arguments up to the 64 KiB key limit
        try (RespSocket c = resp()) {
            assertEquals("-ERR value of 17 bytes is over the limit of 16 bytes\r\n",
                    c.call("MSET", "a", "1", "b", "v".repeat(17)));
            assertEquals("*2\r\n$-1\r\n$-1\r\n", c.call("MGET", "a", "b"));
        }
    }

    /** A value that fits the limits but not --max-pending-bytes is refused at its header too. */
    @Test
    void valueOverThePendingBudget_refusedAtItsHeader() throws IOException {
        start(config().withMaxPendingBytes(1024 * 1024));
        try (RespSocket c = resp(); RespSocket other = resp()) {
            c.send("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5000000\r\nsome");
            String error = c.reply();
            assertTrue(error.startsWith("-ERR a request of " + (5000006 + 3 * RespDecoder.ARG_OVERHEAD_BYTES)
                    + " bytes is larger than this server holds"
                    + " for requests being received at once (--max-pending-bytes 1048576 bytes)"), error);
            assertNull(c.reply());
            assertEquals("+OK\r\n", other.call("SET", "k", "v"));
        }
    }

    @Test
    void maxConnections_kvsConnectionsFillIt_aRespOneIsRefused() throws IOException {
        start(config().withMaxConnections(2));
        try (RawSocket a = kvs(); RawSocket b = kvs()) {
            assertEquals(Response.ResultCase.DONE, a.call(ping(1)).getResultCase());
            assertEquals(Response.ResultCase.DONE, b.call(ping(2)).getResultCase());
            try (RespSocket refused = resp()) {
                assertEquals("-ERR max number of clients reached (kvs-server --max-connections 2)\r\n",
                        refused.reply());
                assertNull(refused.reply());
            }
            assertEquals(Response.ResultCase.DONE, a.call(ping(3)).getResultCase());
        }
        try (RespSocket c = connectedOnceAPlaceIsFree()) {
            assertEquals("+PONG\r\n", c.call("PING"));
        }
    }

    @Test
    void maxConnections_respConnectionsFillIt_aKvsOneIsRefused() throws IOException {
        start(config().withMaxConnections(2));
        try (RespSocket a = resp(); RespSocket b = resp()) {
            assertEquals("+PONG\r\n", a.call("PING"));
            assertEquals("+PONG\r\n", b.call("PING"));
            try (RawSocket refused = kvs()) {
                Response r = refused.read();
                assertEquals(ErrorCode.UNAVAILABLE, r.getError().getCode());
                assertTrue(r.getError().getMessage().contains("too many connections"), r.getError().getMessage());
                assertNull(refused.read());
            }
            try (RespSocket refused = resp()) {
                assertTrue(refused.reply().startsWith("-ERR max number of clients reached"));
                assertNull(refused.reply());
            }
            String info = a.call("INFO", "stats");
            assertTrue(info.contains("rejected_connections:2\r\n"), info);
        }
    }

    /**
     * A connection just closed gives its place back once the server has seen it go: polled, for
     * at most 10 s. A refused try may see its refusal, or a reset (its PING reached a socket
     * being closed).
     */
    private RespSocket connectedOnceAPlaceIsFree() throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (int i = 0; i < 10_000 && System.nanoTime() < deadline; i++) {
            RespSocket c = resp();
            try {
                String first = c.call("PING");
                if ("+PONG\r\n".equals(first)) {
                    return c;
                }
                assertTrue(first == null || first.startsWith("-ERR max number of clients reached"), first);
            } catch (IOException e) {
                // refused, and reset
            }
            c.close();
        }
        throw new AssertionError("no place freed within 10 s");
    }


    @Test
    void silentConnection_andOneStoppedMidCommand_closedAfterIdleTimeout() throws Exception {
        start(config().withIdleTimeout(Duration.ofSeconds(1)));
        try (RespSocket silent = resp(); RespSocket stalled = resp(); RespSocket busy = resp()) {
            stalled.send("*2\r\n$3\r\nGET\r\n$5\r\nab");
            long start = System.nanoTime();
            CompletableFuture<String> silentEnd = replyAsync(silent);
            CompletableFuture<String> stalledEnd = replyAsync(stalled);
            CompletableFuture<Void> bothClosed = CompletableFuture.allOf(silentEnd, stalledEnd);
            // A connection that keeps talking (every 100 ms, a tenth of the timeout) stays open.
            int pings = 0;
            while (!bothClosed.isDone()) {
                assertTrue(pings++ < 100, "not closed after 100 pings");
                assertEquals("+PONG\r\n", busy.call("PING"));
                try {
                    bothClosed.get(100, TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    // not yet: ping again
                }
            }
            assertNull(silentEnd.get(), "closed by the server");
            assertNull(stalledEnd.get(), "closed by the server");
            long elapsed = System.nanoTime() - start;
            assertTrue(elapsed >= TimeUnit.MILLISECONDS.toNanos(900), "closed before the timeout: " + elapsed);
            assertTrue(elapsed < TimeUnit.SECONDS.toNanos(5), "closed " + elapsed + " ns after the timeout");
            assertEquals("+PONG\r\n", busy.call("PING"), "the busy one stays open");
        }
    }

    /** The next reply of {@code c}, or null once the server closes it, read on the side. */
    private static CompletableFuture<String> replyAsync(RespSocket c) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return c.reply();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    private static Request ping(long id) {
        return Request.newBuilder().setId(id).setPing(Ping.getDefaultInstance()).build();
    }
}
