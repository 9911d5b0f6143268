package kvs.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import kvs.store.TestClock;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.args.ExpiryOption;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.SetParams;

/**
 * Redis's expiry commands through Jedis and raw RESP, against a real server whose store's clock
 * stands still until the test moves it: replies and errors as redis-server 7.0 gives them.
 */
@Timeout(30)
class RespExpiryJedisTest extends RespServerFixture {

    static final long START = 1_800_000_000_000L;
    final TestClock clock = new TestClock(START);
    Jedis j;

    @BeforeEach
    void startWithClock() throws IOException {
        ServerConfig c = config();
        start(c.withStore(c.store().withClock(clock)));
        j = new Jedis("127.0.0.1", server.respAddress().getPort(),
                DefaultJedisClientConfig.builder().timeoutMillis(5000).build());
    }

    @org.junit.jupiter.api.AfterEach
    void closeJedis() {
        j.close();
    }

    private static void assertError(String expected, Runnable call) {
        JedisDataException e = assertThrows(JedisDataException.class, call::run);
        assertEquals(expected, e.getMessage());
    }

    @Test
    void setEx_ttlPttlExpiretime_thenGoneWhenTheClockPassesIt() {
        assertEquals("OK", j.set("k", "v", SetParams.setParams().ex(10)));
        assertEquals(10, j.ttl("k"));
        assertEquals(10_000, j.pttl("k"));
        assertEquals((START + 10_000) / 1000, j.expireTime("k"));
        assertEquals(START + 10_000, j.pexpireTime("k"));
        clock.advance(9_400);
        assertEquals(1, j.ttl("k"), "600 ms rounds to 1 s");
        clock.advance(200);
        assertEquals(0, j.ttl("k"), "400 ms rounds to 0 s");
        assertEquals("v", j.get("k"));
        clock.advance(400);
        assertNull(j.get("k"));
        assertFalse(j.exists("k"));
        assertEquals(-2, j.ttl("k"));
        assertEquals(-2, j.pexpireTime("k"));
        assertEquals(0, j.dbSize());
    }

    @Test
    void setOptions_pxExatPxatKeepttlNx_andPlainSetClears() {
        j.set("k", "v", SetParams.setParams().px(1500));
        assertEquals(1500, j.pttl("k"));
        j.set("k", "w", SetParams.setParams().keepTtl());
        assertEquals(1500, j.pttl("k"));
        j.set("k", "x", SetParams.setParams().exAt(START / 1000 + 60));
        assertEquals(60_000, j.pttl("k"));
        j.set("k", "y", SetParams.setParams().pxAt(START + 70));
        assertEquals(70, j.pttl("k"));
        j.set("k", "z");
        assertEquals(-1, j.ttl("k"), "a plain SET clears the expiry");
        assertNull(j.set("k", "n", SetParams.setParams().nx().ex(5)), "NX on a held key");
        assertEquals("OK", j.set("n", "n", SetParams.setParams().nx().ex(5)));
        assertEquals(5, j.ttl("n"));
        j.set("past", "v", SetParams.setParams().pxAt(1));
        assertFalse(j.exists("past"), "a time long past: gone at once");
    }

    @Test
    void setexPsetex_expireFamily_persist() {
        assertEquals("OK", j.setex("a", 10, "v"));
        assertEquals(10, j.ttl("a"));
        assertEquals("OK", j.psetex("b", 250, "v"));
        assertEquals(250, j.pttl("b"));
        assertEquals(0, j.expire("nope", 10), "absent");
        assertEquals(1, j.expire("a", 20));
        assertEquals(20_000, j.pttl("a"));
        assertEquals(1, j.pexpire("a", 30));
        assertEquals(30, j.pttl("a"));
        assertEquals(1, j.expireAt("a", START / 1000 + 100));
        assertEquals(100, j.ttl("a"));
        assertEquals(1, j.pexpireAt("a", START + 123));
        assertEquals(123, j.pttl("a"));
        assertEquals(1, j.persist("a"));
        assertEquals(-1, j.ttl("a"));
        assertEquals(0, j.persist("a"), "no expiry left");
        assertEquals(0, j.persist("nope"));
        assertEquals(1, j.expire("a", -1), "a past time removes the key: 1, it was there");
        assertFalse(j.exists("a"));
    }

    @Test
    void errors_asRedis() {
        assertError("ERR invalid expire time in 'set' command", () -> j.set("k", "v", SetParams.setParams().ex(0)));
        assertError("ERR invalid expire time in 'setex' command", () -> j.setex("k", -1, "v"));
        assertError("ERR invalid expire time in 'psetex' command", () -> j.psetex("k", 0, "v"));
        assertError("ERR invalid expire time in 'expire' command", () -> j.expire("k", Long.MAX_VALUE));
        assertError("ERR syntax error", () -> j.sendCommand(Protocol.Command.SET, "k", "v", "EX", "1", "KEEPTTL"));
        j.set("k", "v");
        assertTrue(assertThrows(JedisDataException.class, () -> j.expire("k", 10, ExpiryOption.NX)).getMessage()
                .startsWith("ERR EXPIRE's NX option is not supported"));
        assertEquals(-1, j.ttl("k"), "refused commands changed nothing");
        assertEquals("v", j.get("k"));
    }

    @Test
    void info_countsKeysWithExpiry_andExpiredKeys() throws IOException {
        j.set("a", "v", SetParams.setParams().ex(1));
        j.set("b", "v");
        assertTrue(j.info("keyspace").contains("db0:keys=2,expires=1,avg_ttl=0"), j.info("keyspace"));
        assertTrue(j.info("stats").contains("expired_keys:0\r\n"), j.info("stats"));
        clock.advance(1000);
        assertNull(j.get("a"));
        try (RawSocket s = kvs()) { // a compaction sweeps the expired keys out of the keydir first
            s.call(kvs.proto.Request.newBuilder().setId(1).setCompact(kvs.proto.Compact.getDefaultInstance()).build());
        }
        assertTrue(j.info("stats").contains("expired_keys:1\r\n"), j.info("stats"));
        assertTrue(j.info("keyspace").contains("db0:keys=1,expires=0,avg_ttl=0"), j.info("keyspace"));
        assertTrue(j.info("kvs").contains("keys_with_expiry:0\r\n"), j.info("kvs"));
    }

    @Test
    void rawResp_inlineAndMultibulk() throws IOException {
        try (RespSocket s = resp()) {
            s.send("SET k v EX 10\r\nTTL k\r\nPTTL k\r\nEXPIRE k 0\r\nTTL k\r\n");
            assertEquals("+OK\r\n", s.reply());
            assertEquals(":10\r\n", s.reply());
            assertEquals(":10000\r\n", s.reply());
            assertEquals(":1\r\n", s.reply());
            assertEquals(":-2\r\n", s.reply());
            assertEquals("-ERR invalid expire time in 'set' command\r\n", s.call("SET", "k", "v", "PX", "-5"));
        }
    }
}
