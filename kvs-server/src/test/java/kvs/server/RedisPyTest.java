package kvs.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import kvs.common.HostPort;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * redis-py, the Python client, against the RESP listener: the checks in
 * {@code redis-py-check.py} (commands, binary keys, a pipeline of 1,000). Skipped where python3
 * or redis-py ({@code apt-get install python3-redis}) is not installed.
 */
class RedisPyTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void redisPy_commandsAndPipeline() throws Exception {
        String python = pythonWithRedisPy();
        assumeTrue(python != null,
                "python3 with redis-py is not installed (apt-get install python3-redis): skipped");
        Path script = dir.resolve("redis-py-check.py");
        try (InputStream in = getClass().getResourceAsStream("/redis-py-check.py")) {
            Files.copy(in, script);
        }
        try (KvsServer server = KvsServer.start(ServerConfig.of(new HostPort("127.0.0.1", 0), dir.resolve("data"))
                .withRespAddress(new HostPort("127.0.0.1", 0)))) {
            Process p = new ProcessBuilder(python, script.toString(),
                    Integer.toString(server.respAddress().getPort())).redirectErrorStream(true).start();
            assertTrue(p.waitFor(40, TimeUnit.SECONDS), "redis-py finished in time");
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), out);
            assertEquals("OK", out.strip());
        }
    }

    /**
     * The first Python that has redis-py: the one on the PATH, else the system's (apt installs
     * python3-redis for /usr/bin/python3, which a pyenv or venv on the PATH may hide); or null.
     */
    private static String pythonWithRedisPy() throws Exception {
        for (String python : new String[] {"python3", "/usr/bin/python3"}) {
            try {
                Process p = new ProcessBuilder(python, "-c", "import redis").redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return python;
                }
            } catch (java.io.IOException e) {
                // not installed: try the next
            }
        }
        return null;
    }
}
