package kvs.client.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import kvs.common.Frames;
import kvs.common.HostPort;
import kvs.proto.Done;
import kvs.proto.NotFound;
import kvs.proto.Request;
import kvs.proto.Response;
import kvs.proto.Value;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The load generator's schedule, against a stand-in server that can stall: a paced run must
 * charge a stall to every request due during it (coordinated omission), send every request due
 * before the deadline, spread its connections' requests, and prefill every key before a get.
 */
@Timeout(30)
class LoadGeneratorTest {

    private StubServer server;

    @AfterEach
    void stop() throws IOException {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void paced_aStall_chargesEveryRequestDueDuringIt() throws Exception {
        server = new StubServer(50, 300);
        // One connection, a request due every 5 ms, for 1 s: the stall of 300 ms holds back
        // about 60 requests that fell due during it.
        LoadGenerator.Result r = run(workload(1, 200, 1000, false), server);
        Histogram h = r.setLatency();
        long slow = h.getTotalCount() - h.getCountBetweenValues(0, 100_000);
        // Counted from when each was sent, only the stalled request would take over 100 ms.
        assertTrue(slow >= 20, "requests over 100 ms: " + slow);
        assertTrue(h.getMaxValue() >= 290_000, "max " + h.getMaxValue() + " us");
        assertEquals(0, r.errors(), r.firstErrors().toString());
        // The stall is the server's: the requests held back by it are not the tool's lateness.
        assertTrue(r.sendLag().getTotalCount() > 0 && r.sendLag().getTotalCount() < r.sets(),
                "send lags " + r.sendLag().getTotalCount() + " of " + r.sets());
        assertTrue(r.sendLag().getMaxValue() < 100_000, "send lag max " + r.sendLag().getMaxValue() + " us");
    }

    @Test
    void paced_aStallAcrossTheDeadline_requestsDueBeforeItAreStillSent() throws Exception {
        // Request 60 of 100 (due at 0.6 s) is answered 0.5 s late, after the deadline.
        server = new StubServer(60, 500);
        LoadGenerator.Result r = run(workload(1, 100, 1000, false), server);
        assertTrue(r.sets() >= 97, "sets " + r.sets() + " of the 100 due");
        assertTrue(r.sets() <= 101, "sets " + r.sets() + " of the 100 due");
        assertEquals(0, r.errors(), r.firstErrors().toString());
    }

    @Test
    void paced_connectionsStartStaggered() throws Exception {
        server = new StubServer(0, 0);
        // Ten connections at 100 requests/s: each sends one every 100 ms, and the ten first
        // requests are spread over that interval rather than sent together.
        Workload w = new Workload(10, 10, null, 1, 100, "bench:", 16, 10, 1, 0, 1, 100, Duration.ZERO, false);
        LoadGenerator.Result r = new LoadGenerator(server.address(), w).run(() -> { });
        assertEquals(10, r.sets());
        List<Long> first = server.arrivals.subList(0, 10);
        long spread = first.stream().mapToLong(Long::longValue).max().getAsLong()
                - first.stream().mapToLong(Long::longValue).min().getAsLong();
        assertTrue(spread >= 45_000_000L, "first requests spread over " + spread / 1_000_000 + " ms");
    }

    @Test
    void prefill_setsEveryKeyOnce_beforeTheMeasuredGets() throws Exception {
        server = new StubServer(0, 0);
        Workload w = new Workload(3, 1000, null, 4, 500, "bench:", 16, 10, 0, 1, 1, 0, Duration.ZERO, true);
        LoadGenerator.Result r = new LoadGenerator(server.address(), w).run(() -> { });
        assertEquals(1000, r.gets());
        assertEquals(0, r.sets(), "the prefill is not counted");
        assertEquals(500, server.setsAnswered.get());
        assertEquals(500, server.values.size());
        assertEquals(0, server.notFound.get(), "a get found no value");
        assertEquals(0, r.errors(), r.firstErrors().toString());
    }

    /** A warm-up longer than --requests would take: it used to eat them, reporting negative seconds. */
    @Test
    void warmup_isTimeOfItsOwn_requestsAreCountedAfterIt() throws Exception {
        server = new StubServer(0, 0);
        Workload w = new Workload(2, 500, null, 1, 100, "bench:", 16, 10, 1, 1, 1, 0, Duration.ofMillis(300), false);
        LoadGenerator.Result r = new LoadGenerator(server.address(), w).run(() -> { });
        assertEquals(500, r.requests(), "every one of --requests measured after the warm-up");
        assertTrue(r.warmupRequests() > 0, "the warm-up sent requests of its own");
        assertTrue(r.seconds() > 0, "seconds " + r.seconds());
        assertEquals(0, r.errors(), r.firstErrors().toString());
    }

    /**
     * An earlier run's values of another size are no error; once this run has set a key, they
     * are: a server that acknowledges sets and keeps the old values is caught.
     */
    @Test
    void get_anEarlierRunsValue_passesUntilThisRunHasSetTheKey() throws Exception {
        server = new StubServer(0, 0);
        Workload w = new Workload(1, 400, null, 1, 10, "bench:", 16, 10, 1, 1, 1, 0, Duration.ZERO, false);
        for (int i = 0; i < 10; i++) {
            server.values.put(ByteString.copyFrom(w.key(i)), ByteString.copyFrom(Values.of(w.key(i), 50)));
        }
        server.dropSets = true;
        LoadGenerator.Result r = run(w, server);
        assertTrue(r.errors() > 0, "stale values after this run's sets were not caught");
        assertTrue(r.firstErrors().stream().allMatch(e -> e.matches("get of bench:00000000\\d\\d answered an"
                + " earlier 50-byte value after this run had set it to 10 bytes")), r.firstErrors().toString());

        server.dropSets = false;
        r = run(w, server);
        assertEquals(0, r.errors(), r.firstErrors().toString());
    }

    @Test
    void get_notFoundAfterThisRunHasSetTheKey_onAnyConnection_isAnError() throws Exception {
        server = new StubServer(0, 0);
        server.dropSets = true;
        Workload w = new Workload(4, 400, null, 1, 10, "bench:", 16, 10, 1, 1, 1, 0, Duration.ZERO, false);
        LoadGenerator.Result r = run(w, server);
        assertTrue(r.errors() > 0, "lost sets were not caught");
        assertTrue(r.firstErrors().stream().allMatch(e -> e.matches("get of bench:00000000\\d\\d found nothing after"
                + " this run had set it")), r.firstErrors().toString());
    }

    private static Workload workload(int clients, double rate, long millis, boolean prefill) {
        return new Workload(clients, 0, Duration.ofMillis(millis), 1, 1000, "bench:", 16, 10, 1, 0, 1, rate,
                Duration.ZERO, prefill);
    }

    private static LoadGenerator.Result run(Workload w, StubServer s) throws Exception {
        return new LoadGenerator(s.address(), w).run(() -> { });
    }

    /**
     * Answers sets with Done and gets from what was set, one thread per connection; before
     * answering request number {@code stallAt} (counted over all connections, from 1) it stalls
     * for {@code stallMillis}, as a server held up by a disk or a collector would.
     */
    private static final class StubServer implements AutoCloseable {
        final List<Long> arrivals = new CopyOnWriteArrayList<>();
        final Map<ByteString, ByteString> values = new ConcurrentHashMap<>();
        final AtomicInteger setsAnswered = new AtomicInteger();
        final AtomicInteger notFound = new AtomicInteger();
        /** Acknowledge sets without applying them, as a server that loses writes would. */
        volatile boolean dropSets;
        private final AtomicInteger requests = new AtomicInteger();
        private final int stallAt;
        private final long stallMillis;
        private final ServerSocket socket;
        private final List<Socket> accepted = new CopyOnWriteArrayList<>();

        StubServer(int stallAt, long stallMillis) throws IOException {
            this.stallAt = stallAt;
            this.stallMillis = stallMillis;
            socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread acceptor = new Thread(this::accept, "stub-accept");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        HostPort address() {
            return new HostPort("127.0.0.1", socket.getLocalPort());
        }

        private void accept() {
            try {
                while (true) {
                    Socket s = socket.accept();
                    s.setTcpNoDelay(true);
                    accepted.add(s);
                    Thread t = new Thread(() -> serve(s), "stub-conn");
                    t.setDaemon(true);
                    t.start();
                }
            } catch (IOException closed) {
                // the test is over
            }
        }

        private void serve(Socket s) {
            try (s) {
                InputStream in = new BufferedInputStream(s.getInputStream());
                OutputStream out = new BufferedOutputStream(s.getOutputStream());
                byte[] frame;
                while ((frame = Frames.read(in, 1 << 20)) != null) {
                    arrivals.add(System.nanoTime());
                    Request req = Request.parseFrom(frame);
                    if (requests.incrementAndGet() == stallAt) {
                        Thread.sleep(stallMillis); // the stall being simulated, not a wait
                    }
                    Response.Builder resp = Response.newBuilder().setId(req.getId());
                    if (req.hasSet()) {
                        if (!dropSets) {
                            values.put(req.getSet().getKey(), req.getSet().getValue());
                        }
                        setsAnswered.incrementAndGet();
                        resp.setDone(Done.getDefaultInstance());
                    } else {
                        ByteString v = values.get(req.getGet().getKey());
                        if (v == null) {
                            notFound.incrementAndGet();
                            resp.setNotFound(NotFound.getDefaultInstance());
                        } else {
                            resp.setValue(Value.newBuilder().setValue(v));
                        }
                    }
                    Frames.write(out, resp.build());
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // the connection closed
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
            for (Socket s : new ArrayList<>(accepted)) {
                s.close();
            }
        }
    }
}
