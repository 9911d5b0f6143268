package kvs.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.Response;
import redis.clients.jedis.args.ClientAttributeOption;
import redis.clients.jedis.commands.ProtocolCommand;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.resps.ScanResult;
import redis.clients.jedis.resps.CommandDocument;

/**
 * Jedis 8 against the RESP listener of a real server on ephemeral ports: every command of the
 * listener through Jedis's own API where it has one, with the exact replies and error texts; a
 * pipeline of thousands of mixed commands; several threads on pooled connections; keys and
 * values that are not text, crossing between RESP and the kvs protocol both ways.
 */
@Timeout(30)
class RespJedisTest {

    @TempDir
    Path dir;
    KvsServer server;

    @BeforeEach
    void start() throws IOException {
        server = RespInterop.start(dir);
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
    }

    private Jedis connect(RedisProtocol protocol) {
        DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder().timeoutMillis(5000);
        if (protocol != null) {
            config.protocol(protocol); // sends HELLO 2 or HELLO 3 first
        }
        return new Jedis("127.0.0.1", server.respAddress().getPort(), config.build());
    }

    private static ProtocolCommand command(String name) {
        byte[] raw = name.getBytes(StandardCharsets.US_ASCII);
        return () -> raw;
    }

    private static void assertError(String expected, Runnable call) {
        JedisDataException e = assertThrows(JedisDataException.class, call::run);
        assertEquals(expected, e.getMessage());
    }

    @Test
    void handshake_default_setInfoAnsweredOk() throws IOException {
        // What Jedis sends on its own at connect, and that kvs answered each without an error.
        try (WireTap tap = new WireTap(server.respAddress());
                Jedis jedis = new Jedis("127.0.0.1", tap.port(),
                        DefaultJedisClientConfig.builder().timeoutMillis(5000).build())) {
            assertEquals("PONG", jedis.ping());
            String sent = tap.sent(); // no HELLO unless a protocol is asked for
            assertTrue(sent.startsWith("*4\r\n$6\r\nCLIENT\r\n$7\r\nSETINFO\r\n$8\r\nLIB-NAME\r\n$5\r\njedis\r\n"
                    + "*4\r\n$6\r\nCLIENT\r\n$7\r\nSETINFO\r\n$7\r\nLIB-VER\r\n"), sent);
            assertTrue(sent.endsWith("*1\r\n$4\r\nPING\r\n"), sent);
            assertEquals("+OK\r\n+OK\r\n+PONG\r\n", tap.received());
        }
    }

    @Test
    void scan_pagesThroughEveryKey_byPrefix_asJedisIteratesIt() {
        try (Jedis j = connect(RedisProtocol.RESP3)) {
            for (int i = 0; i < 250; i++) {
                j.set("user:" + i, "v");
                j.set("item:" + i, "v");
            }
            assertEquals(500, j.dbSize());
            List<String> users = new ArrayList<>();
            String cursor = ScanParams.SCAN_POINTER_START;
            int pages = 0;
            do {
                assertTrue(++pages < 10_000, "the scan does not end");
                ScanResult<String> page = j.scan(cursor, new ScanParams().match("user:*").count(40));
                assertTrue(page.getResult().size() <= 40, "page of " + page.getResult().size());
                users.addAll(page.getResult());
                cursor = page.getCursor();
            } while (!cursor.equals("0"));
            assertEquals(250, users.size());
            assertEquals(250, users.stream().distinct().filter(k -> k.startsWith("user:")).count());
            ScanResult<String> first = j.scan("0");
            assertEquals(RespScan.DEFAULT_COUNT, first.getResult().size(), "COUNT absent: Redis's 10");
            assertEquals(RespScan.DEFAULT_COUNT, j.scan("0", new ScanParams().match("*")).getResult().size());

            JedisDataException glob = assertThrows(JedisDataException.class,
                    () -> j.scan("0", new ScanParams().match("user:?")));
            assertTrue(glob.getMessage().contains("prefix"), glob.getMessage());
            assertEquals("ERR invalid cursor", assertThrows(JedisDataException.class, () -> j.scan("x")).getMessage());
            JedisDataException stale = assertThrows(JedisDataException.class, () -> j.scan("4294967296"));
            assertTrue(stale.getMessage().contains("start the scan again"), stale.getMessage());
            assertTrue(assertThrows(JedisDataException.class, () -> j.scan("0", new ScanParams().match("*"),
                    "hash")).getMessage().contains("string"));
        }
    }

