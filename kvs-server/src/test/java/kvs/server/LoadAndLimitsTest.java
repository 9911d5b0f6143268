package kvs.server;

import static kvs.server.ServerTest.get;
import static kvs.server.ServerTest.rm;
import static kvs.server.ServerTest.set;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import kvs.common.Frames;
import kvs.common.HostPort;
import kvs.proto.ErrorCode;
import kvs.proto.Ping;
import kvs.proto.Request;
import kvs.proto.Response;
import kvs.proto.Stats;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Many clients, pipelining, slow readers, and the connection limits. */
class LoadAndLimitsTest {

    @TempDir
    Path dir;
    KvsServer server;

    private KvsServer start(ServerConfig config) throws IOException {
        server = KvsServer.start(config);
        return server;
    }

    private ServerConfig config() {
        return ServerConfig.of(new HostPort("127.0.0.1", 0), dir);
    }

    @AfterEach
    void stop() throws IOException {
        if (server != null) {
            server.close();
        }
    }

    private RawSocket connect() throws IOException {
        return new RawSocket(server.localAddress());
    }

    /** The next response of {@code c}, or null once the server closes it, read on the side. */
    private static CompletableFuture<Response> readAsync(RawSocket c) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return c.read();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    private static Request ping(long id) {
        return Request.newBuilder().setId(id).setPing(Ping.getDefaultInstance()).build();
    }

    private static Map<String, Long> stats(RawSocket c) throws IOException {
        Response r = c.call(Request.newBuilder().setId(999).setStats(Stats.getDefaultInstance()).build());
        assertEquals(Response.ResultCase.STATS, r.getResultCase());
        return r.getStats().getValuesMap();
    }

    @Test
    void ping_answersDone() throws IOException {
        start(config());
        try (RawSocket c = connect()) {
            Response r = c.call(ping(5));
            assertEquals(Response.ResultCase.DONE, r.getResultCase());
            assertEquals(5, r.getId());
        }
    }

    @Test
    void keyOverConfiguredLimit_tooLarge_namingIt() throws IOException {
        start(config().withMaxKeyBytes(8));
        try (RawSocket c = connect()) {
            Response r = c.call(set(1, "123456789", "v"));
            assertEquals(ErrorCode.TOO_LARGE, r.getError().getCode());
            assertTrue(r.getError().getMessage().contains("limit of 8 bytes"), r.getError().getMessage());
            assertEquals(Response.ResultCase.DONE, c.call(set(2, "12345678", "v")).getResultCase());
        }
    }

    @Test
    void connectionsOverTheLimit_refusedWithUnavailable_othersUnaffected() throws Exception {
        start(config().withMaxConnections(2));
        try (RawSocket a = connect(); RawSocket b = connect()) {
            assertEquals(Response.ResultCase.DONE, a.call(ping(1)).getResultCase());
            assertEquals(Response.ResultCase.DONE, b.call(ping(1)).getResultCase());
            try (RawSocket third = connect()) {
                Response r = third.read();
                assertEquals(ErrorCode.UNAVAILABLE, r.getError().getCode());
                assertEquals(0, r.getId());
                assertTrue(r.getError().getMessage().contains("too many connections"));
                assertNull(third.read());
            }
            assertEquals(Response.ResultCase.DONE, a.call(set(2, "k", "v")).getResultCase());
            assertEquals(1L, stats(b).get("connections_refused"));
        }
    }

