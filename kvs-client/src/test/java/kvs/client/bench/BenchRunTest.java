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
import kvs.common.HostPort;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What bench prints when the server fails it: one line a kind of error, with its count. */
@Timeout(30)
class BenchRunTest {

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
            Workload w = new Workload(clients, 1000, null, 1, 100, 16, 10, 1, 1, 1, 0, Duration.ZERO, false);
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            long errors = BenchRun.run(new HostPort("127.0.0.1", dropper.getLocalPort()), w, false,
                    new PrintWriter(out, true), new PrintWriter(err, true));
            t.join(10_000);
            assertEquals(clients, errors, err.toString());
            assertEquals(List.of("kvs-client bench: " + clients + " x the server closed a connection with 1"
                    + " request in flight"), err.toString().lines().filter(l -> !l.isBlank()).toList(),
                    err.toString());
        }
    }
}
