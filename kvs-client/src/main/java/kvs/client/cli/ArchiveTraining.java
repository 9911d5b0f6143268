package kvs.client.cli;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import kvs.common.Frames;
import kvs.proto.Done;
import kvs.proto.NotFound;
import kvs.proto.Request;
import kvs.proto.Response;
import kvs.proto.Value;

/**
 * The training run behind {@code bin/kvs-client}'s class-data-sharing archive: runs {@code set},
 * {@code get} and {@code rm} through the real command line against a stand-in server on a loopback
 * port, so that the JVM, started with {@code -XX:ArchiveClassesAtExit}, archives every class a
 * one-shot command loads, whatever command the user happens to run first.
 *
 * <p>Exits 0 if every command behaved; the launcher keeps the archive only then.
 */
public final class ArchiveTraining {

    private ArchiveTraining() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        try (ServerSocket listener = new ServerSocket(0, 4, InetAddress.getLoopbackAddress())) {
            Thread server = new Thread(() -> serve(listener), "stand-in-server");
            server.setDaemon(true);
            server.start();
            String addr = "127.0.0.1:" + listener.getLocalPort();
            int failures = 0;
            // The plain commands, which run without picocli (OneShot)...
            failures += run(0, "set", "key", "value", "--addr", addr);
            failures += run(0, "get", "key", "--addr", addr);
            failures += run(1, "rm", "key", "--addr", addr);
            // ...and through picocli: any other option, and a usage error.
            failures += run(0, "get", "--key-hex", "6b6579", "--addr", addr);
            failures += run(2, "get", "--addr", addr);
            System.exit(failures == 0 ? 0 : 1);
        }
    }

    private static int run(int expected, String... args) {
        PrintStream discard = new PrintStream(OutputStream.nullOutputStream());
        int code = ClientMain.run(args, new ByteArrayInputStream(new byte[0]), discard, discard);
        return code == expected ? 0 : 1;
    }

    /** Answers set with Done, get with a value, rm with NotFound, one connection at a time. */
    private static void serve(ServerSocket listener) {
        while (!listener.isClosed()) {
            try (Socket s = listener.accept()) {
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                for (byte[] frame = Frames.read(in, 1 << 20); frame != null;
                        frame = Frames.read(in, 1 << 20)) {
                    Request r = Request.parseFrom(frame);
                    Response.Builder b = Response.newBuilder().setId(r.getId());
                    switch (r.getCommandCase()) {
                        case GET -> b.setValue(Value.newBuilder().setValue(r.getGet().getKey()));
                        case RM -> b.setNotFound(NotFound.getDefaultInstance());
                        default -> b.setDone(Done.getDefaultInstance());
                    }
                    Frames.write(out, b.build());
                    out.flush();
                }
            } catch (IOException e) {
                return;
            }
        }
    }
}
