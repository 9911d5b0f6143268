package kvs.client.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.nio.file.Path;
import kvs.common.HostPort;
import kvs.server.KvsServer;
import kvs.server.ServerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What bench prints: one line a kind of error, with its count, when the server fails it; a
 * progress line when asked for one.
 */
@Timeout(30)
class BenchRunTest {

    @TempDir
    Path dir;

    @Test
    void progress_redrawnOnErrAboutOnceASecond_thenWipedBeforeTheReport() throws Exception {
        try (KvsServer server = KvsServer.start(ServerConfig.of(new HostPort("127.0.0.1", 0), dir))) {
            // Longer than the second between two progress lines.
            Workload w = new Workload(1, 0, Duration.ofMillis(1300), 1, 10, "bench:", 16, 10, 1, 1, 1, 200,
                    Duration.ZERO, false);
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            assertEquals(0, BenchRun.run(HostPort.of(server.localAddress()), w, false, true,
                    new PrintWriter(out, true), new PrintWriter(err, true)), err.toString());
            assertTrue(err.toString().matches("(\r[0-9,]+ requests, [0-9,]+/s, p99 [0-9.]+ ms, 0 errors +)+\r +\r"),
                    err.toString());
            assertTrue(out.toString().contains("errors: 0"), out.toString());
        }
    }

    @Test
    void everyConnectionDroppedAlike_oneLineWithTheCount() throws Exception {
        int clients = 4;
        try (ServerSocket dropper = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            List<Socket> accepted = new ArrayList<>();
            Thread t = new Thread(() -> {
                try {
                    for (int i = 0; i < clients; i++) {
                        Socket s = dropper.accept();
                        accepted.add(s);
                    }
                    // Every connection has a request in flight by now: drop them all, unanswered.
                    Thread.sleep(1000);
                    for (Socket s : accepted) {
                        s.close();
                    }
                } catch (IOException | InterruptedException ignored) {
                    // the assertions below fail if this does
                }
            });
            t.setDaemon(true);
            t.start();
            Workload w = new Workload(clients, 1000, null, 1, 100, "bench:", 16, 10, 1, 1, 1, 0, Duration.ZERO, false);
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            long errors = BenchRun.run(new HostPort("127.0.0.1", dropper.getLocalPort()), w, false, false,
                    new PrintWriter(out, true), new PrintWriter(err, true));
            t.join(10_000);
            assertEquals(clients, errors, err.toString());
            assertEquals(List.of("kvs-client bench: " + clients + " x the server closed a connection with 1"
                    + " request in flight"), err.toString().lines().filter(l -> !l.isBlank()).toList(),
                    err.toString());
        }
    }
}
