package kvs.client.bench;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import kvs.common.Frames;
import kvs.common.HostPort;
import kvs.common.Limits;
import kvs.common.Units;
import kvs.common.codec.FrameDecoder;
import kvs.proto.Get;
import kvs.proto.Request;
import kvs.proto.Response;
import kvs.proto.Set;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Drives a {@link Workload} against a server: {@code clients} connections on one Netty event
 * loop, each keeping {@code pipeline} requests in flight, every response checked. Latencies go
 * to HdrHistogram recorders, per command, in microseconds.
 *
 * <p>Paced ({@link Workload#rate()}), a request's latency counts from when it was due, not from
 * when it went out: a server that stalls makes the requests due meanwhile wait, and they are
 * charged for it (coordinated omission). The generator's own lateness is also in those latencies,
 * so it is measured apart, as the send lag: for each request sent by the timer set for it, how
 * late that timer ran (a busy load machine, a timer's granularity). Requests sent late because
 * the connection's pipeline was full waited on the server, and are not in it.
 *
 * <p>Checks: every response must answer its request's id in order with a result of the right
 * kind. A get is judged only on what bench writes and what this run wrote, so that an earlier
 * run's values (of another size, say) are no false alarm:
 * <ul>
 * <li>a value found must be one that bench writes under that key ({@link Values}), whichever run
 * wrote it: anything else is damaged, another key's, or not bench's data;
 * <li>once this run has had a set of the key acknowledged, on any connection, a get sent after
 * that must find this run's value: not NotFound, not an earlier run's value.
 * </ul>
 * Another writer of the same keys while it runs (a second bench run with another value size)
 * breaks the second rule: give concurrent runs different key prefixes. Failures are counted,
 * never hidden, and the first few described.
 */
public final class LoadGenerator {

    /** What a run measured. */
    public record Result(long sets, long gets, long errors, List<String> firstErrors, double seconds,
            Histogram setLatency, Histogram getLatency, Histogram allLatency, Histogram sendLag,
            long warmupRequests) {
        public long requests() {
            return sets + gets;
        }
    }

    private final HostPort address;
    private final Workload w;
    private final AtomicLong budget = new AtomicLong();
    private final LongAdder sets = new LongAdder();
    /** Requests answered in the warm-up: checked, not counted, and not taken from --requests. */
    private final LongAdder warmups = new LongAdder();
    private final LongAdder gets = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final List<String> firstErrors = java.util.Collections.synchronizedList(new ArrayList<>());
    private final Recorder setRecorder = new Recorder(3);
    private final Recorder getRecorder = new Recorder(3);
    private final Histogram setTotal = new Histogram(3);
    private final Histogram getTotal = new Histogram(3);
    /** Paced runs: how late each measured request went out, in microseconds. */
    private final Recorder lagRecorder = new Recorder(3);
    private final Histogram lagTotal = new Histogram(3);
    /**
     * The keys this run has had a set of acknowledged, on any connection: a bit a key. Atomic,
     * though every connection shares one event loop today, so that the check stays right if
     * they ever do not.
     */
    private final AtomicLongArray written;
    /** The next key to set in the prefill. */
    private final AtomicLong nextPrefillKey = new AtomicLong();
    private volatile long deadlineNanos = Long.MAX_VALUE;
    /** Until when answers are checked but not counted or timed. */
    private volatile long measureFromNanos;
    private CountDownLatch finished;
    private CountDownLatch prefilled;

    public LoadGenerator(HostPort address, Workload workload) {
        this.address = address;
        this.w = workload;
        this.written = new AtomicLongArray((workload.keys() + 63) / 64);
    }

    /** Requests answered so far, for a progress line. */
    public long done() {
        return sets.sum() + gets.sum();
    }

    public long errors() {
        return errors.sum();
    }

    /** Latencies recorded since the last call, merged into the run's totals. */
    public synchronized Histogram interval() {
        Histogram s = setRecorder.getIntervalHistogram();
        Histogram g = getRecorder.getIntervalHistogram();
        setTotal.add(s);
        getTotal.add(g);
        lagTotal.add(lagRecorder.getIntervalHistogram());
        Histogram both = new Histogram(3);
        both.add(s);
        both.add(g);
        return both;
    }

    /**
     * Runs the workload to the end; {@code progress} is called about once a second from this
     * thread while it runs.
     */
    public Result run(Runnable progress) throws IOException, InterruptedException {
        budget.set(w.requests() > 0 ? w.requests() : Long.MAX_VALUE);
        finished = new CountDownLatch(w.clients());
        prefilled = new CountDownLatch(w.prefill() ? w.clients() : 0);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        List<Channel> channels = new ArrayList<>();
        long start = System.nanoTime();
        try {
            Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000);
            for (int c = 0; c < w.clients(); c++) {
                Connection conn = new Connection(c, new Random(w.seed() * 7919 + c));
                b.handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new FrameDecoder(Limits.MAX_RESPONSE_FRAME_BYTES), conn);
                    }
                });
                ChannelFuture f = b.connect(address.toSocketAddress()).awaitUninterruptibly();
                if (!f.isSuccess()) {
                    throw new IOException("cannot connect to " + address + ": " + f.cause().getMessage(),
                            f.cause());
                }
                channels.add(f.channel());
            }
            if (w.prefill()) {
                for (Channel ch : channels) {
                    ch.eventLoop().execute(() -> ((Connection) ch.pipeline().last()).prefill(ch));
                }
                prefilled.await();
            }
            start = System.nanoTime();
            measureFromNanos = start + w.warmup().toNanos();
            if (w.duration() != null) {
                deadlineNanos = measureFromNanos + w.duration().toNanos();
            }
            for (Channel ch : channels) {
                ch.eventLoop().execute(() -> ((Connection) ch.pipeline().last()).fill(ch));
            }
            while (!finished.await(1, TimeUnit.SECONDS)) {
                progress.run();
            }
        } finally {
            for (Channel ch : channels) {
                ch.close();
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        double seconds = (System.nanoTime() - Math.max(start, measureFromNanos)) / 1e9;
        interval();
        Histogram all = new Histogram(3);
        all.add(setTotal);
        all.add(getTotal);
        return new Result(sets.sum(), gets.sum(), errors.sum(), List.copyOf(firstErrors), seconds,
                setTotal.copy(), getTotal.copy(), all, lagTotal.copy(), warmups.sum());
    }

    /**
     * Whether a request due at {@code due} is still to be sent. Paced, the schedule decides, not
     * the clock: the requests due before the deadline are all sent, late or not.
     */
    private boolean takeOne(long due) {
        if (due >= deadlineNanos) {
            return false;
        }
        if (due < measureFromNanos) {
            return true; // the warm-up is time of its own: --requests counts what comes after it
        }
        return budget.getAndDecrement() > 0;
    }

    private void markWritten(long key) {
        long bit = 1L << key;
        int word = (int) (key >>> 6);
        if ((written.get(word) & bit) == 0) {
            written.getAndAccumulate(word, bit, (a, b) -> a | b);
        }
    }

    private boolean isWritten(long key) {
        return (written.get((int) (key >>> 6)) & (1L << key)) != 0;
    }

    private void error(String what) {
        errors.increment();
        if (firstErrors.size() < 10) {
            firstErrors.add(what);
        }
    }

    /** One connection: its requests in flight, in order, and the keys it has set. */
    private final class Connection extends SimpleChannelInboundHandler<ByteBuf> {
        /** In flight during the prefill: enough to make it quick, whatever the pipeline. */
        private static final int PREFILL_PIPELINE = 16;
        private final int index;
        private final Random rnd;
        /** id, key, isSet, due, prefill, and for a get whether this run had written the key when it went out. */
        private final ArrayDeque<long[]> inFlight = new ArrayDeque<>();
        private long nextId = 1;
        /** The measured phase has begun ({@link #fill}); the prefill comes before it. */
        private boolean started;
        private boolean prefillDone;
        private boolean done;
        /** With a rate: when this connection's next request is due, and the gap between two. */
        private long nextDue;
        private final long intervalNanos = w.rate() > 0 ? (long) (w.clients() * 1e9 / w.rate()) : 0;
        private boolean scheduled;

        Connection(int index, Random rnd) {
            this.index = index;
            this.rnd = rnd;
        }

        void prefill(Channel ch) {
            topPrefill(ch);
            ch.flush();
            endPrefillIfIdle();
        }

        private void topPrefill(Channel ch) {
            while (inFlight.size() < PREFILL_PIPELINE) {
                long key = nextPrefillKey.getAndIncrement();
                if (key >= w.keys()) {
                    return;
                }
                send(ch, key, true, System.nanoTime(), true);
            }
        }

        private void endPrefillIfIdle() {
            if (inFlight.isEmpty()) {
                endPrefill();
            }
        }

        private void endPrefill() {
            if (!prefillDone) {
                prefillDone = true;
                prefilled.countDown();
            }
        }

        void fill(Channel ch) {
            started = true;
            // Staggered, so that the connections' requests do not all fall due at once.
            nextDue = System.nanoTime() + intervalNanos * index / w.clients();
            top(ch, false);
            ch.flush();
            finishIfIdle();
        }

        /**
         * Sends what the pipeline and the schedule allow now; schedules the rest. {@code onTimer}:
         * called by the timer set for the next due request, whose lateness is then the tool's own
         * (a request sent late because the pipeline was full waited on the server instead).
         */
        private void top(Channel ch, boolean onTimer) {
            while (inFlight.size() < w.pipeline()) {
                if (intervalNanos > 0) {
                    long wait = nextDue - System.nanoTime();
                    if (wait > 0) {
                        if (!scheduled) {
                            scheduled = true;
                            ch.eventLoop().schedule(() -> {
                                scheduled = false;
                                top(ch, true);
                                ch.flush();
                                finishIfIdle();
                            }, wait, TimeUnit.NANOSECONDS);
                        }
                        return;
                    }
                }
                long now = System.nanoTime();
                long due = intervalNanos > 0 ? nextDue : now;
                if (!takeOne(due)) {
                    return;
                }
                if (onTimer && due >= measureFromNanos) {
                    lagRecorder.recordValue(Math.max(0, now - due) / 1000);
                }
                long key = rnd.nextInt(w.keys());
                boolean isSet = rnd.nextInt(w.setWeight() + w.getWeight()) < w.setWeight();
                send(ch, key, isSet, due, false);
                nextDue += intervalNanos;
            }
        }

        private void send(Channel ch, long key, boolean isSet, long due, boolean forPrefill) {
            long id = nextId++;
            Request.Builder r = Request.newBuilder().setId(id);
            if (isSet) {
                r.setSet(Set.newBuilder().setKey(UnsafeByteOperations.unsafeWrap(w.key(key)))
                        .setValue(UnsafeByteOperations.unsafeWrap(w.value(key))));
            } else {
                r.setGet(Get.newBuilder().setKey(UnsafeByteOperations.unsafeWrap(w.key(key))));
            }
            inFlight.add(new long[] {id, key, isSet ? 1 : 0, due, forPrefill ? 1 : 0, isWritten(key) ? 1 : 0});
            byte[] frame = Frames.encode(r.build());
            ch.write(ch.alloc().buffer(frame.length).writeBytes(frame), ch.voidPromise());
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
            long[] sent = inFlight.poll();
            long now = System.nanoTime();
            if (sent == null) {
                error("a response with no request in flight");
                return;
            }
            Response r;
            try {
                r = Response.parseFrom(ByteBufUtil.getBytes(frame));
            } catch (InvalidProtocolBufferException e) {
                error("malformed response: " + e.getMessage());
                ctx.close();
                return;
            }
            check(sent, r);
            if (sent[4] == 1) {
                topPrefill(ctx.channel());
                return;
            }
            long micros = Math.max(1, (now - sent[3]) / 1000);
            if (sent[3] < measureFromNanos) {
                warmups.increment(); // checked, not counted
            } else if (sent[2] == 1) {
                sets.increment();
                setRecorder.recordValue(micros);
            } else {
                gets.increment();
                getRecorder.recordValue(micros);
            }
            top(ctx.channel(), false);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
            if (started) {
                finishIfIdle();
            } else {
                endPrefillIfIdle();
            }
        }

        private void check(long[] sent, Response r) {
            long id = sent[0];
            long key = sent[1];
            boolean writtenBefore = sent[5] == 1;
            if (r.getId() != id) {
                error("response id " + r.getId() + " where " + id + " was due");
            } else if (r.getResultCase() == Response.ResultCase.ERROR) {
                error("request " + id + ": " + r.getError().getCode() + ": " + r.getError().getMessage());
            } else if (sent[2] == 1) {
                if (r.getResultCase() != Response.ResultCase.DONE) {
                    error("set of " + w.keyText(key) + " answered " + r.getResultCase());
                } else {
                    markWritten(key);
                }
            } else if (r.getResultCase() == Response.ResultCase.NOT_FOUND) {
                if (writtenBefore) {
                    error("get of " + w.keyText(key) + " found nothing after this run had set it");
                }
            } else if (r.getResultCase() != Response.ResultCase.VALUE) {
                error("get of " + w.keyText(key) + " answered " + r.getResultCase());
            } else {
                byte[] value = r.getValue().getValue().toByteArray();
                if (!Values.isBenchValue(w.key(key), value)) {
                    error("get of " + w.keyText(key) + " answered a wrong value: " + Units.count(value.length, "byte")
                            + " that bench does not write under that key (damaged, another key's, or not bench's)");
                } else if (writtenBefore && value.length != w.valueSize()) {
                    error("get of " + w.keyText(key) + " answered an earlier " + value.length + "-byte value after"
                            + " this run had set it to " + w.valueSize() + " bytes");
                }
            }
        }

        private void finishIfIdle() {
            if (!done && inFlight.isEmpty() && !scheduled) {
                done = true;
                finished.countDown();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!done) {
                if (!inFlight.isEmpty()) {
                    error("the server closed a connection with " + Units.count(inFlight.size(), "request")
                            + " in flight");
                }
                done = true;
                finished.countDown();
            }
            endPrefill();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            error("connection failed: " + cause);
            ctx.close();
        }
    }
}
