package kvs.server;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import kvs.common.codec.FrameDecoder;

/**
 * Each connection's pipeline: framing and protobuf decoding, then the request handler, which
 * applies requests on the event loop, or on a store executor those that may wait on the disk, and
 * writes their responses already framed ({@link ResponseEncoder}), several to a buffer.
 *
 * <pre>
 *  bytes in  → ConnectionGate → IdleStateHandler → PendingFrameGuard → FrameDecoder → RequestDecoder ─┐
 *                                                          RequestHandler → StoreCommands ←──┘
 *  bytes out ← ConnectionGate ←──── framed responses ─────── (event loop; a store executor
 *                                                            for what may wait on the disk)
 * </pre>
 *
 * <p>The idle timeout counts reads; {@link RequestHandler} spares a connection whose peer is
 * still taking its unsent responses, however slowly.
 */
final class ServerInitializer extends ChannelInitializer<SocketChannel> {

    private final int maxFrameBytes;
    private final StoreCommands commands;
    private final Executor storeExecutor;
    private final InFlight inFlight;
    private final ChannelGroup channels;
    private final ServerStats stats;
    private final ConnectionGate gate;
    private final long idleNanos;
    private final java.util.function.BooleanSupplier draining;
    private final java.util.function.BooleanSupplier closing;
    private final MemoryBudget pendingRequests;
    private final MemoryBudget unsentResponses;
    /** Shared by every connection: one task per event loop for the replies an fsync made durable. */
    private final LoopBatches loopBatches;
    private final ServerConfig config;
    /** Whether this is the RESP listener's. */
    private final boolean resp;
    /** The port listened on, once bound: INFO and CONFIG GET report it. */
    private volatile int port;

    ServerInitializer(ServerConfig config, StoreCommands commands, Executor storeExecutor,
            InFlight inFlight, ChannelGroup channels, ServerStats stats,
            java.util.function.BooleanSupplier draining, java.util.function.BooleanSupplier closing,
            MemoryBudget pendingRequests, MemoryBudget unsentResponses) {
        this(config, commands, storeExecutor, inFlight, channels, stats, draining, closing, pendingRequests,
                unsentResponses, new LoopBatches(), false);
    }

    /**
     * @param loopBatches shared with the other listener's initializer
     * @param resp for the RESP listener; else the kvs protocol's
     */
    ServerInitializer(ServerConfig config, StoreCommands commands, Executor storeExecutor,
            InFlight inFlight, ChannelGroup channels, ServerStats stats,
            java.util.function.BooleanSupplier draining, java.util.function.BooleanSupplier closing,
            MemoryBudget pendingRequests, MemoryBudget unsentResponses, LoopBatches loopBatches, boolean resp) {
        this.config = config;
        this.loopBatches = loopBatches;
        this.resp = resp;
        this.pendingRequests = pendingRequests;
        this.unsentResponses = unsentResponses;
        this.draining = draining;
        this.closing = closing;
        this.maxFrameBytes = config.maxFrameBytes();
        this.commands = commands;
        this.storeExecutor = storeExecutor;
        this.inFlight = inFlight;
        this.channels = channels;
        this.stats = stats;
        this.gate = !resp ? new ConnectionGate(stats, config.maxConnections())
                : new ConnectionGate(stats, config.maxConnections(), ConnectionGate.respRefusal(config.maxConnections()));
        this.idleNanos = config.idleTimeout().toNanos();
    }

    /** The port bound, for what the RESP listener reports. */
    void bound(int port) {
        this.port = port;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        channels.add(ch);
        ChannelPipeline p = ch.pipeline();
        p.addLast("gate", gate);
        p.addLast("idle", new IdleStateHandler(idleNanos, 0, 0, TimeUnit.NANOSECONDS));
        if (resp) {
            // RESP: the same handler behind another decoder and a translator (RespCommands).
            // A command may bring a largest key and a largest value (SET k v GET, say).
            RespDecoder decoder = new RespDecoder(Math.max(config.maxKeyBytes(), config.maxValueBytes()),
                    maxFrameBytes + 8L * RespDecoder.ARG_OVERHEAD_BYTES);
            PendingFrameGuard guard = new PendingFrameGuard(pendingRequests, decoder::pendingFrameBytes,
                    decoder::commandNumber);
            RespReplies replies = new RespReplies();
            p.addLast("pendingFrameGuard", guard);
            p.addLast("respDecoder", decoder);
            p.addLast("respCommands", new RespCommands(replies, config, port, commands::now));
            p.addLast("handler", new RequestHandler(commands, storeExecutor, inFlight, stats, draining,
                    closing, guard, unsentResponses, loopBatches, replies));
            return;
        }
        FrameDecoder frames = new FrameDecoder(maxFrameBytes);
        PendingFrameGuard guard = new PendingFrameGuard(pendingRequests, frames);
        p.addLast("pendingFrameGuard", guard);
        p.addLast("frameDecoder", frames);
        p.addLast("requestDecoder", RequestDecoder.INSTANCE);
        p.addLast("handler", new RequestHandler(commands, storeExecutor, inFlight, stats, draining,
                closing, guard, unsentResponses, loopBatches, ResponseEncoder.KVS));
    }
}
