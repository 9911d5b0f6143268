package kvs.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.google.protobuf.ByteString;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import kvs.common.Frames;
import kvs.common.HostPort;
import kvs.common.codec.FrameDecoder;
import kvs.proto.Get;
import kvs.proto.Request;
import kvs.proto.Response;
import kvs.proto.Stats;
import kvs.store.Store;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stats request is answered while every store thread is busy: as when writers wait for the
 * store's write lock while a compaction's seal fsyncs the active file under it. The store
 * executor here holds its tasks, as busy threads would, until the test runs them.
 */
class StatsWhileStoreThreadsBusyTest {

    @TempDir
    Path dir;

    private Store store;
    private final List<Runnable> held = new ArrayList<>();
    private final Executor busyStoreThreads = held::add;
    private EmbeddedChannel channel;

    @BeforeEach
    void open() throws IOException {
        store = Store.open(dir);
        // Over the event loop's limit: a get of it goes to a store thread.
        store.set("k".getBytes(), new byte[StoreCommands.INLINE_RECORD_BYTES + 1]);
        ServerStats stats = new ServerStats();
        StoreCommands commands = new StoreCommands(store, ServerConfig.of(new HostPort("127.0.0.1", 0), dir),
                () -> false, stats);
        channel = new EmbeddedChannel(new RequestHandler(commands, busyStoreThreads, new InFlight(), stats,
                () -> false, () -> false,
                new PendingFrameGuard(new MemoryBudget("pending", 1 << 20), new FrameDecoder(1 << 20)),
                new MemoryBudget("unsent", 1 << 20)));
    }

    @AfterEach
    void close() throws IOException {
        channel.finishAndReleaseAll();
        store.close();
    }

    @Test
    void stats_storeThreadsBusy_answeredAtOnce() throws IOException {
        channel.writeInbound(stats(1));
        Response r = readResponse();
        assertEquals(1, r.getId());
        assertEquals(Response.ResultCase.STATS, r.getResultCase());
        assertEquals(1L, r.getStats().getValuesMap().get("keys"));
        assertEquals(0, held.size(), "no store thread was needed");
    }

    @Test
    void stats_behindAQueuedGet_waitsItsTurn_responsesKeepRequestOrder() throws IOException {
        channel.writeInbound(get(1), stats(2));
        assertNull(channel.readOutbound(), "nothing may overtake the get");
        runHeld();
        assertEquals(1, readResponse().getId());
        assertEquals(2, readResponse().getId());
        // With the connection idle again, the next stats is answered at once.
        channel.writeInbound(stats(3));
        assertEquals(3, readResponse().getId());
    }

    private void runHeld() {
        for (int i = 0; i < 10 && !held.isEmpty(); i++) {
            List<Runnable> now = new ArrayList<>(held);
            held.clear();
            now.forEach(Runnable::run);
            channel.runPendingTasks();
        }
    }

    /** Responses written so far, several to a buffer or one; read one at a time. */
    private final java.util.ArrayDeque<Response> read = new java.util.ArrayDeque<>();

    private Response readResponse() throws IOException {
        for (ByteBuf b; (b = channel.readOutbound()) != null; ) {
            try (ByteBufInputStream in = new ByteBufInputStream(b, true)) {
                while (b.isReadable()) {
                    read.add(Response.parseFrom(Frames.read(in, 1 << 20)));
                }
            }
        }
        if (read.isEmpty()) {
            throw new AssertionError("no response was written");
        }
        return read.poll();
    }

    private static Request stats(long id) {
        return Request.newBuilder().setId(id).setStats(Stats.getDefaultInstance()).build();
    }

    private static Request get(long id) {
        return Request.newBuilder().setId(id).setGet(Get.newBuilder().setKey(ByteString.copyFromUtf8("k"))).build();
    }
}
