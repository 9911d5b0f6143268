package kvs.client;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import kvs.common.HostPort;
import kvs.proto.ErrorCode;
import kvs.server.KvsServer;
import kvs.server.ServerConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client class end to end, against a real server on an ephemeral port. */
class KvsClientTest {

    @TempDir
    Path dir;
    KvsServer server;
    HostPort address;

    @BeforeEach
    void start() throws IOException {
        startServer();
    }

    private void startServer() throws IOException {
        server = KvsServer.start(ServerConfig.of(new HostPort("127.0.0.1", 0), dir)
                .withMaxValueBytes(32 << 20));
        address = new HostPort("127.0.0.1", server.localAddress().getPort());
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
    }

    @Test
    void setGetRemove() throws IOException {
        try (KvsClient kvs = KvsClient.connect(address)) {
            kvs.set(b("a"), b("1"));
            assertArrayEquals(b("1"), kvs.get(b("a")));
            assertTrue(kvs.remove(b("a")));
            assertNull(kvs.get(b("a")));
            assertFalse(kvs.remove(b("a")));
        }
    }

    @Test
    void conditionalSets_andCompareAndSet_sayWhetherTheyApplied() throws IOException {
        try (KvsClient kvs = KvsClient.connect(address)) {
            assertFalse(kvs.setIfPresent(b("k"), b("1")));
            assertNull(kvs.get(b("k")));
            assertTrue(kvs.setIfAbsent(b("k"), b("1")));
            assertFalse(kvs.setIfAbsent(b("k"), b("2")));
            assertTrue(kvs.setIfPresent(b("k"), b("3")));
            assertFalse(kvs.compareAndSet(b("k"), b("1"), b("4")));
            assertArrayEquals(b("3"), kvs.get(b("k")));
            assertTrue(kvs.compareAndSet(b("k"), b("3"), b("4")));
            assertArrayEquals(b("4"), kvs.get(b("k")));
            assertFalse(kvs.compareAndSet(b("none"), b(""), b("x")), "a missing key matches nothing");
        }
    }

    @Test
    void incr_returnsTheNewValue_andABadValueIsABadRequest() throws IOException {
        try (KvsClient kvs = KvsClient.connect(address)) {
            assertEquals(1, kvs.incr(b("n"), 1));
            assertEquals(-41, kvs.incr(b("n"), -42));
            kvs.set(b("s"), b("x"));
            ServerErrorException e = assertThrows(ServerErrorException.class, () -> kvs.incr(b("s"), 1));
            assertEquals(ErrorCode.BAD_REQUEST, e.code());
            assertTrue(e.getMessage().contains("not an integer"), e.getMessage());
            assertEquals(-40, kvs.incr(b("n"), 1), "the connection is still usable");
        }
    }

    @Test
    void scan_count_exists() throws IOException {
        try (KvsClient kvs = KvsClient.connect(address)) {
            for (int i = 0; i < 25; i++) {
                kvs.set(b("a" + i), b("v"));
            }
            kvs.set(b("b"), b("v"));
            assertEquals(26, kvs.count());
            assertEquals(2, kvs.exists(b("a1"), b("b"), b("c")));
            List<String> keys = new ArrayList<>();
            kvs.scan(b("a"), 4).forEach(k -> keys.add(new String(k, UTF_8)));
            assertEquals(25, keys.size());
            assertEquals(25, keys.stream().distinct().filter(k -> k.startsWith("a")).count());
            KeyPage first = kvs.scanPage(null, b(""), 10);
            assertEquals(10, first.keys().size());
            assertFalse(first.done());
            assertFalse(kvs.scan(b("zzz"), 0).iterator().hasNext());
            ServerErrorException e = assertThrows(ServerErrorException.class,
                    () -> kvs.scanPage(b("bad"), b(""), 10));
            assertEquals(ErrorCode.BAD_REQUEST, e.code());
        }
    }

    @Test
    void ipv6Loopback_bracketedAddress() throws IOException {
        try (KvsServer v6 = KvsServer.start(ServerConfig.of(HostPort.parse("[::1]:0"),
                dir.resolve("v6")))) {
            HostPort a = HostPort.parse("[::1]:" + v6.localAddress().getPort());
            try (KvsClient kvs = KvsClient.connect(a)) {
                kvs.set(b("six"), b("6"));
                assertArrayEquals(b("6"), kvs.get(b("six")));
            }
        }
    }