    @Test
    void stringCommands_repliesAsRedis() {
        try (Jedis j = connect(null)) {
            assertNull(j.get("a"));
            assertEquals("OK", j.set("a", "1"));
            assertEquals("1", j.get("a"));

            assertNull(j.set("a", "2", SetParams.setParams().nx()), "NX on a present key: nil");
            assertEquals("1", j.get("a"));
            assertNull(j.set("b", "x", SetParams.setParams().xx()), "XX on an absent key: nil");
            assertFalse(j.exists("b"));
            assertEquals("OK", j.set("a", "3", SetParams.setParams().xx()));
            assertEquals("OK", j.set("b", "4", SetParams.setParams().nx()));
            assertEquals("4", j.get("b"));

            assertEquals("3", j.setGet("a", "5"));
            assertEquals("5", j.get("a"));
            assertNull(j.setGet("fresh", "6"));
            assertEquals("6", j.get("fresh"));
            assertEquals("5", j.setGet("a", "7", SetParams.setParams().nx()), "NX GET, present: old value, not set");
            assertEquals("5", j.get("a"));
            assertNull(j.setGet("c", "8", SetParams.setParams().xx()), "XX GET, absent: nil, not set");
            assertFalse(j.exists("c"));

            assertEquals("OK", j.mset("m1", "x1", "m2", "x2", "m3", "x3"));
            assertEquals(Arrays.asList("x1", "x2", null, "x3"), j.mget("m1", "m2", "nope", "m3"));
            assertEquals(3, j.exists("m1", "m2", "nope", "m1"), "a key named twice counts twice, as in Redis");
            assertEquals(2, j.del("m1", "m2", "nope", "m1"), "a key named twice is removed once");
            assertEquals(0, j.exists("m1", "m2"));

            assertEquals("OK", j.set("u", "h\u00e9llo"));
            assertEquals(6, j.strlen("u"), "bytes, not characters");
            assertEquals(0, j.strlen("nope"));
            assertEquals("OK", j.set("empty", ""));
            assertEquals("", j.get("empty"));
            assertEquals(0, j.strlen("empty"));
            assertTrue(j.exists("empty"));

            assertEquals("x3", j.getDel("m3"));
            assertNull(j.getDel("m3"));
            assertFalse(j.exists("m3"));
            assertEquals(1, j.del("u"));
            assertEquals(0, j.del("u"));
        }
    }

    @Test
    void integerCommands_repliesAndErrorsAsRedis() {
        try (Jedis j = connect(null)) {
            assertEquals(1, j.incr("n"), "a missing key counts as 0");
            assertEquals(11, j.incrBy("n", 10));
            assertEquals(10, j.decr("n"));
            assertEquals(-5, j.decrBy("n", 15));
            assertEquals(-5, j.incrBy("n", 0));
            assertEquals("-5", j.get("n"), "stored as decimal text");
            assertEquals(-1, j.decr("fresh"));

            j.set("s", "abc");
            for (String bad : new String[] {"abc", "", " 1", "+1", "01", "1.5", "9223372036854775808"}) {
                j.set("s", bad);
                assertError("ERR value is not an integer or out of range", () -> j.incr("s"));
                assertEquals(bad, j.get("s"), "nothing written");
            }
            j.set("max", Long.toString(Long.MAX_VALUE));
            assertError("ERR increment or decrement would overflow", () -> j.incr("max"));
            assertEquals(Long.toString(Long.MAX_VALUE), j.get("max"));
            assertEquals(Long.MIN_VALUE, j.decrBy("fresh", Long.MAX_VALUE), "-1 - MAX is MIN, in range");
            assertError("ERR increment or decrement would overflow", () -> j.decr("fresh"));
            assertError("ERR decrement would overflow", () -> j.decrBy("n", Long.MIN_VALUE));

            ProtocolCommand incrBy = command("INCRBY");
            assertError("ERR value is not an integer or out of range", () -> j.sendCommand(incrBy, "n", "1x"));
            assertError("ERR value is not an integer or out of range", () -> j.sendCommand(command("DECRBY"), "n", "+1"));
            assertError("ERR wrong number of arguments for 'incr' command", () -> j.sendCommand(command("INCR")));
            assertError("ERR wrong number of arguments for 'incrby' command", () -> j.sendCommand(incrBy, "n"));
            assertEquals(-5, j.incrBy("n", 0), "refused commands wrote nothing");
            assertEquals(4, j.command().get("incrby").getArity() + 1, "COMMAND lists them");
        }
    }

