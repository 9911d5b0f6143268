package kvs.dist;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import kvs.client.KvsClient;
import kvs.common.HostPort;
import kvs.dist.Shell.Result;
import kvs.dist.Shell.Server;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/kvs-server and bin/kvs-client in a source checkout: a build while a server runs must not
 * change the jar that server runs from (it would fail with NoClassDefFoundError at its next
 * class load), and a launcher that waits for another's build says so.
 *
 * <p>The checkout is a stand-in: the real launchers, the jars this build made in their places,
 * one source file, and an {@code mvn} that "builds" by copying those jars anew (the real build
 * takes a minute, and is what every other test here runs on).
 */
class LauncherIT {

    @TempDir
    Path tmp;
    Path checkout;
    Path source;
    Path mvnLog;
    Shell shell;

    @BeforeEach
    void checkout() throws IOException, InterruptedException {
        // The checkout layout's locks are flock(1)'s (util-linux); without it there is nothing to test.
        assumeTrue(new ProcessBuilder("sh", "-c", "command -v flock").start().waitFor() == 0, "flock(1) is needed");
        Path real = Path.of(System.getProperty("kvs.root")).toRealPath();
        checkout = tmp.resolve("checkout");
        for (String launcher : new String[] {"kvs-server", "kvs-client", "kvs-env.sh"}) {
            Files.createDirectories(checkout.resolve("bin"));
            Files.copy(real.resolve("bin").resolve(launcher), checkout.resolve("bin").resolve(launcher));
        }
        source = checkout.resolve("kvs-common/src/main/java/A.java");
        Files.createDirectories(source.getParent());
        Files.writeString(source, "class A {}\n");
        Files.setLastModifiedTime(source, FileTime.fromMillis(System.currentTimeMillis() - 3_600_000));

        mvnLog = tmp.resolve("mvn.log");
        String build = "set -e; echo \"mvn $*\" >> '" + mvnLog + "'\n"
                + "mkdir -p kvs-server/target kvs-client/target\n"
                + "cp '" + real.resolve("kvs-server/target/kvs-server.jar") + "' kvs-server/target/\n"
                + "cp '" + real.resolve("kvs-client/target/kvs-client.jar") + "' kvs-client/target/\n"
                + "rm -rf kvs-client/target/bench-lib kvs-client/target/shell-lib\n"
                + "cp -R '" + real.resolve("kvs-client/target/bench-lib") + "' kvs-client/target/\n"
                + "cp -R '" + real.resolve("kvs-client/target/shell-lib") + "' kvs-client/target/";
        Shell.script(tmp.resolve("fakes/mvn"), build);
        shell = new Shell(Files.createDirectories(tmp.resolve("cwd")), env());
    }

    private Map<String, String> env() {
        return Map.of("PATH", tmp.resolve("fakes") + ":" + System.getenv("PATH"),
                "JAVA_HOME", System.getProperty("java.home"));
    }

    private Path launcher(String name) {
        return checkout.resolve("bin").resolve(name);
    }

    private Path current() throws IOException {
        return checkout.resolve("target/run/current").toRealPath();
    }

    /**
     * Makes the checkout's source newer than its jars, as an edit would: 2 s ahead of now, so
     * newer than jars the stand-in mvn copies now too; one launcher run follows each edit.
     */
    private void editSource() throws IOException {
        Files.setLastModifiedTime(source, FileTime.fromMillis(System.currentTimeMillis() + 2_000));
    }

    @Test
    void aRebuildLeavesTheRunningServersJarAlone() throws Exception {
        Result first = shell.run(launcher("kvs-client").toString(), "--version");
        assertEquals(0, first.code(), first.toString());
        assertTrue(first.err().contains("kvs: building"), first.toString());
        assertEquals(1, Files.readAllLines(mvnLog).size());

        try (Server server = shell.startServer(launcher("kvs-server").toString(),
                "--addr", "127.0.0.1:0", "--dir", tmp.resolve("data").toString())) {
            Path serverBuild = current();
            Path serverJar = serverBuild.resolve("kvs-server.jar");
            FileTime jarTime = Files.getLastModifiedTime(serverJar);
            long jarSize = Files.size(serverJar);

            editSource();
            Result afterEdit = shell.run(launcher("kvs-client").toString(), "set", "k", "v",
                    "--addr", server.addr());
            assertEquals(0, afterEdit.code(), afterEdit.toString());
            assertEquals(2, Files.readAllLines(mvnLog).size(), "the edit is built");
            assertNotEquals(serverBuild, current(), "the new build runs from a new directory");

            // The running server's directory is kept, its jar as it was, and the server works
            // on, loading classes it had not needed yet (a compaction's, the stats').
            assertEquals(jarTime, Files.getLastModifiedTime(serverJar));
            assertEquals(jarSize, Files.size(serverJar));
            try (KvsClient kvs = KvsClient.connect(HostPort.parse(server.addr()))) {
                assertEquals("v", new String(kvs.get("k".getBytes(UTF_8)), UTF_8));
                kvs.compact();
                assertTrue(kvs.stats().containsKey("compactions"));
            }
            assertEquals(0, server.stop());

            // Nothing holds the old directory now: the next build removes it.
            editSource();
            Result again = shell.run(launcher("kvs-client").toString(), "--version");
            assertEquals(0, again.code(), again.toString());
            assertFalse(Files.exists(serverBuild), "an unused build directory is removed");
            assertTrue(Files.isRegularFile(current().resolve("kvs-server.jar")));
        }
    }

    @Test
    void aLauncherWaitingForAnothersBuildSaysSo() throws Exception {
        Files.createDirectories(checkout.resolve("target"));
        Path lock = checkout.resolve("target/.kvs-build.lock");
        // Another launcher's build, as far as the lock tells: flock(1) holds it until told.
        Process holder = new ProcessBuilder("flock", lock.toString(), "sh", "-c", "echo locked; read line")
                .redirectErrorStream(true).start();
        Path err = tmp.resolve("waiting.err");
        Process waiting = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(holder.getInputStream(), UTF_8))) {
            assertEquals("locked", r.readLine());
            ProcessBuilder b = new ProcessBuilder(launcher("kvs-client").toString(), "--version")
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(err.toFile());
            b.environment().putAll(env());
            waiting = b.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.readString(err, UTF_8).contains("waiting") && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals("kvs: waiting for another launcher's build to finish ...\n", Files.readString(err, UTF_8));
            assertTrue(waiting.isAlive(), "it waits");
            holder.getOutputStream().write('\n');
            holder.getOutputStream().flush();
            assertTrue(waiting.waitFor(120, TimeUnit.SECONDS));
            assertEquals(0, waiting.exitValue(), Files.readString(err, UTF_8));
            assertTrue(Files.readString(err, UTF_8).startsWith(
                    "kvs: waiting for another launcher's build to finish ...\nkvs: building"));
        } finally {
            holder.destroyForcibly();
            if (waiting != null) {
                waiting.destroyForcibly();
            }
        }
    }
}
