package kvs.client;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import kvs.common.HostPort;
import kvs.server.KvsServer;
import kvs.server.ServerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The client's failures say what happened, in words, and what to check (issue 13). */
@Timeout(60)
class ClientErrorsTest {

    private static final ClientOptions QUICK = new ClientOptions(Duration.ofSeconds(5), Duration.ofSeconds(5));

    @TempDir
    Path dir;

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void unknownHost_saysToCheckTheName() {
        IOException e = assertThrows(IOException.class,
                () -> KvsClient.connect(new HostPort("nosuchhost.invalid", 4000), QUICK));
        assertTrue(e.getMessage().contains("unknown host 'nosuchhost.invalid': check the name"), e.getMessage());
    }

    @Test
    void refused_asksWhetherTheServerRunsThere() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        IOException e = assertThrows(IOException.class,
                () -> KvsClient.connect(new HostPort("127.0.0.1", port), QUICK));
        assertTrue(e.getMessage().contains("is kvs-server running and listening there?"), e.getMessage());
    }

    /** An HTTP server, say, answering with its own bytes: not a kvs server. */
    @Test
    void anotherProtocolsReply_saysItIsNotKvs() throws Exception {
        try (ServerSocket http = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                try (Socket c = http.accept()) {
                    c.getInputStream().read(new byte[100]);
                    OutputStream out = c.getOutputStream();
                    out.write(b("HTTP/1.1 400 Bad Request\r\n\r\n"));
                    out.flush();
                } catch (IOException ignored) {
                    // the test fails on the client's side if this does
                }
            });
            t.setDaemon(true);
            t.start();
            try (KvsClient kvs = KvsClient.connect(new HostPort("127.0.0.1", http.getLocalPort()), QUICK)) {
                IOException e = assertThrows(IOException.class, () -> kvs.get(b("k")));
                assertTrue(e.getMessage().contains("does not answer in the kvs protocol"), e.getMessage());
            }
            t.join(10_000);
        }
    }

    /** The likeliest mix-up: the RESP port of a kvs-server given as its --addr. */
    @Test
    void aKvsServersRespPort_saysToCheckItIsNotTheRespAddr() throws IOException {
        try (KvsServer server = KvsServer.start(ServerConfig.of(new HostPort("127.0.0.1", 0), dir)
                .withRespAddress(new HostPort("127.0.0.1", 0)))) {
            HostPort resp = new HostPort("127.0.0.1", server.respAddress().getPort());
            try (KvsClient kvs = KvsClient.connect(resp, QUICK)) {
                IOException e = assertThrows(IOException.class, () -> kvs.set(b("k"), b("v")));
                assertTrue(e.getMessage().contains("does not answer in the kvs protocol")
                        && e.getMessage().contains("not its --resp-addr"), e.getMessage());
            }
        }
    }
}
