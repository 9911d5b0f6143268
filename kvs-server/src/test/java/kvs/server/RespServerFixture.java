package kvs.server;

import java.io.IOException;
import java.nio.file.Path;
import kvs.common.HostPort;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * An in-process server with both listeners on ephemeral ports, started by each test with the
 * config it needs ({@link #config()} and its {@code with...} methods), closed after it.
 */
abstract class RespServerFixture {

    @TempDir
    Path dir;
    KvsServer server;

    KvsServer start(ServerConfig config) throws IOException {
        server = KvsServer.start(config);
        return server;
    }

    /** Defaults, with the RESP listener on. */
    ServerConfig config() {
        return ServerConfig.of(new HostPort("127.0.0.1", 0), dir).withRespAddress(new HostPort("127.0.0.1", 0));
    }

    @AfterEach
    void stop() throws IOException {
        if (server != null) {
            server.close();
        }
    }

    RespSocket resp() throws IOException {
        return new RespSocket(server.respAddress());
    }

    RawSocket kvs() throws IOException {
        return new RawSocket(server.localAddress());
    }
}
