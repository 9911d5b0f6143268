package kvs.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SetArgs;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.ArrayOutput;
import io.lettuce.core.output.ObjectOutput;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.output.ValueOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.ProtocolKeyword;
import io.lettuce.core.protocol.ProtocolVersion;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.NettyCustomizer;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelOption;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Lettuce 7 against the RESP listener of a real server on ephemeral ports, once in RESP2 and once
 * in RESP3 (Lettuce's default, negotiated with {@code HELLO 3}): every command of the listener
 * through Lettuce's API where it has one, else through {@code dispatch}, with exact replies and
 * error texts; thousands of async commands flushed as one pipeline; several threads sharing one
 * connection (Lettuce multiplexes them, so their replies must come back in order); keys and
 * values that are not text, crossing between RESP and the kvs protocol both ways.
 */
@Timeout(30)
class RespLettuceTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static ClientResources resources;
    private static final Map<ProtocolVersion, RedisClient> CLIENTS = new EnumMap<>(ProtocolVersion.class);

    @TempDir
    Path dir;
    KvsServer server;

    @BeforeAll
    static void clients() {
        // Lettuce warns, on every connection, that it prefers epoll when io_uring is there too.
        System.setProperty("io.lettuce.core.iouring", "false");
        // The tests run with Netty's leak detection at paranoid, for the server; tracking every
        // buffer of the client too would double these tests' time and check nothing of kvs's.
        ByteBufAllocator untracked = new UnpooledByteBufAllocator(true, true);
        resources = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(2)
                .nettyCustomizer(new NettyCustomizer() {
                    @Override
                    public void afterBootstrapInitialized(Bootstrap bootstrap) {
                        bootstrap.option(ChannelOption.ALLOCATOR, untracked);
                    }
                }).build();
        for (ProtocolVersion v : List.of(ProtocolVersion.RESP2, ProtocolVersion.RESP3)) {
            CLIENTS.put(v, client(v, true));
        }
    }

    private static RedisClient client(ProtocolVersion v, boolean autoReconnect) {
        RedisClient client = RedisClient.create(resources);
        client.setOptions(ClientOptions.builder().protocolVersion(v).autoReconnect(autoReconnect)
                .timeoutOptions(TimeoutOptions.enabled(TIMEOUT)).build()); // async commands time out too
        return client;
    }

    @AfterAll
    static void shutdown() throws Exception {
        for (RedisClient c : CLIENTS.values()) {
            c.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        CLIENTS.clear();
        resources.shutdown(0, 2, TimeUnit.SECONDS).get(5, TimeUnit.SECONDS);
    }

    @BeforeEach
    void start() throws IOException {
        server = RespInterop.start(dir);
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
    }

    private RedisURI uri(int port) {
        return RedisURI.builder().withHost("127.0.0.1").withPort(port).withTimeout(TIMEOUT).build();
    }

    private <K, V> StatefulRedisConnection<K, V> connect(ProtocolVersion v, RedisCodec<K, V> codec) {
        return CLIENTS.get(v).connect(codec, uri(server.respAddress().getPort()));
    }

    private static ProtocolKeyword keyword(String name) {
        byte[] raw = name.getBytes(StandardCharsets.US_ASCII);
        return new ProtocolKeyword() {
            @Override
            public byte[] getBytes() {
                return raw;
            }

            @Override
            public String toString() {
                return name;
            }
        };
    }

    private static void assertError(String expected, Runnable call) {
        RedisCommandExecutionException e = assertThrows(RedisCommandExecutionException.class, call::run);
        assertEquals(expected, e.getMessage());
    }

    private static CommandArgs<String, String> args(String... args) {
        CommandArgs<String, String> a = new CommandArgs<>(StringCodec.UTF8);
        for (String s : args) {
            a.add(s);
        }
        return a;
    }

    /** HELLO's reply, whether it came as a RESP3 map or a RESP2 array of names and values. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> hello(RedisCommands<String, String> c, String... args) {
        Object reply = c.dispatch(CommandType.HELLO, new ObjectOutput<>(StringCodec.UTF8), args(args));
        if (reply instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        List<Object> list = (List<Object>) reply;
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < list.size(); i += 2) {
            m.put((String) list.get(i), list.get(i + 1));
        }
        return m;
    }

    @ParameterizedTest
    @EnumSource(value = ProtocolVersion.class, names = {"RESP2", "RESP3"})
    void handshake_onlyMaintNotificationsRefused(ProtocolVersion v) throws IOException {
        try (WireTap tap = new WireTap(server.respAddress());
                StatefulRedisConnection<String, String> c = CLIENTS.get(v).connect(StringCodec.UTF8, uri(tap.port()))) {
            assertEquals("PONG", c.sync().ping());
            String sent = tap.sent();
            assertEquals(v == ProtocolVersion.RESP3, sent.startsWith("*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n"), sent);
            assertTrue(sent.contains("$7\r\nSETINFO\r\n$8\r\nlib-name\r\n$7\r\nLettuce\r\n"), sent);
            // Lettuce 7 asks for Redis 8.2's maintenance notifications; kvs answers as Redis before 8.2
            // does, and Lettuce goes on. No other command of the handshake gets an error.
            assertTrue(sent.contains("$6\r\nCLIENT\r\n$19\r\nMAINT_NOTIFICATIONS\r\n"), sent);
            List<String> errors = new ArrayList<>();
            Matcher m = Pattern.compile("(?m)^-[^\r\n]*").matcher(tap.received());
            while (m.find()) {
                errors.add(m.group());
            }
            assertEquals(List.of("-ERR unknown subcommand 'MAINT_NOTIFICATIONS'. Try CLIENT HELP."), errors);

            Map<String, Object> hello = hello(c.sync());
            assertEquals(v == ProtocolVersion.RESP3 ? 3L : 2L, hello.get("proto"), "HELLO alone: the protocol in use");
            assertEquals("kvs", hello.get("server"));
            assertEquals(RespCommands.REDIS_VERSION, hello.get("version"));
            assertEquals(c.sync().clientId(), hello.get("id"));
            assertError("NOPROTO unsupported protocol version", () -> hello(c.sync(), "4"));
        }
    }

    @ParameterizedTest
    @EnumSource(value = ProtocolVersion.class, names = {"RESP2", "RESP3"})
    void stringCommands_repliesAsRedis(ProtocolVersion v) {
        try (StatefulRedisConnection<String, String> conn = connect(v, StringCodec.UTF8)) {
            RedisCommands<String, String> c = conn.sync();
            assertNull(c.get("a"));
            assertEquals("OK", c.set("a", "1"));
            assertEquals("1", c.get("a"));

            assertNull(c.set("a", "2", SetArgs.Builder.nx()), "NX on a present key: nil");
            assertEquals("1", c.get("a"));
            assertNull(c.set("b", "x", SetArgs.Builder.xx()), "XX on an absent key: nil");
            assertEquals(0, c.exists("b"));
            assertEquals("OK", c.set("a", "3", SetArgs.Builder.xx()));

            assertEquals("3", c.setGet("a", "5"));
            assertNull(c.setGet("fresh", "6"));
            assertEquals("6", c.get("fresh"));
            assertEquals("5", c.setGet("a", "7", SetArgs.Builder.nx()), "NX GET, present: old value, not set");
            assertEquals("5", c.get("a"));

            Map<String, String> m = new LinkedHashMap<>();
            m.put("m1", "x1");
            m.put("m2", "x2");
            m.put("m3", "x3");
            assertEquals("OK", c.mset(m));
            assertEquals(Arrays.asList("x1", null, "x3"),
                    c.mget("m1", "nope", "m3").stream().map(kv -> kv.getValueOrElse(null)).toList());
            assertEquals(List.of("m1", "nope", "m3"), c.mget("m1", "nope", "m3").stream().map(KeyValue::getKey).toList());
            assertEquals(3, c.exists("m1", "m2", "nope", "m1"));
            assertEquals(2, c.del("m1", "m2", "nope", "m1"));

            assertEquals("OK", c.set("u", "h\u00e9llo"));
            assertEquals(6, c.strlen("u"));
            assertEquals(0, c.strlen("nope"));
            assertEquals("x3", c.getdel("m3"));
            assertNull(c.getdel("m3"));
            assertEquals(0, c.exists("m3"));
        }
    }

    @ParameterizedTest
    @EnumSource(value = ProtocolVersion.class, names = {"RESP2", "RESP3"})
    void setWithExpiry_ttlAndPersist(ProtocolVersion v) {
        try (StatefulRedisConnection<String, String> conn = connect(v, StringCodec.UTF8)) {
            RedisCommands<String, String> c = conn.sync();
            assertEquals("OK", c.set("t", "v", SetArgs.Builder.ex(100)));
            long left = c.pttl("t");
            assertTrue(left > 0 && left <= 100_000, "ms left: " + left);
            assertEquals("OK", c.set("u", "v", SetArgs.Builder.pxAt(System.currentTimeMillis() + 600_000)));
            assertTrue(c.ttl("u") > 500, "s left: " + c.ttl("u"));
            assertTrue(c.persist("u"));
            assertEquals(-1, c.ttl("u"));
            assertEquals(-2, c.ttl("nope"));
            assertError("ERR invalid expire time in 'set' command", () -> c.set("w", "v", SetArgs.Builder.px(0)));
            assertEquals(0, c.exists("w"));
        }
    }

    @ParameterizedTest
    @EnumSource(value = ProtocolVersion.class, names = {"RESP2", "RESP3"})
    void connectionAndServerCommands(ProtocolVersion v) {
        try (StatefulRedisConnection<String, String> conn = connect(v, StringCodec.UTF8)) {
            RedisCommands<String, String> c = conn.sync();
            assertEquals("PONG", c.ping());
            assertEquals("a b\r\nc", c.echo("a b\r\nc"));
            assertEquals("OK", c.select(0));
            assertError("ERR DB index is out of range (kvs has one database, 0)", () -> c.select(1));

            assertTrue(c.clientId() > 0);
            assertNull(c.clientGetname());
            assertEquals("OK", c.clientSetname("lettuce-app"));
            assertEquals("lettuce-app", c.clientGetname());
            assertEquals("OK", c.clientSetinfo("lib-name", "mylib"));
            assertError("ERR Unrecognized option 'color'", () -> c.clientSetinfo("color", "red"));

            c.mset(Map.of("a", "1", "b", "2"));
            assertEquals(2, c.dbsize());
            Map<String, Map<String, String>> info = RespInterop.parseInfo(c.info());
            assertEquals(List.of("server", "clients", "stats", "persistence", "keyspace"),
                    new ArrayList<>(info.keySet()));
            assertEquals("keys=2,expires=0,avg_ttl=0", info.get("keyspace").get("db0"));
            assertEquals("# Keyspace\r\ndb0:keys=2,expires=0,avg_ttl=0\r\n", c.info("keyspace"));
            assertEquals("everysec", c.configGet("appendfsync").get("appendfsync"));
            assertEquals(Map.of("databases", "1", "maxclients", "10000"), c.configGet("databases", "maxclients"));

            assertEquals(RespCommandTable.COMMANDS.size(), c.commandCount());
            assertEquals(c.commandCount(), c.command().size());
            List<Object> getInfo = c.commandInfo("get");
            assertEquals(1, getInfo.size());
            assertEquals(List.of("get", 2L), ((List<?>) getInfo.get(0)).subList(0, 2));
            List<Object> docs = c.dispatch(CommandType.COMMAND, new ArrayOutput<>(StringCodec.UTF8), args("DOCS", "strlen"));
            assertEquals("strlen", docs.get(0));
            List<?> doc = (List<?>) docs.get(1);
            assertEquals("Returns the length of a key's value.", doc.get(doc.indexOf("summary") + 1));

            assertError("ERR FLUSHALL is not supported: kvs cannot yet drop every key crash-safely;"
                    + " remove keys with DEL", c::flushall);
            assertEquals(2, c.dbsize());
        }
    }

    @ParameterizedTest
    @EnumSource(value = ProtocolVersion.class, names = {"RESP2", "RESP3"})
    @SuppressWarnings("deprecation") // QUIT is deprecated in Redis 7.2, and so Lettuce's quit(); kvs keeps it
    void quit_answersOk_thenTheServerCloses(ProtocolVersion v) throws InterruptedException {
        RedisClient noReconnect = client(v, false);
        try (StatefulRedisConnection<String, String> conn = noReconnect.connect(StringCodec.UTF8,
                uri(server.respAddress().getPort()))) {
            assertEquals("OK", conn.sync().quit());
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (conn.isOpen() && System.nanoTime() < deadline) {
                Thread.sleep(10); // bounded poll: Lettuce learns of the close on its own thread
            }
            assertFalse(conn.isOpen(), "closed by the server after QUIT");
        } finally {
            noReconnect.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    @ParameterizedTest
    @EnumSource(value = ProtocolVersion.class, names = {"RESP2", "RESP3"})
    void unknownCommandAndWrongArity_errorsAsRedis_connectionStaysUsable(ProtocolVersion v) {
        try (StatefulRedisConnection<String, String> conn = connect(v, StringCodec.UTF8)) {
            RedisCommands<String, String> c = conn.sync();
            assertError("ERR unknown command 'NOSUCH', with args beginning with: 'a' 'b c' ",
                    () -> c.dispatch(keyword("NOSUCH"), new StatusOutput<>(StringCodec.UTF8), args("a", "b c")));
            assertError("ERR wrong number of arguments for 'get' command",
                    () -> c.dispatch(CommandType.GET, new ValueOutput<>(StringCodec.UTF8)));
            assertError("ERR wrong number of arguments for 'getdel' command",
                    () -> c.dispatch(CommandType.GETDEL, new ValueOutput<>(StringCodec.UTF8), args("a", "b")));
            assertEquals("OK", c.set("a", "1"));
            assertEquals("1", c.get("a"));
        }
    }

    @ParameterizedTest
    @EnumSource(value = ProtocolVersion.class, names = {"RESP2", "RESP3"})
    void asyncPipeline_thousandsOfMixedCommands_eachReplyInOrder(ProtocolVersion v) throws Exception {
        int n = 3000;
        try (StatefulRedisConnection<String, String> conn = connect(v, StringCodec.UTF8)) {
            RedisAsyncCommands<String, String> a = conn.async();
            conn.setAutoFlushCommands(false); // nothing leaves until flushCommands: one burst
            List<Consumer<Map<String, String>>> checks = new ArrayList<>();
            List<RedisFuture<?>> futures = new ArrayList<>();
            Map<String, String> model = new HashMap<>();
            for (int i = 0; i < n; i++) {
                String key = "p" + (i % 89);
                String value = "v" + i;
                switch (i % 8) {
                    case 0, 1 -> {
                        RedisFuture<String> f = a.set(key, value);
                        futures.add(f);
                        checks.add(m -> {
                            m.put(key, value);
                            assertEquals("OK", now(f));
                        });
                    }
                    case 2 -> {
                        RedisFuture<String> f = a.get(key);
                        futures.add(f);
                        checks.add(m -> assertEquals(m.get(key), now(f), key));
                    }
                    case 3 -> {
                        RedisFuture<String> f = a.setGet(key, value, SetArgs.Builder.xx());
                        futures.add(f);
                        checks.add(m -> {
                            String before = m.get(key);
                            assertEquals(before, now(f));
                            if (before != null) {
                                m.put(key, value);
                            }
                        });
                    }
                    case 4 -> {
                        String other = "p" + ((i + 7) % 89);
                        RedisFuture<Long> f = a.del(key, other);
                        futures.add(f);
                        checks.add(m -> {
                            long expected = (m.remove(key) != null ? 1 : 0) + (m.remove(other) != null ? 1 : 0);
                            assertEquals(expected, now(f));
                        });
                    }
                    case 5 -> {
                        String other = "p" + ((i + 40) % 89);
                        RedisFuture<List<KeyValue<String, String>>> f = a.mget(key, other);
                        futures.add(f);
                        checks.add(m -> assertEquals(Arrays.asList(m.get(key), m.get(other)),
                                now(f).stream().map(kv -> kv.getValueOrElse(null)).toList()));
                    }
                    case 6 -> {
                        RedisFuture<Long> f = a.exists(key);
                        futures.add(f);
                        checks.add(m -> assertEquals(m.containsKey(key) ? 1 : 0, now(f)));
                    }
                    case 7 -> {
                        if (i % 200 == 7) {
                            RedisFuture<String> f = a.dispatch(keyword("NOPE"), new StatusOutput<>(StringCodec.UTF8));
                            futures.add(f);
                            checks.add(m -> {
                                ExecutionException e = assertThrows(ExecutionException.class, f::get);
                                assertEquals("ERR unknown command 'NOPE', with args beginning with: ",
                                        e.getCause().getMessage());
                            });
                        } else {
                            RedisFuture<String> f = a.getdel(key);
                            futures.add(f);
                            checks.add(m -> assertEquals(m.remove(key), now(f)));
                        }
                    }
                    default -> throw new AssertionError();
                }
            }
            conn.flushCommands();
            for (RedisFuture<?> f : futures) {
                f.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                assertTrue(f.isDone());
            }
            for (Consumer<Map<String, String>> check : checks) {
                check.accept(model);
            }
            conn.setAutoFlushCommands(true);
            assertEquals(model.size(), conn.sync().dbsize());
        }
    }

    /** A future already done (all were awaited), unwrapped. */
    private static <T> T now(Future<T> f) {
        try {
            return f.get(0, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError("future failed", e);
        }
    }

    @ParameterizedTest
    @EnumSource(value = ProtocolVersion.class, names = {"RESP2", "RESP3"})
    void severalThreads_oneMultiplexedConnection_ownKeys(ProtocolVersion v) throws Exception {
        int threads = 4;
        int ops = 500;
        ExecutorService executor = Executors.newFixedThreadPool(threads);
        try (StatefulRedisConnection<String, String> conn = connect(v, StringCodec.UTF8)) {
            RedisCommands<String, String> c = conn.sync();
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(executor.submit(() -> {
                    for (int i = 0; i < ops; i++) {
                        String key = "t" + thread + ":" + (i / 4 % 25); // 4 ops a key in turn
                        String value = "t" + thread + "-" + i;
                        switch (i % 4) {
                            case 0 -> assertEquals("OK", c.set(key, value));
                            case 1 -> assertEquals("t" + thread + "-" + (i - 1), c.setGet(key, value));
                            case 2 -> assertEquals("t" + thread + "-" + (i - 1), c.get(key));
                            default -> assertEquals(1, c.exists(key, "t" + thread + ":absent"));
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(20, TimeUnit.SECONDS);
            }
            assertEquals(threads * 25L, c.dbsize());
            for (int t = 0; t < threads; t++) {
                for (int k = 0; k < 25; k++) {
                    assertEquals(RespInterop.lastSetValue(t, k, ops), c.get("t" + t + ":" + k));
                }
            }
        } finally {
            executor.shutdownNow();
            assertTrue(executor.awaitTermination(10, TimeUnit.SECONDS));
        }
    }

    @ParameterizedTest
    @EnumSource(value = ProtocolVersion.class, names = {"RESP2", "RESP3"})
    void binaryKeys_bothWaysBetweenRespAndKvs(ProtocolVersion v) throws IOException {
        List<byte[]> keys = RespInterop.binaryKeys();
        try (StatefulRedisConnection<byte[], byte[]> conn = connect(v, ByteArrayCodec.INSTANCE);
                RawSocket kvs = new RawSocket(server.localAddress())) {
            RedisCommands<byte[], byte[]> c = conn.sync();
            for (int i = 0; i < keys.size(); i++) {
                assertEquals("OK", c.set(keys.get(i), RespInterop.binaryValue(i, keys.get(i))));
            }
            assertEquals(keys.size(), c.dbsize());
            List<KeyValue<byte[], byte[]>> values = c.mget(keys.toArray(new byte[0][]));
            for (int i = 0; i < keys.size(); i++) {
                byte[] expected = RespInterop.binaryValue(i, keys.get(i));
                assertArrayEquals(expected, c.get(keys.get(i)), "RESP get of key " + i);
                assertArrayEquals(expected, values.get(i).getValue(), "RESP mget of key " + i);
                assertArrayEquals(expected, RespInterop.kvsGet(kvs, keys.get(i)), "kvs get of key " + i);
            }
            // And back: kvs writes, RESP reads and removes.
            for (int i = 0; i < keys.size(); i++) {
                RespInterop.kvsSet(kvs, keys.get(i), keys.get(i));
            }
            for (int i = 0; i < keys.size(); i++) {
                assertArrayEquals(keys.get(i), c.getdel(keys.get(i)), "RESP getdel of key " + i);
                assertNull(RespInterop.kvsGet(kvs, keys.get(i)));
            }
            assertEquals(0, c.dbsize());
        }
    }

    @Test
    void helloSwitchesProtocol_midConnection() {
        try (StatefulRedisConnection<String, String> conn = connect(ProtocolVersion.RESP2, StringCodec.UTF8)) {
            RedisCommands<String, String> c = conn.sync();
            assertEquals(2L, hello(c).get("proto"));
            assertEquals(3L, hello(c, "3").get("proto"), "HELLO 3's own reply is in RESP3");
            assertNull(c.get("nope"), "RESP3's null, read by Lettuce's RESP2 connection all the same");
            assertEquals(Map.of("databases", "1"), c.configGet("databases"));
            assertEquals(2L, hello(c, "2").get("proto"));
            assertEquals(3L, hello(c, "3", "SETNAME", "renamed").get("proto"));
            assertEquals("renamed", c.clientGetname());
            assertEquals(c.clientId(), hello(c).get("id"));
        }
    }
}
