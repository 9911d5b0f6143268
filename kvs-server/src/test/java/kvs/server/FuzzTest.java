package kvs.server;

import static kvs.server.ServerTest.get;
import static kvs.server.ServerTest.rm;
import static kvs.server.ServerTest.set;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import kvs.common.Frames;
import kvs.common.HostPort;
import kvs.proto.Request;
import kvs.proto.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random and mutated frames from a seeded generator, each case on its own connection: the server
 * must stay up, answer only with well-formed responses, keep serving another connection, and
 * leave stored data alone. Bounded: a fixed number of cases.
 */
class FuzzTest {

    private static final long SEED = 20261126L;
    private static final int CASES = 600;

    @TempDir
    Path dir;
    KvsServer server;

    @BeforeEach
    void start() throws IOException {
        server = KvsServer.start(ServerConfig.of(new HostPort("127.0.0.1", 0), dir)
                .withMaxValueBytes(64 * 1024));
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
    }

    @Test
    void randomAndMutatedFrames_neverHurtTheServerOrItsData() throws IOException {
        Random rnd = new Random(SEED);
        try (RawSocket watch = new RawSocket(server.localAddress())) {
            for (int i = 0; i < 10; i++) {
                watch.call(set(i, "canary-" + i, "value-" + i));
            }
            for (int n = 0; n < CASES; n++) {
                byte[] input = generate(rnd);
                try {
                    exchange(input);
                } catch (IOException | RuntimeException e) {
                    fail("case " + n + " (seed " + SEED + ", input " + Arrays.toString(input) + "): " + e);
                }
                if (n % 50 == 49) {
                    checkCanaries(watch, n);
                }
            }
            checkCanaries(watch, CASES);
        }
    }

    /** Sends the bytes, half-closes, and reads whatever comes back until the server closes. */
    private void exchange(byte[] input) throws IOException {
        try (RawSocket c = new RawSocket(server.localAddress())) {
            c.socket.setSoTimeout(5000);
            try {
                c.send(input);
                c.socket.shutdownOutput();
            } catch (IOException closedFirst) {
                return; // the server refused the stream before we finished writing: fine
            }
            for (int i = 0; i < 1000; i++) {
                byte[] frame;
                try {
                    frame = Frames.read(c.in, Integer.MAX_VALUE - 8);
                } catch (SocketTimeoutException e) {
                    throw new IOException("the server neither answered nor closed within 5 s", e);
                } catch (java.net.SocketException reset) {
                    return;
                }
                if (frame == null) {
                    return;
                }
                Response.parseFrom(frame); // every answer must be a well-formed response
            }
        }
    }

    private static void checkCanaries(RawSocket watch, int n) throws IOException {
        for (int i = 0; i < 10; i++) {
            Response r = watch.call(get(100 + i, "canary-" + i));
            assertEquals("value-" + i, r.getValue().getValue().toStringUtf8(), "after case " + n);
        }
    }

    private static byte[] generate(Random rnd) {
        return switch (rnd.nextInt(5)) {
            case 0 -> randomBytes(rnd, rnd.nextInt(300));
            case 1 -> mutate(rnd, validFrames(rnd));
            case 2 -> {
                byte[] v = validFrames(rnd);
                yield Arrays.copyOf(v, rnd.nextInt(v.length + 1)); // cut anywhere
            }
            case 3 -> {
                byte[] body = randomBytes(rnd, rnd.nextInt(50));
                byte[] prefix = {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) rnd.nextInt(16)};
                byte[] all = Arrays.copyOf(prefix, prefix.length + body.length);
                System.arraycopy(body, 0, all, prefix.length, body.length);
                yield all; // a huge length prefix
            }
            default -> {
                // A valid frame whose message is random bytes.
                byte[] body = randomBytes(rnd, rnd.nextInt(100));
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                out.write(body.length);
                out.writeBytes(body);
                yield body.length < 128 ? out.toByteArray() : body;
            }
        };
    }

    /** One to three well-formed requests on "fuzz-" keys. */
    private static byte[] validFrames(Random rnd) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0, n = 1 + rnd.nextInt(3); i < n; i++) {
            String key = "fuzz-" + rnd.nextInt(20);
            Request r = switch (rnd.nextInt(3)) {
                case 0 -> set(i, key, "x".repeat(rnd.nextInt(40)));
                case 1 -> get(i, key);
                default -> rm(i, key);
            };
            out.writeBytes(Frames.encode(r));
        }
        return out.toByteArray();
    }

    private static byte[] mutate(Random rnd, byte[] in) {
        byte[] b = in.clone();
        for (int i = 0, n = 1 + rnd.nextInt(4); i < n && b.length > 0; i++) {
            int at = rnd.nextInt(b.length);
            switch (rnd.nextInt(3)) {
                case 0 -> b[at] ^= (byte) (1 << rnd.nextInt(8));
                case 1 -> b[at] = (byte) rnd.nextInt(256);
                default -> {
                    byte[] shorter = new byte[b.length - 1];
                    System.arraycopy(b, 0, shorter, 0, at);
                    System.arraycopy(b, at + 1, shorter, at, b.length - at - 1);
                    b = shorter;
                }
            }
        }
        return b;
    }

    private static byte[] randomBytes(Random rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }
}