    @Test
    void connectionCommands() {
        try (Jedis j = connect(null); Jedis other = connect(null)) {
            assertEquals("PONG", j.ping());
            assertEquals("hello there", j.ping("hello there"));
            assertEquals("a b\r\nc", j.echo("a b\r\nc"));
            assertEquals("OK", j.select(0));
            assertError("ERR DB index is out of range (kvs has one database, 0)", () -> j.select(1));

            long id = j.clientId();
            assertTrue(id > 0);
            assertNotEquals(id, other.clientId());
            assertEquals(id, j.clientId());
            assertNull(j.clientGetname());
            assertEquals("OK", j.clientSetname("app-1"));
            assertEquals("app-1", j.clientGetname());
            assertNull(other.clientGetname(), "a name is the connection's own");
            assertError("ERR Client names cannot contain spaces, newlines or special characters.",
                    () -> j.clientSetname("two words"));
            assertEquals("app-1", j.clientGetname());
            assertEquals("OK", j.clientSetInfo(ClientAttributeOption.LIB_NAME, "mylib"));
            assertEquals("OK", j.clientSetInfo(ClientAttributeOption.LIB_VER, "1.2.3"));
        }
    }

    @Test
    void quit_answersOk_thenTheServerCloses() {
        try (Jedis j = connect(null)) {
            assertArrayEquals("OK".getBytes(StandardCharsets.US_ASCII), (byte[]) j.sendCommand(command("QUIT")));
            assertThrows(JedisConnectionException.class, j::ping);
        }
    }

    @Test
    void serverCommands() {
        try (Jedis j = connect(null)) {
            assertEquals(0, j.dbSize());
            j.mset("a", "1", "b", "2", "c", "3");
            assertEquals(3, j.dbSize());

            Map<String, Map<String, String>> info = RespInterop.parseInfo(j.info());
            assertEquals(List.of("server", "clients", "stats", "persistence", "keyspace"),
                    new ArrayList<>(info.keySet()));
            assertEquals(RespCommands.REDIS_VERSION, info.get("server").get("redis_version"));
            assertEquals(Integer.toString(server.respAddress().getPort()), info.get("server").get("tcp_port"));
            assertEquals("keys=3,expires=0,avg_ttl=0", info.get("keyspace").get("db0"));
            assertEquals("# Keyspace\r\ndb0:keys=3,expires=0,avg_ttl=0\r\n", j.info("keyspace"));
            Map<String, Map<String, String>> clients = RespInterop.parseInfo(j.info("clients"));
            assertEquals(List.of("clients"), new ArrayList<>(clients.keySet()));
            assertEquals("1", clients.get("clients").get("connected_clients"));

            Map<String, String> config = j.configGet("maxclients", "databases", "nosuch");
            assertEquals(Map.of("maxclients", "10000", "databases", "1"), config);
            assertTrue(j.configGet("*").containsKey("appendfsync"));

            assertEquals(RespCommandTable.COMMANDS.size(), j.commandCount());
            assertEquals(j.commandCount(), j.command().size(), "COMMAND COUNT counts COMMAND's entries");
            assertEquals(-3, j.command().get("set").getArity());
            Map<String, CommandDocument> docs = j.commandDocs("get", "set", "nosuch");
            assertEquals(java.util.Set.of("get", "set"), docs.keySet());
            assertEquals("Returns the value of a key.", docs.get("get").getSummary());
            assertEquals("string", docs.get("set").getGroup());

            assertError("ERR FLUSHALL is not supported: kvs cannot yet drop every key crash-safely;"
                    + " remove keys with DEL", j::flushAll);
            assertError("ERR FLUSHDB is not supported: kvs cannot yet drop every key crash-safely;"
                    + " remove keys with DEL", j::flushDB);
            assertEquals(3, j.dbSize(), "nothing was dropped");
        }
    }

    @Test
    void unknownCommandAndWrongArity_errorsAsRedis_connectionStaysUsable() {
        try (Jedis j = connect(null)) {
            assertError("ERR unknown command 'NOSUCH', with args beginning with: 'a' 'b c' ",
                    () -> j.sendCommand(command("NOSUCH"), "a", "b c"));
            assertError("ERR unknown command 'nosuch', with args beginning with: ",
                    () -> j.sendCommand(command("nosuch")));
            assertError("ERR wrong number of arguments for 'get' command", () -> j.sendCommand(Protocol.Command.GET));
            assertError("ERR wrong number of arguments for 'get' command",
                    () -> j.sendCommand(Protocol.Command.GET, "a", "b"));
            assertError("ERR wrong number of arguments for 'mset' command",
                    () -> j.sendCommand(Protocol.Command.MSET, "a", "1", "b"));
            assertError("ERR syntax error", () -> j.sendCommand(Protocol.Command.SET, "a", "1", "NX", "XX"));
            assertFalse(j.exists("a"));
            assertEquals("OK", j.set("a", "1"));
            assertEquals("1", j.get("a"));
        }
    }