    @Test
    void overwrites_triggerAutomaticCompaction_andTheDirectoryShrinks() throws Exception {
        Path data = dir.resolve("auto");
        ServerConfig config = ServerConfig.of(new HostPort("127.0.0.1", 0), data).withStore(
                kvs.store.StoreOptions.defaults().withMaxSegmentBytes(16 * 1024)
                        .withCompactRatio(0.5).withCompactMinBytes(64 * 1024));
        try (KvsServer auto = KvsServer.start(config);
                KvsClient kvs = KvsClient.connect(new HostPort("127.0.0.1", auto.localAddress().getPort()))) {
            byte[] value = new byte[100];
            long peak = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            int i = 0;
            while (auto.store().stats().compactions() == 0) {
                assertTrue(i < 100_000 && System.nanoTime() < deadline, "no compaction after " + i + " sets");
                kvs.set(b("key" + (i % 100)), value);
                peak = Math.max(peak, directoryBytes(data));
                i++;
            }
            long after = directoryBytes(data);
            assertTrue(after < peak / 2, "after " + after + " bytes, peak " + peak);
            for (int k = 0; k < 100; k++) {
                assertArrayEquals(value, kvs.get(b("key" + k)));
            }
        }
    }

    private static long directoryBytes(Path d) throws IOException {
        long sum = 0;
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(d)) {
            for (Path p : files.toList()) {
                try {
                    sum += java.nio.file.Files.size(p);
                } catch (java.nio.file.NoSuchFileException gone) {
                    // deleted by the compaction running meanwhile
                }
            }
        }
        return sum;
    }

    @Test
    void largeBinaryValue_roundTrips() throws IOException {
        byte[] value = new byte[16 << 20];
        new Random(1).nextBytes(value);
        try (KvsClient kvs = KvsClient.connect(address)) {
            kvs.set(new byte[] {0, 1, 2}, value);
            assertArrayEquals(value, kvs.get(new byte[] {0, 1, 2}));
        }
    }

    @Test
    void serverError_becomesServerErrorException_andConnectionStaysUsable() throws IOException {
        try (KvsClient kvs = KvsClient.connect(address)) {
            ServerErrorException e = assertThrows(ServerErrorException.class,
                    () -> kvs.set(b("big"), new byte[(32 << 20) + 1]));
            assertEquals(ErrorCode.TOO_LARGE, e.code());
            assertTrue(e.getMessage().contains("limit"), e.getMessage());
            kvs.set(b("k"), b("v"));
            assertArrayEquals(b("v"), kvs.get(b("k")));
        }
    }

    @Test
    void dataPersists_acrossServerRestart() throws IOException {
        try (KvsClient kvs = KvsClient.connect(address)) {
            kvs.set(b("durable"), b("yes"));
        }
        server.close();
        startServer();
        try (KvsClient kvs = KvsClient.connect(address)) {
            assertArrayEquals(b("yes"), kvs.get(b("durable")));
        }
    }

    @Test
    void connect_noServer_failsFastNamingTheAddress() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        HostPort nobody = new HostPort("127.0.0.1", port);
        long start = System.nanoTime();
        IOException e = assertThrows(IOException.class, () -> KvsClient.connect(nobody));
        assertTrue(e.getMessage().startsWith("cannot connect to 127.0.0.1:" + port), e.getMessage());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5));
    }

    @Test
    void request_serverThatNeverAnswers_timesOut() throws IOException {
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            HostPort a = new HostPort("127.0.0.1", silent.getLocalPort());
            ClientOptions quick = new ClientOptions(Duration.ofSeconds(2), Duration.ofMillis(300));
            try (KvsClient kvs = KvsClient.connect(a, quick)) {
                IOException e = assertThrows(IOException.class, () -> kvs.get(b("k")));
                assertTrue(e.getMessage().contains("no response"), e.getMessage());
                // The connection is now unusable, and says so.
                IOException again = assertThrows(IOException.class, () -> kvs.get(b("k")));
                assertTrue(again.getMessage().contains("unusable"), again.getMessage());
            }
        }
    }

    @Test
    void serverStops_callFailsWithClearError() throws IOException {
        try (KvsClient kvs = KvsClient.connect(address)) {
            kvs.set(b("a"), b("1"));
            server.close();
            IOException e = assertThrows(IOException.class, () -> kvs.get(b("a")));
            assertTrue(e.getMessage().contains(address.toString()), e.getMessage());
        }
        startServer();
    }

    @Test
    void oneClient_manyThreads_eachSeesItsOwnWrites() throws Exception {
        try (KvsClient kvs = KvsClient.connect(address)) {
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    int id = t;
                    futures.add(pool.submit(() -> {
                        for (int i = 0; i < 200; i++) {
                            byte[] key = b("t" + id + "-" + i);
                            kvs.set(key, b("v" + i));
                            assertArrayEquals(b("v" + i), kvs.get(key));
                        }
                        return null;
                    }));
                }
                for (Future<?> f : futures) {
                    f.get(60, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
        }
        assertEquals(1600, server.store().size());
    }

    @Test
    void getAll_valuesInOrder_nullForMissing_pipelinedBeyondTheWindow() throws IOException {
        int n = Connection.MAX_IN_FLIGHT * 3 + 7;
        byte[][] keys = new byte[n][];
        java.util.Map<byte[], byte[]> pairs = new java.util.LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            keys[i] = b("k" + i);
            if (i % 3 != 0) {
                pairs.put(keys[i], b("v" + i));
            }
        }
        try (KvsClient kvs = KvsClient.connect(address)) {
            kvs.setAll(pairs);
            List<byte[]> values = kvs.getAll(keys);
            assertEquals(n, values.size());
            for (int i = 0; i < n; i++) {
                if (i % 3 == 0) {
                    assertNull(values.get(i), "k" + i);
                } else {
                    assertArrayEquals(b("v" + i), values.get(i), "k" + i);
                }
            }
            assertEquals(List.of(), kvs.getAll());
            assertArrayEquals(b("v1"), kvs.get(b("k1")), "the connection is in step after a getAll");
        }
    }

    @Test
    void setAll_laterPairOfAKeyWins() throws IOException {
        java.util.Map<byte[], byte[]> pairs = new java.util.LinkedHashMap<>();
        pairs.put(b("a"), b("1"));
        pairs.put(b("a"), b("2")); // another array: another map key, the same kvs key
        try (KvsClient kvs = KvsClient.connect(address)) {
            kvs.setAll(pairs);
            assertArrayEquals(b("2"), kvs.get(b("a")));
        }
    }

    @Test
    void setAll_aPairTheServerRefuses_setsNone() throws IOException {
        java.util.Map<byte[], byte[]> pairs = new java.util.LinkedHashMap<>();
        pairs.put(b("ok"), b("1"));
        pairs.put(b("big"), new byte[(32 << 20) + 1]);
        try (KvsClient kvs = KvsClient.connect(address)) {
            ServerErrorException e = assertThrows(ServerErrorException.class, () -> kvs.setAll(pairs));
            assertEquals(ErrorCode.TOO_LARGE, e.code());
            assertNull(kvs.get(b("ok")), "all or nothing");
        }
    }

    @Test
    void getAll_anErrorMidway_isThrown_andTheConnectionStaysInStep() throws IOException {
        try (KvsServer small = KvsServer.start(ServerConfig.of(new HostPort("127.0.0.1", 0), dir.resolve("small"))
                .withMaxKeyBytes(8));
                KvsClient kvs = KvsClient.connect(new HostPort("127.0.0.1", small.localAddress().getPort()))) {
            kvs.set(b("a"), b("1"));
            ServerErrorException e = assertThrows(ServerErrorException.class,
                    () -> kvs.getAll(b("a"), b("a-key-over-8-bytes"), b("a")));
            assertEquals(ErrorCode.TOO_LARGE, e.code());
            assertArrayEquals(b("1"), kvs.get(b("a")), "the gets after the error were read and dropped");
        }
    }

    static byte[] b(String s) {
        return s.getBytes(UTF_8);
    }
}
