package kvs.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import kvs.dist.Shell.Result;
import kvs.dist.Shell.Server;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution archive as a user installs it: unpacked, moved elsewhere, its launchers
 * linked into another directory, run with a JDK alone (a failing {@code mvn} first on PATH
 * proves that nothing is built).
 */
class DistributionIT {

    @TempDir
    Path tmp;
    Path home;
    Path mvnCalled;
    Shell shell;

    @BeforeEach
    void unpack() throws IOException, InterruptedException {
        Path archive = Path.of(System.getProperty("kvs.dist"));
        assertTrue(Files.isRegularFile(archive), "mvn package makes " + archive);
        Path unpacked = Files.createDirectories(tmp.resolve("unpacked"));
        Shell plain = new Shell(tmp, Map.of());
        Result tar = plain.run("tar", "-xzf", archive.toString(), "-C", unpacked.toString());
        assertEquals(0, tar.code(), tar.toString());
        String top = "kvs-" + System.getProperty("kvs.version");
        // Relocatable: moved after unpacking, it runs from where it is now.
        home = Files.move(unpacked.resolve(top), Files.createDirectories(tmp.resolve("opt")).resolve(top));

        mvnCalled = tmp.resolve("mvn-called");
        Path fakes = tmp.resolve("fakes");
        Shell.script(fakes.resolve("mvn"), "touch '" + mvnCalled + "'; exit 1");
        Path links = Files.createDirectories(tmp.resolve("links"));
        Files.createSymbolicLink(links.resolve("kvs-client"), home.resolve("bin/kvs-client"));
        shell = new Shell(Files.createDirectories(tmp.resolve("cwd")), Map.of(
                "PATH", fakes + ":" + System.getenv("PATH"),
                "JAVA_HOME", System.getProperty("java.home"),
                "HOME", tmp.toString()));
    }

    @Test
    void unpackedArchiveServesSetGetRmWithoutBuilding() throws Exception {
        for (String file : new String[] {"bin/kvs-server", "bin/kvs-client", "lib/kvs-server.jar",
            "lib/kvs-client.jar", "README.md", "LICENSE", "docs/FORMAT.md", "docs/OPERATIONS.md"}) {
            assertTrue(Files.isRegularFile(home.resolve(file)), file);
        }
        assertTrue(Files.isExecutable(home.resolve("bin/kvs-server")));

        String client = tmp.resolve("links/kvs-client").toString();
        try (Server server = shell.startServer(home.resolve("bin/kvs-server").toString(),
                "--addr", "127.0.0.1:0", "--dir", tmp.resolve("data").toString())) {
            String addr = server.addr();
            assertEquals(new Result(0, "", ""), shell.run(client, "set", "greeting", "hello", "--addr", addr));
            assertEquals(new Result(0, "hello\n", ""), shell.run(client, "get", "greeting", "--addr", addr));
            assertEquals(new Result(0, "", ""), shell.run(client, "rm", "greeting", "--addr", addr));
            assertEquals(new Result(0, "Key not found\n", ""), shell.run(client, "get", "greeting", "--addr", addr));
            assertEquals(3, shell.run(client, "get", "greeting", "--raw", "--addr", addr).code());
            // A collector chosen for the JVMs replaces the launcher's, not added to it.
            Shell parallel = new Shell(tmp.resolve("cwd"), Map.of("PATH", tmp.resolve("fakes") + ":" + System.getenv("PATH"),
                    "JAVA_HOME", System.getProperty("java.home"), "HOME", tmp.toString(),
                    "KVS_JAVA_OPTS", "-XX:+UseParallelGC"));
            assertEquals(new Result(0, "Key not found\n", ""), parallel.run(client, "get", "greeting", "--addr", addr));

            // bench runs on its own class path (lib/bench): proof that it is wired.
            Result bench = shell.run(client, "bench", "--requests", "300", "--quiet", "--addr", addr);
            assertEquals(0, bench.code(), bench.toString());
            assertTrue(bench.out().contains("errors: 0"), bench.toString());

            // The shell, its input piped: lib/shell is on its class path, one command a line.
            Path lines = Files.writeString(tmp.resolve("shell-input"), "set s 'in a shell'\nget s\nexit\n");
            Result shellRun = shell.run("sh", "-c", "\"$0\" shell --addr " + addr + " < '" + lines + "'", client);
            assertEquals(0, shellRun.code(), shellRun.toString());
            assertTrue(shellRun.out().contains("in a shell\n"), shellRun.toString());

            // The jar alone (no lib/bench on its class path) says what bench needs.
            Result bare = shell.run(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                    home.resolve("lib/kvs-client.jar").toString(), "bench", "--requests", "10", "--addr", addr);
            assertEquals(1, bare.code(), bare.toString());
            assertTrue(bare.err().contains("run it as 'bin/kvs-client bench'"), bare.toString());

            assertEquals(0, server.stop());
        }
        Result version = shell.run(client, "--version");
        assertTrue(version.out().startsWith("kvs-client " + System.getProperty("kvs.version")), version.toString());
        assertFalse(Files.exists(mvnCalled), "an installed launcher must not build");
        assertFalse(Files.exists(home.resolve("target")), "an installed launcher must not build");
    }

    @Test
    void javaOlderThan17IsRefusedByName() throws Exception {
        Path old = tmp.resolve("jdk-11");
        Shell.script(old.resolve("bin/java"), "echo 'this old java must not run' >&2; exit 99");
        Files.writeString(old.resolve("release"), "IMPLEMENTOR=\"Someone\"\nJAVA_VERSION=\"11.0.2\"\n");
        String refused = "kvs-server: " + old.resolve("bin/java") + " is Java 11; kvs needs Java 17 or newer"
                + " (set JAVA_HOME to one)\n";
        Path server = home.resolve("bin/kvs-server");

        Result inJavaHome = new Shell(tmp, Map.of("JAVA_HOME", old.toString())).run(server.toString(), "--version");
        assertEquals(new Result(1, "", refused), inJavaHome);

        Result onPath = new Shell(tmp, Map.of("JAVA_HOME", "", "PATH", old.resolve("bin") + ":" + System.getenv("PATH")))
                .run(server.toString(), "--version");
        assertEquals(new Result(1, "", refused), onPath);

        // Java 8 says 1.8.0 and keeps its java in jre/bin/.
        Path jre8 = tmp.resolve("jdk-8");
        Shell.script(jre8.resolve("jre/bin/java"), "echo 'this old java must not run' >&2; exit 99");
        Files.writeString(jre8.resolve("release"), "JAVA_VERSION=\"1.8.0_402\"\n");
        Result java8 = new Shell(tmp, Map.of("JAVA_HOME", "", "PATH", jre8.resolve("jre/bin") + ":" + System.getenv("PATH")))
                .run(server.toString(), "--version");
        assertEquals(new Result(1, "", "kvs-server: " + jre8.resolve("jre/bin/java") + " is Java 8; kvs needs Java 17"
                + " or newer (set JAVA_HOME to one)\n"), java8);
    }
}
