package kvs.server;

import static kvs.server.ServerTest.get;
import static kvs.server.ServerTest.set;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
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

/**
 * The server under memory pressure (issue 10, section 4): many large requests half sent, many
 * large responses unread, a slow reader of a large response. The heavy cases run the server as a
 * process with a small heap (direct memory is bounded by it too), where holding what it is sent or
 * asked for without a bound fails with OutOfMemoryError.
 */
class MemoryPressureTest {

    private static final int MiB = 1024 * 1024;

    @TempDir
    Path dir;
    private KvsServer server;

    @AfterEach
    void stop() throws IOException {
        if (server != null) {
            server.close();
        }
    }

    private static Request setBytes(long id, String key, int valueBytes) {
        byte[] value = new byte[valueBytes];
        Arrays.fill(value, (byte) key.hashCode());
        return Request.newBuilder().setId(id).setSet(kvs.proto.Set.newBuilder()
                .setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFrom(value))).build();
    }

    private static Request ping(long id) {
        return Request.newBuilder().setId(id).setPing(Ping.getDefaultInstance()).build();
    }

    private static Map<String, Long> stats(InetSocketAddress address) throws IOException {
        try (RawSocket c = new RawSocket(address)) {
            Response r = c.call(Request.newBuilder().setId(1).setStats(Stats.getDefaultInstance()).build());
            assertEquals(Response.ResultCase.STATS, r.getResultCase(), r.toString());
            return r.getStats().getValuesMap();
        }
    }

    /** Polls the server's stats, every 50 ms for at most {@code seconds}, until {@code done}. */
    private static Map<String, Long> awaitStats(InetSocketAddress address, int seconds,
            Predicate<Map<String, Long>> done) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        Map<String, Long> s = stats(address);
        while (!done.test(s)) {
            assertTrue(System.nanoTime() < deadline, "not reached within " + seconds + " s: " + s);
            TimeUnit.MILLISECONDS.sleep(50); // a bounded poll
            s = stats(address);
        }
        return s;
    }

    @Test
    void requestLargerThanTheWholeBudget_resourceExhausted_afterEarlierAnswers_thenClosed() throws Exception {
        server = KvsServer.start(ServerConfig.of(new HostPort("127.0.0.1", 0), dir)
                .withMaxPendingBytes(MiB));
        byte[] frame = Frames.encode(setBytes(2, "big", 2 * MiB));
        try (RawSocket c = new RawSocket(server.localAddress())) {
            c.send(Frames.encode(ping(1)));
            // Its prefix says 2 MiB: it can never be held. The client sends it all before reading,
            // as kvs-client does; the server drops the rest rather than resetting the connection.
            c.send(frame);
            assertEquals(Response.ResultCase.DONE, c.read().getResultCase());
            Response r = c.read();
            assertEquals(ErrorCode.RESOURCE_EXHAUSTED, r.getError().getCode(), r.toString());
            assertEquals(0, r.getId());
            assertTrue(r.getError().getMessage().contains("--max-pending-bytes"), r.getError().getMessage());
            assertNull(c.read(), "end of stream after the error");
        }
        Map<String, Long> s = stats(server.localAddress());
        assertEquals(1L, s.get("errors_resource_exhausted"));
        assertEquals(0L, s.get("pending_request_bytes"));
    }

    /**
     * The case: 40 connections each send a 4 MiB request (160 MiB in all, over the 128 MiB
     * heap). Without a budget the server runs out of memory and drops connections; with one, at
     * most two are received at a time, the others wait, and every request is applied. Meanwhile
     * small requests on another connection are served.
     */
    @Test
    void manyLargeRequestsAtOnce_smallHeap_eachWaitsItsTurn_allApplied() throws Exception {
        int clients = 40;
        int valueBytes = 4 * MiB;
        try (ServerProcess p = ServerProcess.startWithHeap("128m", dir, "--max-value-bytes", "4MiB",
                "--max-pending-bytes", "10MiB")) {
            try {
                ExecutorService pool = Executors.newFixedThreadPool(clients);
                try {
                    List<Future<Response>> answers = new ArrayList<>();
                    for (int i = 0; i < clients; i++) {
                        byte[] frame = Frames.encode(setBytes(1, "k" + i, valueBytes));
                        answers.add(pool.submit(() -> {
                            try (RawSocket c = new RawSocket(p.address)) {
                                c.socket.setSoTimeout(120_000);
                                c.send(Arrays.copyOf(frame, frame.length / 2));
                                c.send(Arrays.copyOfRange(frame, frame.length / 2, frame.length));
                                return c.read();
                            }
                        }));
                    }
                    // While they are received, small requests go on being served.
                    awaitStats(p.address, 60, s -> s.get("pending_request_bytes") > 0
                        || answers.stream().allMatch(Future::isDone));
                    try (RawSocket small = new RawSocket(p.address)) {
                        for (int i = 0; i < 20; i++) {
                            assertEquals(Response.ResultCase.DONE, small.call(set(i, "s" + i, "v")).getResultCase());
                            assertEquals("v", small.call(get(100 + i, "s" + i)).getValue().getValue().toStringUtf8());
                        }
                    }
                    for (Future<Response> f : answers) {
                        Response r = f.get(180, TimeUnit.SECONDS);
                        assertEquals(Response.ResultCase.DONE, r == null ? null : r.getResultCase(), r + "\n" + p.log());
                    }
                } finally {
                    pool.shutdownNow();
                }
                try (RawSocket c = new RawSocket(p.address)) {
                    assertEquals(valueBytes, c.call(get(1, "k" + (clients - 1))).getValue().getValue().size());
                }
                Map<String, Long> s = stats(p.address);
                assertEquals(0L, s.get("pending_request_bytes"));
                assertEquals(0L, s.get("errors_resource_exhausted"));
                assertTrue(!p.log().contains("OutOfMemoryError"), p.log());
            } catch (Exception | AssertionError e) {
                throw new AssertionError("server log:\n" + p.log(), e);
            }
        }
    }

    /**
     * 40 connections each ask for a 4 MiB value three times and read nothing until the server has
     * read every request: 480 MiB of responses, over the 128 MiB heap. Without a bound on unsent
     * responses the server runs out of memory building them and some client waits forever; with
     * one, the server builds what fits, and every response arrives as the clients read.
     */
    @Test
    void manyLargeResponsesUnread_smallHeap_allArriveOnceRead() throws Exception {
        int clients = 40;
        int asks = 3;
        int valueBytes = 4 * MiB;
        try (ServerProcess p = ServerProcess.startWithHeap("128m", dir, "--max-value-bytes", "4MiB",
                "--max-pending-bytes", "8MiB")) {
            try {
                try (RawSocket c = new RawSocket(p.address)) {
                    assertEquals(Response.ResultCase.DONE, c.call(setBytes(1, "big", valueBytes)).getResultCase());
                }
                List<RawSocket> readers = new ArrayList<>();
                try {
                    for (int i = 0; i < clients; i++) {
                        RawSocket c = new RawSocket(p.address);
                        readers.add(c);
                        c.socket.setSoTimeout(60_000);
                        java.io.ByteArrayOutputStream burst = new java.io.ByteArrayOutputStream();
                        for (int a = 1; a <= asks; a++) {
                            Frames.write(burst, get(a, "big"));
                        }
                        c.send(burst.toByteArray());
                    }
                    awaitStats(p.address, 60, s -> s.get("requests_get") == (long) clients * asks);
                    // Every client reads now, each on its own thread, as independent clients would.
                    ExecutorService pool = Executors.newFixedThreadPool(clients);
                    try {
                        List<Future<?>> reads = new ArrayList<>();
                        for (RawSocket c : readers) {
                            reads.add(pool.submit(() -> {
                                for (int a = 1; a <= asks; a++) {
                                    Response r = c.read();
                                    assertEquals(Response.ResultCase.VALUE, r == null ? null : r.getResultCase(),
                                            String.valueOf(r));
                                    assertEquals(a, r.getId());
                                    assertEquals(valueBytes, r.getValue().getValue().size());
                                }
                                return null;
                            }));
                        }
                        for (Future<?> f : reads) {
                            f.get(120, TimeUnit.SECONDS);
                        }
                    } finally {
                        pool.shutdownNow();
                    }
                } finally {
                    for (RawSocket c : readers) {
                        c.close();
                    }
                }
                assertTrue(!p.log().contains("OutOfMemoryError"), p.log());
            } catch (Exception | AssertionError e) {
                throw new AssertionError("server log:\n" + p.log(), e);
            }
        }
    }

    /** A server with a 2 s idle timeout holding a value of {@code valueBytes} under "big". */
    private void startWithBigValue(int valueBytes) throws IOException {
        server = KvsServer.start(ServerConfig.of(new HostPort("127.0.0.1", 0), dir)
                .withIdleTimeout(Duration.ofSeconds(2)));
        try (RawSocket c = new RawSocket(server.localAddress())) {
            assertEquals(Response.ResultCase.DONE, c.call(setBytes(1, "big", valueBytes)).getResultCase());
        }
    }

    /** A connection with a small receive buffer that has asked for "big". */
    private Socket askForBig() throws IOException {
        Socket s = new Socket();
        s.setReceiveBufferSize(32 * 1024);
        s.connect(server.localAddress(), 5000);
        s.setSoTimeout(10_000);
        s.getOutputStream().write(Frames.encode(get(2, "big")));
        s.getOutputStream().flush();
        return s;
    }

    /** Reads at most 128 KiB every 100 ms: a slow reader. */
    private static final class SlowInput extends java.io.FilterInputStream {
        private int sinceRest;

        SlowInput(InputStream in) {
            super(in);
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (sinceRest >= 128 * 1024) {
                sinceRest = 0;
                try {
                    Thread.sleep(100); // pacing: this is the slow reader, not a wait for something
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException();
                }
            }
            int n = super.read(b, off, Math.min(len, 128 * 1024 - sinceRest));
            sinceRest += Math.max(n, 0);
            return n;
        }
    }

    /**
     * A client reads an 8 MiB response slowly, 128 KiB every 100 ms (about 6 s in all) through a
     * small receive buffer, under a 2 s idle timeout: it is taking its response, so it is not
     * idle and keeps its connection.
     */
    @Test
    void slowReaderOfALargeResponse_notCutOffByTheIdleTimeout() throws Exception {
        int valueBytes = 8 * MiB;
        startWithBigValue(valueBytes);
        try (Socket s = askForBig()) {
            byte[] frame = Frames.read(new SlowInput(s.getInputStream()), Integer.MAX_VALUE - 8);
            assertEquals(valueBytes, Response.parseFrom(frame).getValue().getValue().size());
        }
    }

    /** A peer that stops reading its response is idle: closed, and its unsent bytes given back. */
    @Test
    void peerThatStopsReading_closedByTheIdleTimeout_unsentBytesGivenBack() throws Exception {
        startWithBigValue(16 * MiB);
        try (Socket s = askForBig()) {
            awaitStats(server.localAddress(), 30, m -> m.get("unsent_response_bytes") > 0);
            awaitStats(server.localAddress(), 30, m -> m.get("connections_current") == 1L
                    && m.get("unsent_response_bytes") == 0L);
        }
    }
}
