package kvs.server;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import kvs.common.HostPort;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * ShutdownTest for the RESP listener: a server closed while a client pipelines answers every
 * command it read before the connection ends, and applies nothing after.
 */
@Timeout(60)
class RespShutdownTest {

    @TempDir
    Path dir;

    private KvsServer start() throws IOException {
        return KvsServer.start(ServerConfig.of(new HostPort("127.0.0.1", 0), dir)
                .withRespAddress(new HostPort("127.0.0.1", 0)));
    }

    private static byte[] key(long i) {
        return ("k" + i).getBytes(ISO_8859_1);
    }

    @Test
    void close_underContinuousPipelining_answersWhatItRead_andAppliesNothingMore() throws Exception {
        KvsServer server = start();
        long answered;
        try (RespSocket c = new RespSocket(server.respAddress())) {
            Thread writer = new Thread(() -> {
                try {
                    for (long i = 1; i < 100_000; i++) {
                        c.send(i % 2 == 0 ? "SET k" + i + " v\r\n" : "*3\r\n$3\r\nSET\r\n$" + ("k" + i).length()
                                + "\r\nk" + i + "\r\n$1\r\nv\r\n");
                        if (i % 50 == 0) {
                            // Paces the load (it waits for nothing): commands keep arriving while
                            // the server shuts down, rather than all at once before it.
                            Thread.sleep(1);
                        }
                    }
                } catch (IOException | InterruptedException e) {
                    // the server closed the connection
                }
            });
            writer.setDaemon(true);
            writer.start();
            assertEquals("+OK\r\n", c.reply());
            long start = System.nanoTime();
            Thread closer = new Thread(() -> {
                try {
                    server.close();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            closer.start();
            answered = 1;
            for (String r = c.reply(); r != null; r = c.reply()) {
                assertEquals("+OK\r\n", r, "command " + (answered + 1) + " was read before shutdown, and"
                        + " must be answered, not refused");
                answered++;
            }
            closer.join(30_000);
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(8), "close took too long");
        }
        // Exactly the answered SETs were applied: the next one was not.
        try (KvsServer again = start()) {
            assertNotNull(again.store().get(key(answered)), "k" + answered);
            assertNull(again.store().get(key(answered + 1)), "k" + (answered + 1));
        }
    }

    /**
     * A burst pipelined at once, one in ten of its values large enough to go to a store thread:
     * shutdown waits for those, and every command answered was applied.
     */
    @Test
    void close_answersCommandsAlreadySent_storeThreadsIncluded() throws Exception {
        KvsServer server = start();
        int n = 2000;
        String large = "x".repeat(70_000);
        ByteArrayOutputStream burst = new ByteArrayOutputStream();
        for (int i = 1; i <= n; i++) {
            burst.writeBytes(RespDecoderTest.multibulk("SET", "k" + i, i % 10 == 0 ? large : "v"));
        }
        int answered;
        try (RespSocket c = new RespSocket(server.respAddress())) {
            Thread sender = new Thread(() -> {
                try {
                    c.send(burst.toByteArray());
                } catch (IOException e) {
                    // the server closed the connection before taking it all
                }
            });
            sender.setDaemon(true);
            sender.start();
            // The first reply proves the burst reached the server before shutdown began.
            assertEquals("+OK\r\n", c.reply());
            server.close();
            answered = 1;
            for (String r = c.reply(); r != null; r = c.reply()) {
                assertEquals("+OK\r\n", r, "command " + (answered + 1));
                answered++;
            }
        }
        try (KvsServer again = start()) {
            for (int i = 1; i <= answered; i++) {
                byte[] v = again.store().get(key(i));
                assertNotNull(v, "k" + i + " was answered +OK");
                assertEquals(i % 10 == 0 ? large.length() : 1, v.length, "k" + i);
            }
            if (answered < n) {
                assertNull(again.store().get(key(answered + 1)), "k" + (answered + 1) + " was not answered");
            }
        }
    }
}
