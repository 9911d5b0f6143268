package kvs.client;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import kvs.common.HostPort;
import kvs.proto.ErrorCode;
import kvs.server.KvsServer;
import kvs.server.ServerConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client's expiry and batches end to end, against a real server whose store's clock is
 * stopped at {@link #NOW}: times left are exact, and a time before it is already past.
 */
class ExpiryClientTest {

    static final Instant NOW = Instant.parse("2027-01-15T12:00:00Z");

    @TempDir
    Path dir;
    KvsServer server;
    KvsClient kvs;

    @BeforeEach
    void start() throws IOException {
        ServerConfig config = ServerConfig.of(new HostPort("127.0.0.1", 0), dir).withMaxValueBytes(1 << 20);
        server = KvsServer.start(config.withStore(config.store().withClock(Clock.fixed(NOW, ZoneOffset.UTC))));
        kvs = KvsClient.connect(new HostPort("127.0.0.1", server.localAddress().getPort()));
    }

    @AfterEach
    void stop() throws IOException {
        kvs.close();
        server.close();
    }

    private static byte[] b(String s) {
        return s.getBytes(UTF_8);
    }

    private static KeyTtl left(long ms) {
        return new KeyTtl.Expiring(Duration.ofMillis(ms));
    }

    @Test
    void setWithTtlOrInstant_ttlTellsTheThreeCases() throws IOException {
        kvs.set(b("a"), b("1"), Duration.ofSeconds(10));
        assertEquals(left(10_000), kvs.ttl(b("a")));
        kvs.setExpiringAt(b("b"), b("2"), NOW.plusSeconds(60));
        assertEquals(left(60_000), kvs.ttl(b("b")));
        kvs.set(b("c"), b("3"));
        assertEquals(new KeyTtl.NoExpiry(), kvs.ttl(b("c")));
        assertEquals(new KeyTtl.Missing(), kvs.ttl(b("nope")));
        kvs.setExpiringAt(b("d"), b("4"), NOW.minusMillis(1));
        assertNull(kvs.get(b("d")), "already past: gone");
        assertEquals(new KeyTtl.Missing(), kvs.ttl(b("d")));
        kvs.set(b("a"), b("5"), Expiry.KEEP);
        assertEquals(left(10_000), kvs.ttl(b("a")));
        assertArrayEquals(b("5"), kvs.get(b("a")));
        kvs.set(b("a"), b("6"));
        assertEquals(new KeyTtl.NoExpiry(), kvs.ttl(b("a")), "a plain set clears it");
    }

    @Test
    void conditionalSets_takeAnExpiry() throws IOException {
        assertTrue(kvs.setIfAbsent(b("k"), b("1"), Expiry.after(Duration.ofMillis(700))));
        assertFalse(kvs.setIfAbsent(b("k"), b("2"), Expiry.after(Duration.ofMillis(800))));
        assertEquals(left(700), kvs.ttl(b("k")));
        assertTrue(kvs.setIfPresent(b("k"), b("3"), Expiry.KEEP));
        assertEquals(left(700), kvs.ttl(b("k")));
        assertTrue(kvs.compareAndSet(b("k"), b("3"), b("4"), Expiry.at(NOW.plusSeconds(1))));
        assertEquals(left(1000), kvs.ttl(b("k")));
    }

    @Test
    void expire_expireAt_persist_sayWhetherTheKeyWasThere() throws IOException {
        assertFalse(kvs.expire(b("k"), Duration.ofSeconds(1)));
        kvs.set(b("k"), b("v"));
        assertFalse(kvs.persist(b("k")), "no expiry to remove");
        assertTrue(kvs.expire(b("k"), Duration.ofSeconds(1)));
        assertEquals(left(1000), kvs.ttl(b("k")));
        assertTrue(kvs.expireAt(b("k"), NOW.plusSeconds(5)));
        assertEquals(left(5000), kvs.ttl(b("k")));
        assertTrue(kvs.persist(b("k")));
        assertEquals(new KeyTtl.NoExpiry(), kvs.ttl(b("k")));
        assertTrue(kvs.expireAt(b("k"), NOW.minusSeconds(1)), "there, and now removed");
        assertNull(kvs.get(b("k")));
        assertThrows(IllegalArgumentException.class, () -> kvs.expire(b("k"), Duration.ZERO));
    }

    @Test
    void batch_appliesAllInOrder_orNoneOnARefusal() throws IOException {
        kvs.set(b("c"), b("old"));
        kvs.batch().set(b("a"), b("1")).set(b("b"), b("2"), Duration.ofSeconds(3)).remove(b("c"))
                .setExpiringAt(b("d"), b("4"), NOW.plusSeconds(4)).set(b("a"), b("again")).apply();
        assertArrayEquals(b("again"), kvs.get(b("a")));
        assertEquals(left(3000), kvs.ttl(b("b")));
        assertNull(kvs.get(b("c")));
        assertEquals(left(4000), kvs.ttl(b("d")));

        WriteBatch refused = kvs.batch().remove(b("a")).set(b("e"), new byte[(1 << 20) + 1]);
        ServerErrorException e = assertThrows(ServerErrorException.class, refused::apply);
        assertEquals(ErrorCode.TOO_LARGE, e.code());
        assertArrayEquals(b("again"), kvs.get(b("a")), "nothing applied");
        assertThrows(IllegalStateException.class, () -> kvs.batch().apply());
        kvs.ping(); // the connection is still in step
    }
}
