package kvs.server;

import static kvs.server.ServerTest.get;
import static kvs.server.ServerTest.set;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import kvs.common.Frames;
import kvs.common.HostPort;
import kvs.proto.ErrorCode;
import kvs.proto.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Shutdown and connection ends under pipelining: what is read is answered, nothing hangs. */
class ShutdownTest {

    @TempDir
    Path dir;

    private KvsServer start() throws IOException {
        return KvsServer.start(ServerConfig.of(new HostPort("127.0.0.1", 0), dir));
    }

    @Test
    void close_underContinuousPipelining_answersWhatItRead_andAppliesNothingMore() throws Exception {
        KvsServer server = start();
        long lastDone = 0;
        try (RawSocket c = new RawSocket(server.localAddress())) {
            Thread writer = new Thread(() -> {
                try {
                    for (long i = 1; i < 100_000; i++) {
                        c.send(set(i, "k" + i, "v"));
                        if (i % 50 == 0) {
                            // Paces the load (it waits for nothing): requests keep arriving
                            // while the server shuts down, rather than all at once before it.
                            Thread.sleep(1);
                        }
                    }
                } catch (IOException | InterruptedException e) {
                    // the server closed the connection
                }
            });
            writer.setDaemon(true);
            writer.start();
            assertEquals(1, c.read().getId());
            long start = System.nanoTime();
            Thread closer = new Thread(() -> {
                try {
                    server.close();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            closer.start();
            lastDone = 1;
            for (Response r = c.read(); r != null; r = c.read()) {
                assertEquals(Response.ResultCase.DONE, r.getResultCase(), "request " + r.getId()
                        + " was read before shutdown, and must be answered, not refused");
                assertEquals(lastDone + 1, r.getId());
                lastDone = r.getId();
            }
            closer.join(30_000);
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(8), "close took too long");
        }
        // Exactly the answered writes were applied: the next one was not.
        try (KvsServer again = start(); RawSocket c = new RawSocket(again.localAddress())) {
            assertEquals(Response.ResultCase.VALUE, c.call(get(1, "k" + lastDone)).getResultCase());
            assertEquals(Response.ResultCase.NOT_FOUND, c.call(get(2, "k" + (lastDone + 1))).getResultCase());
        }
    }

    @Test
    void clientResetWithQueuedRequests_doesNotHoldUpShutdown() throws Exception {
        KvsServer server = start();
        ByteArrayOutputStream burst = new ByteArrayOutputStream();
        for (int i = 1; i <= 20_000; i++) {
            Frames.write(burst, set(i, "k" + i, "v"));
        }
        try (RawSocket c = new RawSocket(server.localAddress())) {
            c.socket.setSoLinger(true, 0); // close with a reset
            c.send(burst.toByteArray());
            c.read();
        }
        long start = System.nanoTime();
        server.close();
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5),
                "close waited for requests of a connection that is gone");
    }

    @Test
    void framesAfterAMalformedOne_areNotApplied() throws IOException {
        try (KvsServer server = start()) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            Frames.write(b, set(1, "before", "1"));
            b.write(new byte[] {3, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF}); // a frame, not a message
            Frames.write(b, set(3, "after", "applied"));
            try (RawSocket c = new RawSocket(server.localAddress())) {
                c.send(b.toByteArray());
                assertEquals(Response.ResultCase.DONE, c.read().getResultCase());
                Response error = c.read();
                assertEquals(0, error.getId());
                assertEquals(ErrorCode.BAD_REQUEST, error.getError().getCode());
                assertNull(c.read());
            }
            try (RawSocket c = new RawSocket(server.localAddress())) {
                assertEquals(Response.ResultCase.NOT_FOUND, c.call(get(9, "after")).getResultCase());
                assertEquals(Response.ResultCase.VALUE, c.call(get(10, "before")).getResultCase());
            }
        }
    }
}
