package kvs.server;

import static kvs.server.ServerTest.get;
import static kvs.server.ServerTest.set;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import kvs.proto.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The server as a real process: signals, exit codes, data across restarts. */
class ServerProcessTest {

    @TempDir
    Path dir;

    @Test
    void sigterm_stopsCleanly_exit0_andDataSurvivesRestart() throws Exception {
        try (ServerProcess server = ServerProcess.start(dir)) {
            assertTrue(server.log().contains("(0 keys, opened in"), server.log());
            try (RawSocket c = new RawSocket(server.address)) {
                assertEquals(Response.ResultCase.DONE, c.call(set(1, "a", "1")).getResultCase());
            }
            server.process.toHandle().destroy(); // SIGTERM; Process.destroy() would close its pipes
            assertEquals(0, server.waitFor(30), server.log());

            assertTrue(server.log().contains("SIGTERM: shutting down"), server.log());
        }
        try (ServerProcess server = ServerProcess.start(dir)) {
            assertTrue(server.log().contains("(1 key, opened in"), server.log());
            try (RawSocket c = new RawSocket(server.address)) {
                assertEquals("1", c.call(get(1, "a")).getValue().getValue().toStringUtf8());
            }
        }
    }

    @Test
    void sigint_stopsCleanly_exit0() throws Exception {
        try (ServerProcess server = ServerProcess.start(dir)) {
            Process kill = new ProcessBuilder("kill", "-INT", Long.toString(server.process.pid()))
                    .inheritIO().start();
            assertEquals(0, kill.waitFor());
            assertEquals(0, server.waitFor(30), server.log());
            assertTrue(server.log().contains("SIGINT: shutting down"), server.log());
            assertTrue(server.log().contains("kvs-server stopped"), server.log());
        }
    }

    @Test
    void kill9_keepsAcknowledgedWrites() throws Exception {
        try (ServerProcess server = ServerProcess.start(dir)) {
            try (RawSocket c = new RawSocket(server.address)) {
                for (int i = 0; i < 100; i++) {
                    assertEquals(Response.ResultCase.DONE, c.call(set(i, "k" + i, "v" + i)).getResultCase());
                }
            }
            server.process.toHandle().destroyForcibly(); // SIGKILL
            server.waitFor(30);
        }
        try (ServerProcess server = ServerProcess.start(dir);
                RawSocket c = new RawSocket(server.address)) {
            for (int i = 0; i < 100; i++) {
                assertEquals("v" + i, c.call(get(i, "k" + i)).getValue().getValue().toStringUtf8());
            }
        }
    }

    @Test
    void salvage_startsADamagedStore_keepingEveryGoodRecord() throws Exception {
        try (kvs.store.Store s = kvs.store.Store.open(dir)) {
            for (int i = 0; i < 10; i++) {
                s.set(("k" + i).getBytes(), ("v" + i).getBytes());
            }
        }
        java.nio.file.Files.delete(dir.resolve("000000001.hint"));
        java.nio.file.Path data = dir.resolve("000000001.data");
        byte[] bytes = java.nio.file.Files.readAllBytes(data);
        bytes[8 + 21 + 1] ^= 1; // the value of k0
        java.nio.file.Files.write(data, bytes);
        try (ServerProcess server = ServerProcess.start(dir, "--salvage");
                RawSocket c = new RawSocket(server.address)) {
            assertEquals(Response.ResultCase.NOT_FOUND, c.call(get(1, "k0")).getResultCase());
            for (int i = 1; i < 10; i++) {
                assertEquals("v" + i, c.call(get(i + 1, "k" + i)).getValue().getValue().toStringUtf8());
            }
            assertTrue(server.log().contains("salvage"), server.log());
        }
    }

