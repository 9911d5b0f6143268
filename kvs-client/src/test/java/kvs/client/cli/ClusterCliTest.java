package kvs.client.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import kvs.server.KvsServer;
import kvs.server.RaftOptions;
import kvs.server.ServerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code --addr a,b,c} and {@code cluster status}: against a single server, and a group of three in process. */
@Timeout(120)
class ClusterCliTest extends CliServerTest {

    /** Ratis's INFO chatter off in the test's output; kept, as JUL holds loggers weakly. */
    static final java.util.logging.Logger RATIS = java.util.logging.Logger.getLogger("org.apache.ratis");

    static {
        RATIS.setLevel(java.util.logging.Level.WARNING);
    }

    @Test
    void clusterStatus_ofASingleServer_saysItIsNoGroup_exit1() {
        assertEquals(1, client("cluster", "status"));
        assertTrue(err().contains("not a member of a replicated group"), err());
    }

    @Test
    void addrTakesTheMembers_theClientFindsTheLeader_andClusterStatusShowsTheGroup() throws Exception {
        List<String> clients = new ArrayList<>();
        StringBuilder peers = new StringBuilder();
        for (int i = 1; i <= 3; i++) {
            String client = "127.0.0.1:" + freePort();
            clients.add(client);
            peers.append(i > 1 ? "," : "").append("n").append(i).append("=127.0.0.1:").append(freePort())
                    .append('/').append(client);
        }
        List<KvsServer> members = new ArrayList<>();
        try {
            for (int i = 1; i <= 3; i++) {
                RaftOptions raft = RaftOptions.of("n" + i, peers.toString()).withElectionTimeout(Duration.ofMillis(300));
                members.add(KvsServer.start(ServerConfig.of(kvs.common.HostPort.parse(clients.get(i - 1)),
                        dir.resolve("n" + i)).withRaft(raft)));
            }
            String all = String.join(",", clients);
            int code = 1;
            for (int attempt = 0; attempt < 100 && code != 0; attempt++) { // until a leader is elected
                code = run(new byte[0], "set", "k", "v", "--addr", all, "--timeout", "2s");
                Thread.sleep(code == 0 ? 0 : 100);
            }
            assertEquals(0, code, err());
            assertEquals(0, run(new byte[0], "get", "k", "--addr", all), err());
            assertEquals("v\n", out());
            for (String member : clients) { // each member's own state, once it has applied the set
                String seen = "";
                for (int attempt = 0; attempt < 100 && !seen.equals("v\n"); attempt++) {
                    assertEquals(0, run(new byte[0], "get", "k", "--stale", "--addr", member), err());
                    seen = out();
                    Thread.sleep(seen.equals("v\n") ? 0 : 50);
                }
                assertEquals("v\n", seen, member);
            }
            assertEquals(0, run(new byte[0], "cluster", "status", "--addr", all), err());
            String status = out();
            assertTrue(status.contains("leader: n"), status);
            assertEquals(1, status.lines().filter(l -> l.contains(" leader ")).count(), status);
            for (String client : clients) {
                assertTrue(status.contains(client), status);
            }
        } finally {
            for (KvsServer m : members) {
                m.close();
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
