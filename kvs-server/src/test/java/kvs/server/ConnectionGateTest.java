package kvs.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBufInputStream;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import kvs.common.Frames;
import kvs.proto.ErrorCode;
import kvs.proto.Response;
import org.junit.jupiter.api.Test;

/** {@link ConnectionGate} on {@link EmbeddedChannel}s: the connection limit, exactly. */
class ConnectionGateTest {

    /** Counts the connections that got past the gate. */
    private static final class Admitted extends ChannelInboundHandlerAdapter {
        private final AtomicInteger count;

        Admitted(AtomicInteger count) {
            this.count = count;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            count.incrementAndGet();
        }
    }

    /**
     * Holds every write, as a socket does for a moment: a refused connection stays open (and
     * counted, were it counted) until its refusal is written.
     */
    private static final class HeldWrites extends ChannelOutboundHandlerAdapter {
        private final List<Object> messages = new ArrayList<>();
        private final List<ChannelPromise> promises = new ArrayList<>();

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            messages.add(msg);
            promises.add(promise);
        }

        void release() {
            messages.forEach(ReferenceCountUtil::release);
            promises.forEach(ChannelPromise::setSuccess);
        }
    }

    @Test
    void overTheLimit_refusedWithUnavailable_andClosed_placeFreedWhenAnAdmittedOneCloses() throws IOException {
        ServerStats stats = new ServerStats();
        ConnectionGate gate = new ConnectionGate(stats, 1);
        AtomicInteger admitted = new AtomicInteger();
        EmbeddedChannel first = new EmbeddedChannel(gate, new Admitted(admitted));
        EmbeddedChannel second = new EmbeddedChannel(gate, new Admitted(admitted));
        assertEquals(1, admitted.get());
        assertTrue(first.isOpen());
        assertFalse(second.isOpen());
        Response r;
        try (ByteBufInputStream refusal = new ByteBufInputStream(second.readOutbound(), true)) {
            r = Response.parseFrom(Frames.read(refusal, 1 << 20));
        }
        second.finishAndReleaseAll();
        assertEquals(ErrorCode.UNAVAILABLE, r.getError().getCode());
        assertEquals(1, stats.connectionsCurrent.get(), "a refused connection takes no place");

        first.close();
        assertEquals(0, stats.connectionsCurrent.get());
        EmbeddedChannel third = new EmbeddedChannel(gate, new Admitted(admitted));
        assertTrue(third.isOpen());
        assertEquals(2, admitted.get());
        third.close();
    }

    /**
     * A burst of connections opened at once, from many threads (as from several event loops):
     * exactly the limit get in, in every round.
     */
    @Test
    void burstFromManyThreads_admitsExactlyTheLimit() throws Exception {
        int limit = 20;
        int threads = 8;
        int perThread = 10;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            for (int round = 0; round < 50; round++) {
                ServerStats stats = new ServerStats();
                ConnectionGate gate = new ConnectionGate(stats, limit);
                AtomicInteger admitted = new AtomicInteger();
                CountDownLatch go = new CountDownLatch(1);
                List<Future<List<EmbeddedChannel>>> opened = new ArrayList<>();
                List<HeldWrites> held = java.util.Collections.synchronizedList(new ArrayList<>());
                for (int t = 0; t < threads; t++) {
                    opened.add(pool.submit(() -> {
                        go.await();
                        List<EmbeddedChannel> mine = new ArrayList<>();
                        for (int i = 0; i < perThread; i++) {
                            HeldWrites h = new HeldWrites();
                            held.add(h);
                            mine.add(new EmbeddedChannel(h, gate, new Admitted(admitted)));
                        }
                        return mine;
                    }));
                }
                go.countDown();
                List<EmbeddedChannel> all = new ArrayList<>();
                for (Future<List<EmbeddedChannel>> f : opened) {
                    all.addAll(f.get(30, TimeUnit.SECONDS));
                }
                assertEquals(limit, admitted.get(), "round " + round);
                assertEquals(limit, stats.connectionsCurrent.get(), "round " + round);
                assertEquals(threads * perThread - limit, stats.connectionsRefused.sum(), "round " + round);
                held.forEach(HeldWrites::release); // the refusals are written: those connections close
                assertEquals(limit, all.stream().filter(EmbeddedChannel::isOpen).count(), "round " + round);
                for (EmbeddedChannel ch : all) {
                    ch.finishAndReleaseAll();
                }
                assertEquals(0, stats.connectionsCurrent.get(), "round " + round);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
