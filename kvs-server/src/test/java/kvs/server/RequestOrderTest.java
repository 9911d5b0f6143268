package kvs.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import kvs.common.Frames;
import kvs.common.HostPort;
import kvs.proto.Compact;
import kvs.proto.Get;
import kvs.proto.Ping;
import kvs.proto.Request;
import kvs.proto.Response;
import kvs.proto.Rm;
import kvs.proto.Set;
import kvs.proto.Stats;
import kvs.store.StoreOptions;
import kvs.store.SyncPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Pipelined requests of every kind, mixed: those the event loop answers itself (small gets, sets
 * and removes; ping, stats) and those it hands to a store thread (values over 64 KiB, writes that
 * seal the active file, which is kept small here so that many do). Responses must come back in
 * request order, each with the result a one-at-a-time client would have seen.
 */
class RequestOrderTest {

    @TempDir
    Path dir;
    private KvsServer server;

    @AfterEach
    void stop() throws IOException {
        if (server != null) {
            server.close();
        }
    }

    @ParameterizedTest
    @EnumSource(value = SyncPolicy.class, names = {"NEVER", "ALWAYS"})
    void pipelinedMixOfInlineAndOffloadedRequests_answeredInRequestOrder(SyncPolicy sync) throws IOException {
        server = KvsServer.start(ServerConfig.of(new HostPort("127.0.0.1", 0), dir)
                .withStore(StoreOptions.defaults().withSync(sync).withMaxSegmentBytes(512 * 1024)));
        Random random = new Random(sync.ordinal() + 7);
        Map<String, byte[]> model = new HashMap<>();
        List<Request> requests = new ArrayList<>();
        List<Response.ResultCase> expected = new ArrayList<>();
        List<byte[]> expectedValues = new ArrayList<>();
        for (int id = 1; id <= 600; id++) {
            String key = "k" + random.nextInt(12);
            Request.Builder r = Request.newBuilder().setId(id);
            int kind = random.nextInt(10);
            if (kind < 3) {
                // Small values most of the time; one in four over the event loop's limit.
                byte[] value = new byte[random.nextInt(4) == 0 ? 70_000 + random.nextInt(10_000) : random.nextInt(200)];
                random.nextBytes(value);
                r.setSet(Set.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFrom(value)));
                model.put(key, value);
                expected.add(Response.ResultCase.DONE);
                expectedValues.add(null);
            } else if (kind < 7) {
                r.setGet(Get.newBuilder().setKey(ByteString.copyFromUtf8(key)));
                byte[] value = model.get(key);
                expected.add(value == null ? Response.ResultCase.NOT_FOUND : Response.ResultCase.VALUE);
                expectedValues.add(value);
            } else if (kind < 8) {
                r.setRm(Rm.newBuilder().setKey(ByteString.copyFromUtf8(key)));
                expected.add(model.remove(key) == null ? Response.ResultCase.NOT_FOUND : Response.ResultCase.DONE);
                expectedValues.add(null);
            } else if (kind < 9) {
                r.setPing(Ping.getDefaultInstance());
                expected.add(Response.ResultCase.DONE);
                expectedValues.add(null);
            } else if (random.nextInt(10) == 0) {
                r.setCompact(Compact.getDefaultInstance());
                expected.add(Response.ResultCase.DONE);
                expectedValues.add(null);
            } else {
                r.setStats(Stats.getDefaultInstance());
                expected.add(Response.ResultCase.STATS);
                expectedValues.add(null);
            }
            requests.add(r.build());
        }
        try (RawSocket c = new RawSocket(server.localAddress())) {
            // All at once, in a few large writes, from another thread: the server answers while
            // the client still sends, and the client must read meanwhile or both would block.
            Thread sender = new Thread(() -> {
                try {
                    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                    for (Request r : requests) {
                        bytes.writeBytes(Frames.encode(r));
                        if (bytes.size() > 256 * 1024) {
                            c.send(bytes.toByteArray());
                            bytes.reset();
                        }
                    }
                    c.send(bytes.toByteArray());
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            sender.start();
            for (int i = 0; i < requests.size(); i++) {
                Response r = c.read();
                assertEquals(i + 1, r.getId(), "responses in request order");
                assertEquals(expected.get(i), r.getResultCase(), "request " + (i + 1) + ": " + requests.get(i).getCommandCase());
                if (expectedValues.get(i) != null) {
                    assertArrayEquals(expectedValues.get(i), r.getValue().getValue().toByteArray(),
                            "request " + (i + 1));
                }
            }
            assertJoined(sender);
        }
    }

    @Test
    void offloadedGetThenInlineRequests_inlineOnesWaitTheirTurn() throws IOException {
        server = KvsServer.start(ServerConfig.of(new HostPort("127.0.0.1", 0), dir));
        byte[] big = new byte[3 * 1024 * 1024];
        new Random(1).nextBytes(big);
        server.store().set("big".getBytes(), big);
        try (RawSocket c = new RawSocket(server.localAddress())) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            bytes.writeBytes(Frames.encode(Request.newBuilder().setId(1)
                    .setGet(Get.newBuilder().setKey(ByteString.copyFromUtf8("big"))).build()));
            for (int id = 2; id <= 50; id++) {
                bytes.writeBytes(Frames.encode(Request.newBuilder().setId(id)
                        .setPing(Ping.getDefaultInstance()).build()));
            }
            c.send(bytes.toByteArray());
            Response first = c.read();
            assertEquals(1, first.getId());
            assertArrayEquals(big, first.getValue().getValue().toByteArray());
            for (int id = 2; id <= 50; id++) {
                assertEquals(id, c.read().getId());
            }
        }
    }

    private static void assertJoined(Thread t) {
        try {
            t.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        assertEquals(false, t.isAlive(), "the sender finished");
    }
}
