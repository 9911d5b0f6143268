package kvs.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
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
 * redis-cli used interactively, on a pseudo-terminal: at start it asks the server for
 * {@code COMMAND DOCS} and builds its hints from the answer, so the hint shown while typing
 * {@code expire } is kvs's ({@code key seconds}, without the {@code NX|XX|GT|LT} redis-cli's own
 * table lists, which kvs refuses). Skipped where redis-cli or python3 is not installed.
 */
class RespRedisCliHintsTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void interactiveRedisCli_showsKvsHints_andAnswers() throws Exception {
        assumeTrue(onPath("redis-cli"), "redis-cli is not installed (apt-get install redis-tools): skipped");
        assumeTrue(onPath("python3"), "python3 is not installed: skipped");
        Path script = dir.resolve("redis-cli-pty.py");
        try (InputStream in = getClass().getResourceAsStream("/redis-cli-pty.py")) {
            Files.copy(in, script);
        }
        try (KvsServer server = KvsServer.start(ServerConfig.of(new HostPort("127.0.0.1", 0), dir.resolve("data"))
                .withRespAddress(new HostPort("127.0.0.1", 0)))) {
            Process p = new ProcessBuilder("python3", script.toString(),
                    Integer.toString(server.respAddress().getPort()), "set ", "k v\\r", "get k\\r", "mget ",
                    "\\r", "expire ")
                    .redirectErrorStream(true).start();
            assertTrue(p.waitFor(40, TimeUnit.SECONDS), "the redis-cli session ended in time");
            String screen = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), screen);
            assertTrue(screen.contains("set \u001b[0;90;49mkey value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT"),
                    "the hint for set, with its expiry options: " + screen);
            assertTrue(screen.contains("expire \u001b[0;90;49mkey seconds\u001b[0m"),
                    "kvs's hint for expire, without the NX|XX|GT|LT of redis-cli's own table: " + screen);
            assertTrue(screen.contains("\r\nOK\r\n"), "the set answered: " + screen);
            assertTrue(screen.contains("\r\n\"v\"\r\n"), "the get answered: " + screen);
            assertTrue(screen.contains("mget \u001b[0;90;49mkey [key ...]"), "the hint for mget: " + screen);
        }
    }

    private static boolean onPath(String command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("sh", "-c", "command -v " + command).start();
        return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    }
}