    /**
     * Fails fast if the lock is not taken: the second server would then start and run, so the
     * wait on it is bounded and its stderr is read on the side, never to end of stream first.
     */
    @Test
    void secondServerOnSameDir_exitsNonZero_namingTheDirectory() throws Exception {
        try (ServerProcess first = ServerProcess.start(dir)) {
            Process second = new ProcessBuilder(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), ServerMain.class.getName(),
                    "--addr", "127.0.0.1:0", "--dir", dir.toString())
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try {
                StringBuffer err = new StringBuffer();
                CompletableFuture<Void> listening = new CompletableFuture<>();
                Thread reader = new Thread(() -> {
                    try (BufferedReader r = second.errorReader(StandardCharsets.UTF_8)) {
                        for (String line = r.readLine(); line != null; line = r.readLine()) {
                            err.append(line).append('\n');
                            if (line.contains("listening on")) {
                                listening.complete(null);
                            }
                        }
                    } catch (IOException e) {
                        err.append("(reading its stderr failed: ").append(e).append(")\n");
                    }
                }, "second-server-stderr");
                reader.setDaemon(true);
                reader.start();
                // Whichever comes first: the exit we expect, or the start we must not see.
                CompletableFuture.anyOf(second.onExit(), listening).get(30, TimeUnit.SECONDS);
                assertFalse(listening.isDone(), "a second server started on a directory in use: " + err);
                assertTrue(second.waitFor(10, TimeUnit.SECONDS), "did not exit: " + err);
                reader.join(TimeUnit.SECONDS.toMillis(10));
                assertEquals(1, second.exitValue(), err.toString());
                assertTrue(err.toString().contains(dir.toString()) && err.toString().contains("in use"),
                        err.toString());
            } finally {
                second.destroyForcibly();
            }
        }
    }

    /** {@code --log-file}: the log goes there, appended run after run; nothing goes to stderr. */
    @Test
    void logFile_getsTheLog_appendedAcrossRuns_stderrStaysEmpty() throws Exception {
        Path log = dir.resolve("kvs.log");
        Path stderr = dir.resolve("stderr.txt");
        for (int run = 1; run <= 2; run++) {
            Process p = new ProcessBuilder(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), ServerMain.class.getName(),
                    "--addr", "127.0.0.1:0", "--dir", dir.resolve("data").toString(),
                    "--log-file", log.toString())
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(stderr.toFile()).start();
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (count(log, "listening on") < run && p.isAlive() && System.nanoTime() < deadline) {
                    p.waitFor(20, TimeUnit.MILLISECONDS); // a bounded poll of the log file
                }
                assertEquals(run, count(log, "listening on"), "run " + run + ": " + read(log) + read(stderr));
                p.destroy(); // SIGTERM
                assertTrue(p.waitFor(30, TimeUnit.SECONDS), "did not stop: " + read(log));
                assertEquals(0, p.exitValue(), read(log) + read(stderr));
            } finally {
                p.destroyForcibly();
            }
            assertEquals(run, count(log, "INFO  kvs-server stopped"), read(log));
            assertEquals("", read(stderr));
        }
    }

    /**
     * {@code --pid-file} in a real process: the file holds the process's PID while it runs, a
     * second server naming the same file is refused, and SIGTERM removes the file.
     */
    @Test
    @Timeout(120)
    void pidFile_heldWhileRunning_secondServerRefused_removedOnSigterm() throws Exception {
        Path pid = dir.resolve("kvs.pid");
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                ServerProcess server = ServerProcess.start(dir.resolve("data"), "--pid-file", pid.toString())) {
            assertEquals(server.process.pid() + "\n", java.nio.file.Files.readString(pid));

            CommandLine second = ServerMain.commandLine();
            StringWriter err = new StringWriter();
            second.setErr(new PrintWriter(err, true));
            Path otherData = dir.resolve("other");
            // On a port taken: were the PID file not checked first, this would fail too (in use),
            // with another message, rather than start a server no one stops.
            assertEquals(1, second.execute("--pid-file", pid.toString(), "--addr", "127.0.0.1:"
                    + taken.getLocalPort(), "--dir", otherData.toString()));
            assertEquals("kvs-server: PID file " + pid + " names PID " + server.process.pid() + ", a"
                    + " kvs-server that is running: stop it first (kill -TERM " + server.process.pid()
                    + "), or choose another --pid-file", err.toString().strip());
            assertFalse(java.nio.file.Files.exists(otherData), "refused before it created anything");

            server.process.toHandle().destroy(); // SIGTERM
            assertEquals(0, server.waitFor(30), server.log());
            assertFalse(java.nio.file.Files.exists(pid), server.log());
        }
    }

    /**
     * {@code --config} in a real process: the file's settings apply (its pid-file is written),
     * and the command line's flags win over the file's (the address and the data directory).
     */
    @Test
    @Timeout(120)
    void configFile_itsSettingsApply_andFlagsWinOverIt() throws Exception {
        Path pid = dir.resolve("kvs.pid");
        Path fileDir = dir.resolve("data-from-file");
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Path conf = java.nio.file.Files.writeString(dir.resolve("kvs.conf"), "# from the file\n"
                    + "addr = 127.0.0.1:" + taken.getLocalPort() + "\ndir = " + fileDir + "\npid-file = " + pid + "\n");
            Path data = dir.resolve("data");
            // ServerProcess gives --addr 127.0.0.1:0 and --dir: were the file's address taken, the
            // start would fail (in use).
            try (ServerProcess server = ServerProcess.start(data, "--config", conf.toString())) {
                assertTrue(server.log().contains("data in " + data), server.log());
                assertFalse(java.nio.file.Files.exists(fileDir), "--dir wins over the file's dir");
                assertEquals(server.process.pid() + "\n", java.nio.file.Files.readString(pid));
                server.process.toHandle().destroy(); // SIGTERM
                assertEquals(0, server.waitFor(30), server.log());
            }
        }
    }

    private static long count(Path file, String s) throws IOException {
        return read(file).lines().filter(l -> l.contains(s)).count();
    }

    private static String read(Path file) throws IOException {
        return java.nio.file.Files.exists(file) ? java.nio.file.Files.readString(file) : "";
    }
}
