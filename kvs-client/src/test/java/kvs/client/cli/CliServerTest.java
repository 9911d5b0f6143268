package kvs.client.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import kvs.common.HostPort;
import kvs.server.KvsServer;
import kvs.server.ServerConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** The fixture of the CLI's end-to-end tests: a real server, and {@code kvs-client} run in-process. */
abstract class CliServerTest {

    @TempDir
    Path dir;
    KvsServer server;
    String addr;

    ByteArrayOutputStream out;
    ByteArrayOutputStream err;

    @BeforeEach
    void start() throws IOException {
        server = KvsServer.start(config());
        addr = "127.0.0.1:" + server.localAddress().getPort();
    }

    /** The server's config: a test may add to it. */
    ServerConfig config() {
        return ServerConfig.of(new HostPort("127.0.0.1", 0), dir.resolve("data")).withMaxValueBytes(1024 * 1024);
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
    }

    /** Runs {@code kvs-client args} as main() builds it: with only the subcommand args name, if any. */
    int run(byte[] stdin, String... args) {
        out = new ByteArrayOutputStream();
        err = new ByteArrayOutputStream();
        return ClientMain.commandLine(new ByteArrayInputStream(stdin), out, err, args).execute(args);
    }

    /** Runs with {@code --addr} of the test server appended. */
    int client(String... args) {
        List<String> all = new ArrayList<>(Arrays.asList(args));
        all.add("--addr");
        all.add(addr);
        return run(new byte[0], all.toArray(String[]::new));
    }

    String out() {
        return out.toString(UTF_8);
    }

    String err() {
        return err.toString(UTF_8);
    }
}
