package kvs.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code kvs-server} as a real child process on an ephemeral port, for tests that signal or kill
 * it. Its stderr is collected; the port is read from its start-up log line.
 */
final class ServerProcess implements AutoCloseable {

    private static final Pattern LISTENING = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");

    final Process process;
    final InetSocketAddress address;
    private final List<String> log = new ArrayList<>();
    private final CompletableFuture<Integer> port = new CompletableFuture<>();
    private final Thread reader;

    private ServerProcess(Process process) throws IOException {
        this.process = process;
        reader = new Thread(this::readLog, "server-stderr");
        reader.setDaemon(true);
        reader.start();
        try {
            address = new InetSocketAddress("127.0.0.1", port.get(30, TimeUnit.SECONDS));
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            process.destroyForcibly();
            throw new IOException("server did not start; its log: " + log(), e);
        }
    }

    static ServerProcess start(Path dir, String... extraArgs) throws IOException {
        return startWithHeap("256m", dir, extraArgs);
    }

    /** With a heap (and so direct memory) of {@code heap}, e.g. "64m". */
    static ServerProcess startWithHeap(String heap, Path dir, String... extraArgs) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Xmx" + heap,
                ServerMain.class.getName(), "--addr", "127.0.0.1:0", "--dir", dir.toString()));
        cmd.addAll(List.of(extraArgs));
        return new ServerProcess(new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start());
    }

    private void readLog() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getErrorStream(),
                StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                synchronized (log) {
                    log.add(line);
                }
                Matcher m = LISTENING.matcher(line);
                if (m.find()) {
                    port.complete(Integer.parseInt(m.group(1)));
                }
            }
        } catch (IOException | RuntimeException e) {
            synchronized (log) {
                log.add("(reading the log failed: " + e + ")");
            }
            port.completeExceptionally(e);
        }
        port.completeExceptionally(new IOException("server exited before listening"));
    }

    String log() {
        synchronized (log) {
            return String.join("\n", log);
        }
    }

    /** Waits for the process to exit and returns its exit code. */
    int waitFor(long seconds) throws InterruptedException, IOException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("server did not exit within " + seconds + " s; its log: " + log());
        }
        reader.join(TimeUnit.SECONDS.toMillis(seconds));
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }
}