    @Test
    void resp3_helloThenEveryReplyType() throws IOException {
        try (WireTap tap = new WireTap(server.respAddress());
                Jedis j = new Jedis("127.0.0.1", tap.port(),
                        DefaultJedisClientConfig.builder().timeoutMillis(5000).resp3().build())) {
            assertEquals(RedisProtocol.RESP3, j.getConnection().getRedisProtocol());
            assertTrue(tap.sent().startsWith("*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n"), tap.sent());
            assertTrue(tap.received().startsWith("%7\r\n$6\r\nserver\r\n$3\r\nkvs\r\n"), tap.received());
            assertNull(j.get("a"), "RESP3's null");
            assertEquals("OK", j.set("a", "1"));
            assertEquals(Arrays.asList("1", null), j.mget("a", "b"));
            assertEquals(1, j.exists("a", "b"));
            assertEquals(Map.of("databases", "1"), j.configGet("databases"), "a RESP3 map");
            assertEquals("Returns the value of a key.", j.commandDocs("get").get("get").getSummary());
            assertEquals("keys=1,expires=0,avg_ttl=0",
                    RespInterop.parseInfo(j.info()).get("keyspace").get("db0"));
            assertError("ERR wrong number of arguments for 'get' command", () -> j.sendCommand(Protocol.Command.GET));
            assertNull(j.getDel("b"));
            assertEquals("1", j.getDel("a"));
        }
    }

    @Test
    void pipeline_thousandsOfMixedCommands_eachReplyInOrder() {
        int n = 3000;
        try (Jedis j = connect(null)) {
            Pipeline p = j.pipelined();
            List<Consumer<Map<String, String>>> checks = new ArrayList<>();
            Map<String, String> model = new HashMap<>();
            for (int i = 0; i < n; i++) {
                String key = "p" + (i % 97);
                String value = "v" + i;
                switch (i % 10) {
                    case 0, 1 -> {
                        Response<String> r = p.set(key, value);
                        checks.add(m -> {
                            m.put(key, value);
                            assertEquals("OK", r.get());
                        });
                    }
                    case 2 -> {
                        Response<String> r = p.get(key);
                        checks.add(m -> assertEquals(m.get(key), r.get(), key));
                    }
                    case 3 -> {
                        Response<String> r = p.set(key, value, SetParams.setParams().nx());
                        checks.add(m -> {
                            boolean absent = !m.containsKey(key);
                            assertEquals(absent ? "OK" : null, r.get());
                            m.putIfAbsent(key, value);
                        });
                    }
                    case 4 -> {
                        String other = "p" + ((i + 13) % 97);
                        Response<Long> r = p.del(key, other);
                        checks.add(m -> {
                            long expected = (m.remove(key) != null ? 1 : 0) + (m.remove(other) != null ? 1 : 0);
                            assertEquals(expected, r.get());
                        });
                    }
                    case 5 -> {
                        String other = "p" + ((i + 31) % 97);
                        Response<List<String>> r = p.mget(key, other);
                        checks.add(m -> assertEquals(Arrays.asList(m.get(key), m.get(other)), r.get()));
                    }
                    case 6 -> {
                        Response<Long> r = p.strlen(key);
                        checks.add(m -> assertEquals(m.containsKey(key) ? m.get(key).length() : 0, r.get()));
                    }
                    case 7 -> {
                        Response<String> r = p.getDel(key);
                        checks.add(m -> assertEquals(m.remove(key), r.get()));
                    }
                    case 8 -> {
                        Response<Object> r = p.sendCommand(Protocol.Command.ECHO, value);
                        checks.add(m -> assertArrayEquals(value.getBytes(StandardCharsets.UTF_8), (byte[]) r.get()));
                    }
                    case 9 -> {
                        if (i % 100 == 9) {
                            Response<Object> r = p.sendCommand(Protocol.Command.GET, new String[0]); // an error mid-pipeline
                            checks.add(m -> assertEquals("ERR wrong number of arguments for 'get' command",
                                    assertThrows(JedisDataException.class, r::get).getMessage()));
                        } else {
                            Response<Boolean> r = p.exists(key);
                            checks.add(m -> assertEquals(m.containsKey(key), r.get()));
                        }
                    }
                    default -> throw new AssertionError();
                }
            }
            p.sync();
            for (Consumer<Map<String, String>> check : checks) {
                check.accept(model);
            }
            assertEquals(n, checks.size());
            assertEquals(model.size(), j.dbSize());
            for (Map.Entry<String, String> e : model.entrySet()) {
                assertEquals(e.getValue(), j.get(e.getKey()));
            }
        }
    }

