package kvs.client.group;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import kvs.client.ClientOptions;
import kvs.client.KvsClient;
import kvs.common.HostPort;
import kvs.proto.ClusterStatusReply;

/**
 * A replicated group of kvs-server processes on 127.0.0.1, each with its own Raft and client
 * ports (chosen free) and data directory: for tests that kill, pause and restart members.
 */
final class Group implements AutoCloseable {

    final int size;
    final Path dir;
    final List<HostPort> clientAddresses = new ArrayList<>();
    final String peers;
    private final Process[] processes;
    private final List<String>[] logs;
    private final List<String> extraArgs;

    @SuppressWarnings("unchecked")
    Group(int size, Path dir, List<String> extraArgs) throws IOException {
        this.size = size;
        this.dir = dir;
        this.extraArgs = List.copyOf(extraArgs);
        this.processes = new Process[size];
        this.logs = new List[size];
        StringBuilder spec = new StringBuilder();
        for (int i = 0; i < size; i++) {
            HostPort client = new HostPort("127.0.0.1", freePort());
            clientAddresses.add(client);
            spec.append(i > 0 ? "," : "").append(id(i)).append("=127.0.0.1:").append(freePort()).append('/')
                    .append(client);
        }
        this.peers = spec.toString();
    }

    static String id(int i) {
        return "n" + (i + 1);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Starts member {@code i} (again, after a kill: on the same directory). */
    void start(int i) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Xmx256m", "kvs.server.ServerMain",
                "--addr", clientAddresses.get(i).toString(), "--dir", dir.resolve(id(i)).toString(),
                "--raft-id", id(i), "--raft-peers", peers));
        cmd.addAll(extraArgs);
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        List<String> log = java.util.Collections.synchronizedList(new ArrayList<>());
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    log.add(line);
                }
            } catch (IOException e) {
                log.add("(reading the log failed: " + e + ")");
            }
        }, "member-" + id(i) + "-stderr");
        reader.setDaemon(true);
        reader.start();
        processes[i] = p;
        logs[i] = log;
    }

    void startAll() throws IOException {
        for (int i = 0; i < size; i++) {
            start(i);
        }
    }

    /** kill -9 of member {@code i}, waiting for it to be gone. */
    void kill(int i) throws InterruptedException {
        processes[i].destroyForcibly();
        processes[i].waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGSTOP ({@code pause}) or SIGCONT of member {@code i}: a member that stops answering, and comes back. */
    void signal(int i, boolean pause) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", pause ? "-STOP" : "-CONT", Long.toString(processes[i].pid()))
                .redirectErrorStream(true).start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IOException("kill " + (pause ? "-STOP" : "-CONT") + " of member " + id(i) + " failed");
        }
    }

    /**
     * The index of the member that leads, as a member that answers says, once a leader takes
     * writes; waits up to {@code within}.
     */
    int awaitLeader(Duration within) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            for (int i = 0; i < size; i++) {
                if (processes[i] == null || !processes[i].isAlive()) {
                    continue;
                }
                try (KvsClient c = KvsClient.connect(clientAddresses.get(i),
                        new ClientOptions(Duration.ofMillis(500), Duration.ofSeconds(2)))) {
                    ClusterStatusReply s = c.clusterStatus();
                    if (s.getLeaderId().equals(id(i))) {
                        c.set("leader-probe".getBytes(StandardCharsets.UTF_8), new byte[] {1});
                        return i;
                    }
                } catch (IOException notYet) {
                    // starting, electing, or not the leader after all
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no leader within " + within + "; logs:\n" + logs());
    }

    String logs() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < size; i++) {
            b.append("--- ").append(id(i)).append(" ---\n");
            if (logs[i] != null) {
                synchronized (logs[i]) {
                    int from = Math.max(0, logs[i].size() - 40);
                    for (String line : logs[i].subList(from, logs[i].size())) {
                        b.append(line).append('\n');
                    }
                }
            }
        }
        return b.toString();
    }

    @Override
    public void close() throws InterruptedException {
        for (Process p : processes) {
            if (p != null) {
                p.destroyForcibly();
            }
        }
        for (Process p : processes) {
            if (p != null) {
                p.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }
}
