package kvs.server;

import static kvs.server.ServerTest.get;

import java.io.IOException;
import java.nio.file.Path;
import kvs.common.HostPort;
import kvs.proto.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * An in-process server (values up to 200,000 bytes) and one kvs-protocol connection to it, made
 * before each test and closed after it.
 */
abstract class KvsSocketFixture {

    @TempDir
    Path dir;
    KvsServer server;
    RawSocket c;

    @BeforeEach
    void start() throws IOException {
        server = KvsServer.start(config());
        c = new RawSocket(server.localAddress());
    }

    /** The server's config: a test may add to it. */
    ServerConfig config() {
        return ServerConfig.of(new HostPort("127.0.0.1", 0), dir).withMaxValueBytes(200_000);
    }

    @AfterEach
    void stop() throws IOException {
        c.close();
        server.close();
    }

    /** The key's value as text, read with a Get; null if absent. */
    String value(long id, String key) throws IOException {
        Response r = c.call(get(id, key));
        return r.getResultCase() == Response.ResultCase.VALUE ? r.getValue().getValue().toStringUtf8() : null;
    }
}