    @Test
    void severalThreads_pooledConnections_ownKeys() throws Exception {
        int threads = 4;
        int ops = 500;
        GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
        pool.setMaxTotal(threads);
        pool.setMaxWait(java.time.Duration.ofSeconds(5));
        ExecutorService executor = Executors.newFixedThreadPool(threads);
        try (RedisClient client = RedisClient.builder()
                .hostAndPort("127.0.0.1", server.respAddress().getPort())
                .clientConfig(DefaultJedisClientConfig.builder().timeoutMillis(5000).build())
                .poolConfig(pool).build()) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(executor.submit(() -> {
                    for (int i = 0; i < ops; i++) {
                        String key = "t" + thread + ":" + (i / 4 % 25); // 4 ops a key in turn
                        String value = "t" + thread + "-" + i;
                        switch (i % 4) {
                            case 0, 1 -> assertEquals("OK", client.set(key, value));
                            case 2 -> assertEquals("t" + thread + "-" + (i - 1), client.get(key));
                            default -> assertEquals(Arrays.asList("t" + thread + "-" + (i - 2), null),
                                    client.mget(key, "t" + thread + ":absent"));
                        }
                        client.incr("shared"); // one key for all: INCR loses no update
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(20, TimeUnit.SECONDS);
            }
            assertEquals(threads * 25L + 1, client.dbSize());
            assertEquals(Integer.toString(threads * ops), client.get("shared"));
            for (int t = 0; t < threads; t++) {
                for (int k = 0; k < 25; k++) {
                    assertEquals(RespInterop.lastSetValue(t, k, ops), client.get("t" + t + ":" + k));
                }
            }
        } finally {
            executor.shutdownNow();
            assertTrue(executor.awaitTermination(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void binaryKeys_setThroughResp_readThroughRespAndKvs() throws IOException {
        List<byte[]> keys = RespInterop.binaryKeys();
        try (Jedis j = connect(null); RawSocket kvs = new RawSocket(server.localAddress())) {
            for (int i = 0; i < keys.size(); i++) {
                assertEquals("OK", j.set(keys.get(i), RespInterop.binaryValue(i, keys.get(i))));
            }
            assertEquals(keys.size(), j.dbSize(), "no two keys were taken for one");
            List<byte[]> values = j.mget(keys.toArray(new byte[0][]));
            for (int i = 0; i < keys.size(); i++) {
                byte[] expected = RespInterop.binaryValue(i, keys.get(i));
                assertArrayEquals(expected, j.get(keys.get(i)), "RESP get of key " + i);
                assertArrayEquals(expected, values.get(i), "RESP mget of key " + i);
                assertArrayEquals(expected, RespInterop.kvsGet(kvs, keys.get(i)), "kvs get of key " + i);
                assertEquals(expected.length, j.strlen(keys.get(i)));
            }
            assertEquals(1, j.del(keys.get(1)));
            assertNull(RespInterop.kvsGet(kvs, keys.get(1)));
            assertArrayEquals(RespInterop.binaryValue(2, keys.get(2)), RespInterop.kvsGet(kvs, keys.get(2)),
                    "a key that differs only after a NUL is another key");
        }
    }

    @Test
    void binaryKeys_setThroughKvs_readThroughResp() throws IOException {
        List<byte[]> keys = RespInterop.binaryKeys();
        try (Jedis j = connect(RedisProtocol.RESP3); RawSocket kvs = new RawSocket(server.localAddress())) {
            for (int i = 0; i < keys.size(); i++) {
                RespInterop.kvsSet(kvs, keys.get(i), RespInterop.binaryValue(i, keys.get(i)));
            }
            for (int i = 0; i < keys.size(); i++) {
                byte[] expected = RespInterop.binaryValue(i, keys.get(i));
                assertArrayEquals(expected, j.get(keys.get(i)), "RESP get of key " + i);
                assertTrue(j.exists(keys.get(i)));
                assertArrayEquals(expected, j.getDel(keys.get(i)), "RESP getdel of key " + i);
                assertNull(RespInterop.kvsGet(kvs, keys.get(i)), "gone for the kvs protocol too");
            }
            assertEquals(0, j.dbSize());
            Object echoed = j.sendCommand(Protocol.Command.ECHO, keys.get(keys.size() - 1));
            assertInstanceOf(byte[].class, echoed);
            assertArrayEquals(keys.get(keys.size() - 1), (byte[]) echoed);
        }
    }
}
