package kvs.server;

import static kvs.server.ServerTest.get;
import static kvs.server.ServerTest.set;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.nio.file.Path;
import kvs.common.Frames;
import kvs.common.HostPort;
import kvs.common.codec.FrameDecoder;
import kvs.proto.ErrorCode;
import kvs.proto.Request;
import kvs.proto.Response;
import kvs.store.Store;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A response that cannot be built or sent (out of memory) must still end the client's wait: in
 * an error reply where the result was only a read, otherwise in a closed connection. The
 * connection's allocator here fails as a full direct memory does.
 */
class AnswerFailureTest {

    @TempDir
    Path dir;
    private Store store;
    private final InFlight inFlight = new InFlight();
    private final MemoryBudget unsent = new MemoryBudget("unsent", 1 << 20);
    private EmbeddedChannel ch;

    /** Allocates buffers up to {@code limit} bytes; larger ones fail as out of direct memory. */
    private static final class ShortOfMemory extends AbstractByteBufAllocator {
        private final int limit;

        ShortOfMemory(int limit) {
            super(false);
            this.limit = limit;
        }

        @Override
        protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
            check(initialCapacity);
            return Unpooled.directBuffer(initialCapacity, maxCapacity);
        }

        @Override
        protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
            check(initialCapacity);
            return Unpooled.buffer(initialCapacity, maxCapacity);
        }

        @Override
        public boolean isDirectBufferPooled() {
            return false;
        }

        private void check(int bytes) {
            if (bytes > limit) {
                throw new OutOfMemoryError("Cannot reserve " + bytes + " bytes of direct buffer memory (test)");
            }
        }
    }

    @BeforeEach
    void open() throws IOException {
        store = Store.open(dir);
        store.set("big".getBytes(), new byte[100_000]);
        store.set("small".getBytes(), "v".getBytes());
    }

    @AfterEach
    void close() throws IOException {
        if (ch != null) {
            ch.finishAndReleaseAll();
        }
        store.close();
    }

    private void connect(int allocationLimit) {
        ServerConfig config = ServerConfig.of(new HostPort("127.0.0.1", 0), dir);
        ServerStats stats = new ServerStats(new MemoryBudget("pending", 1 << 20), unsent);
        FrameDecoder frames = new FrameDecoder(config.maxFrameBytes());
        ch = new EmbeddedChannel(frames, RequestDecoder.INSTANCE,
                new RequestHandler(new StoreCommands(store, config, () -> false, stats), Runnable::run,
                        inFlight, stats, () -> false, () -> false,
                        new PendingFrameGuard(new MemoryBudget("pending", 1 << 20), frames), unsent));
        ch.config().setAllocator(new ShortOfMemory(allocationLimit));
    }

    /** The requests in one read, as a pipelining client's would arrive. */
    private void send(Request... requests) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        for (Request r : requests) {
            bytes.writeBytes(Frames.encode(r));
        }
        ch.writeInbound(Unpooled.wrappedBuffer(bytes.toByteArray()));
        ch.runPendingTasks();
    }

    private Response response() throws IOException {
        ByteBuf out = ch.readOutbound();
        if (out == null) {
            return null;
        }
        try {
            byte[] frame = Frames.read(new java.io.ByteArrayInputStream(io.netty.buffer.ByteBufUtil.getBytes(out)), 1 << 30);
            return Response.parseFrom(frame);
        } finally {
            out.release();
        }
    }

    @Test
    void valueThatCannotBeSent_answeredResourceExhausted_connectionGoesOn() throws IOException {
        connect(10_000);
        send(get(1, "big"), get(2, "small"));
        Response r = response();
        assertEquals(1, r.getId());
        assertEquals(ErrorCode.RESOURCE_EXHAUSTED, r.getError().getCode(), r.toString());
        assertTrue(r.getError().getMessage().contains("out of memory"), r.getError().getMessage());
        Response small = response();
        assertEquals(2, small.getId());
        assertEquals("v", small.getValue().getValue().toStringUtf8());
        assertNull(response());

        send(set(3, "k", "v"));
        assertEquals(Response.ResultCase.DONE, response().getResultCase());
        assertTrue(ch.isOpen());
        assertEquals(0, inFlight.count());
        assertEquals(0, unsent.used());
    }

    @Test
    void noMemoryEvenForAnError_connectionClosed_nothingLeftInFlight() throws IOException {
        connect(0);
        send(set(1, "k", "v"), get(2, "small"));
        assertFalse(ch.isOpen(), "closed: the client learns at once that no answer comes");
        assertNull(response());
        assertEquals(0, inFlight.count());
        assertEquals(0, unsent.used());
        assertEquals("v", new String(store.get("k".getBytes())), "the write was applied all the same");
    }
}
