import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Resident memory of a kvs server while N connections each hold half of a large request
 * (docs/BENCHMARKS.md, "Memory held by unfinished requests"). Run by pending-rss.sh with the
 * server's pid and port; a single-file program (java PendingRss.java), with no dependencies: the
 * request frame is written by hand.
 *
 * Prints VmRSS before, once the halves are sent (or the server stopped taking them), and the
 * round trip of a ping sent on another connection meanwhile.
 */
public final class PendingRss {

    public static void main(String[] args) throws Exception {
        long pid = Long.parseLong(args[0]);
        int port = Integer.parseInt(args[1]);
        int connections = Integer.parseInt(args[2]);
        int valueBytes = Integer.parseInt(args[3]);
        long before = rssKib(pid);
        byte[] frame = setFrame(valueBytes);
        int half = frame.length / 2;
        List<Socket> sockets = new ArrayList<>();
        CountDownLatch sent = new CountDownLatch(connections);
        for (int i = 0; i < connections; i++) {
            Socket s = new Socket();
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            sockets.add(s);
            Thread t = new Thread(() -> {
                try {
                    OutputStream out = s.getOutputStream();
                    out.write(frame, 0, half);
                    out.flush();
                    sent.countDown();
                } catch (IOException e) {
                    // closed at the end
                }
            });
            t.setDaemon(true);
            t.start();
        }
        // Paused connections never finish their half: wait for those that can, at most 60 s.
        sent.await(60, TimeUnit.SECONDS);
        long done = connections - sent.getCount();
        // Let the server take what is in flight: poll RSS until it moves less than 1 MiB in 1 s.
        long after = rssKib(pid);
        for (int i = 0; i < 30; i++) {
            TimeUnit.SECONDS.sleep(1);
            long now = rssKib(pid);
            if (Math.abs(now - after) < 1024) {
                after = now;
                break;
            }
            after = now;
        }
        long pingNanos = ping(port);
        System.out.printf("connections %d, each sending half of a %d-byte request (%d bytes);"
                + " halves fully sent: %d%n", connections, frame.length, half, done);
        System.out.printf("server VmRSS before: %d MiB, after: %d MiB, added: %d MiB%n",
                before / 1024, after / 1024, (after - before) / 1024);
        System.out.printf("ping on another connection meanwhile: %.1f ms%n", pingNanos / 1e6);
        for (Socket s : sockets) {
            s.close();
        }
    }

    static long rssKib(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IOException("no VmRSS for pid " + pid);
    }

    /** Request{id: 1, set: Set{key: "k", value: valueBytes zero bytes}}, length-prefixed. */
    static byte[] setFrame(int valueBytes) {
        java.io.ByteArrayOutputStream set = new java.io.ByteArrayOutputStream();
        set.write(0x0A); // Set.key, length-delimited
        varint(set, 1);
        set.write('k');
        set.write(0x12); // Set.value
        varint(set, valueBytes);
        set.writeBytes(new byte[valueBytes]);
        java.io.ByteArrayOutputStream request = new java.io.ByteArrayOutputStream();
        request.write(0x08); // Request.id
        varint(request, 1);
        request.write(0x12); // Request.set
        varint(request, set.size());
        request.writeBytes(set.toByteArray());
        java.io.ByteArrayOutputStream frame = new java.io.ByteArrayOutputStream();
        varint(frame, request.size());
        frame.writeBytes(request.toByteArray());
        return frame.toByteArray();
    }

    /** The round trip of Request{id: 2, ping: {}} on a new connection. */
    static long ping(int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(30_000);
            long start = System.nanoTime();
            s.getOutputStream().write(new byte[] {4, 0x08, 0x02, 0x32, 0x00});
            byte[] head = s.getInputStream().readNBytes(3); // 04 08 02, then Done
            if (head.length < 3) {
                throw new IOException("no answer to the ping");
            }
            return System.nanoTime() - start;
        }
    }

    private static void varint(java.io.ByteArrayOutputStream out, long v) {
        while (v >= 0x80) {
            out.write((int) (v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out.write((int) v);
    }
}
