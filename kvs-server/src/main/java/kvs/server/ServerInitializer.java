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
    private final LoopBatches loopBatches = new LoopBatches();

    ServerInitializer(ServerConfig config, StoreCommands commands, Executor storeExecutor,
            InFlight inFlight, ChannelGroup channels, ServerStats stats,
            java.util.function.BooleanSupplier draining, java.util.function.BooleanSupplier closing,
            MemoryBudget pendingRequests, MemoryBudget unsentResponses) {
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
        this.gate = new ConnectionGate(stats, config.maxConnections());
        this.idleNanos = config.idleTimeout().toNanos();
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        channels.add(ch);
        ChannelPipeline p = ch.pipeline();
        p.addLast("gate", gate);
        p.addLast("idle", new IdleStateHandler(idleNanos, 0, 0, TimeUnit.NANOSECONDS));
        FrameDecoder frames = new FrameDecoder(maxFrameBytes);
        PendingFrameGuard guard = new PendingFrameGuard(pendingRequests, frames);
        p.addLast("pendingFrameGuard", guard);
        p.addLast("frameDecoder", frames);
        p.addLast("requestDecoder", RequestDecoder.INSTANCE);
        p.addLast("handler", new RequestHandler(commands, storeExecutor, inFlight, stats, draining,
                closing, guard, unsentResponses, loopBatches));
    }
}