    @Test
    void silentConnection_andOneStoppedMidFrame_closedAfterIdleTimeout() throws Exception {
        start(config().withIdleTimeout(Duration.ofSeconds(1)));
        try (RawSocket silent = connect(); RawSocket stalled = connect(); RawSocket busy = connect()) {
            stalled.send(new byte[] {20, 8});
            long start = System.nanoTime();
            CompletableFuture<Response> silentEnd = readAsync(silent);
            CompletableFuture<Response> stalledEnd = readAsync(stalled);
            CompletableFuture<Void> bothClosed = CompletableFuture.allOf(silentEnd, stalledEnd);
            // A connection that keeps talking (every 100 ms, a tenth of the timeout) stays open,
            // while the other two are closed: a ping, then up to 100 ms waiting for their end.
            int pings = 0;
            while (!bothClosed.isDone()) {
                assertTrue(pings++ < 100, "not closed after 100 pings");
                assertEquals(Response.ResultCase.DONE, busy.call(ping(pings)).getResultCase());
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
            assertEquals(Response.ResultCase.DONE, busy.call(ping(0)).getResultCase(), "the busy one stays open");
        }
    }

    @Test
    void pipelining10000Requests_onOneConnection_answeredInOrder() throws Exception {
        start(config());
        int n = 10_000;
        try (RawSocket c = connect()) {
            Thread writer = new Thread(() -> {
                try {
                    OutputStream out = new java.io.BufferedOutputStream(c.out, 64 * 1024);
                    for (int i = 1; i <= n; i++) {
                        Frames.write(out, i % 2 == 1 ? set(i, "p" + i, "v" + i) : get(i, "p" + (i - 1)));
                    }
                    out.flush();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            writer.start();
            for (int i = 1; i <= n; i++) {
                Response r = c.read();
                assertEquals(i, r.getId());
                if (i % 2 == 0) {
                    assertEquals("v" + (i - 1), r.getValue().getValue().toStringUtf8());
                } else {
                    assertEquals(Response.ResultCase.DONE, r.getResultCase());
                }
            }
            writer.join(30_000);
        }
    }

    @Test
    void twoHundredConnections_mixedWork_everyResponseChecked() throws Exception {
        start(config());
        int clients = 200;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<?>> jobs = new ArrayList<>();
            for (int t = 0; t < clients; t++) {
                int id = t;
                jobs.add(pool.submit(() -> {
                    try (RawSocket c = connect()) {
                        for (int i = 0; i < 25; i++) {
                            String key = "c" + id + "-" + (i % 5);
                            assertEquals(Response.ResultCase.DONE, c.call(set(3L * i, key, "v" + i)).getResultCase());
                            assertEquals("v" + i, c.call(get(3L * i + 1, key)).getValue().getValue().toStringUtf8());
                            if (i % 5 == 4) {
                                assertEquals(Response.ResultCase.DONE, c.call(rm(3L * i + 2, key)).getResultCase());
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : jobs) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        try (RawSocket c = connect()) {
            Map<String, Long> s = stats(c);
            assertEquals(200L * 25, s.get("requests_set"));
            assertEquals(200L * 25, s.get("requests_get"));
            assertEquals(200L * 5, s.get("requests_rm"));
            assertEquals(201L, s.get("connections_total"));
        }
    }

    @Test
    void slowReader_serverStopsReadingIt_memoryStaysBounded_othersServed() throws Exception {
        start(config());
        byte[] big = new byte[64 * 1024];
        try (RawSocket c = connect(); RawSocket other = connect()) {
            c.call(Request.newBuilder().setId(1).setSet(kvs.proto.Set.newBuilder()
                    .setKey(ByteString.copyFromUtf8("big")).setValue(ByteString.copyFrom(big))).build());
            int n = 20_000; // 20k gets of 64 KiB: 1.3 GB of responses if the server buffered them all
            java.io.ByteArrayOutputStream burst = new java.io.ByteArrayOutputStream();
            for (int i = 2; i < n + 2; i++) {
                Frames.write(burst, get(i, "big"));
            }
            Thread writer = new Thread(() -> {
                try {
                    c.send(burst.toByteArray());
                } catch (IOException e) {
                    // closed at the end of the test
                }
            });
            writer.setDaemon(true);
            writer.start();
            // Wait until the server has begun answering c (a bounded poll; each stats call is a
            // round trip, so the loop needs no pause of its own).
            long out = stats(other).get("bytes_out");
            for (int i = 0; out < 1024 * 1024 && i < 100_000; i++) {
                out = stats(other).get("bytes_out");
            }
            assertTrue(out >= 1024 * 1024, "the server never began answering: " + out + " bytes out");
            // Then read nothing for two seconds more: enough for an unbounded server to queue far
            // over 64 MiB. This sleep stays: it is a window for something that must NOT happen,
            // so there is no condition to wait for.
            Thread.sleep(2000);
            out = stats(other).get("bytes_out");
            assertTrue(out < 64L * 1024 * 1024, "server queued " + out + " bytes for a reader that reads nothing");
            assertEquals(Response.ResultCase.DONE, other.call(set(5, "k", "v")).getResultCase());
            // Reading resumes it: every response arrives, in order.
            for (int i = 2; i < n + 2; i++) {
                Response r = c.read();
                assertEquals(i, r.getId());
                assertEquals(big.length, r.getValue().getValue().size());
            }
            writer.join(30_000);
        }
    }

    @Test
    void stats_afterAKnownWorkload() throws IOException {
        start(config().withMaxValueBytes(10));
        try (RawSocket c = connect()) {
            c.call(set(1, "a", "1"));
            c.call(set(2, "b", "2"));
            c.call(get(3, "a"));
            c.call(get(4, "zz"));
            c.call(rm(5, "b"));
            c.call(set(6, "big", "01234567890")); // TOO_LARGE
            c.call(get(7, ""));                    // BAD_REQUEST
            Map<String, Long> s = stats(c);
            assertEquals(3L, s.get("requests_set"));
            assertEquals(3L, s.get("requests_get"));
            assertEquals(1L, s.get("requests_rm"));
            assertEquals(1L, s.get("requests_stats"));
            assertEquals(1L, s.get("errors_too_large"));
            assertEquals(1L, s.get("errors_bad_request"));
            assertEquals(0L, s.get("errors_storage"));
            assertEquals(1L, s.get("keys"));
            assertEquals(1L, s.get("connections_current"));
            assertTrue(s.get("bytes_in") > 0 && s.get("bytes_out") > 0);
            assertTrue(s.get("live_bytes") > 0 && s.get("dead_bytes") > 0);
            for (String name : new String[] {"uptime_ms", "connections_total", "segments", "compactions",
                "last_compaction_ms", "fsyncs", "damaged_reads", "damaged_files", "errors_unavailable", "requests_compact",
                "requests_ping"}) {
                assertTrue(s.containsKey(name), name);
            }
        }
    }
}
