package kvs.server;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.protobuf.ProtobufDecoder;
import io.netty.handler.codec.protobuf.ProtobufEncoder;
import io.netty.handler.codec.protobuf.ProtobufVarint32LengthFieldPrepender;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import kvs.common.codec.FrameDecoder;
import kvs.proto.Request;

/**
 * Each connection's pipeline: framing and protobuf codecs, then the request handler, which
 * applies requests on a store executor.
 *
 * <pre>
 *  bytes in  → ConnectionGate → IdleStateHandler → FrameDecoder → ProtobufDecoder(Request) ─┐
 *                                                        ├→ RequestHandler ⇄ StoreCommands
 *  bytes out ← ConnectionGate ← LengthFieldPrepender ← ProtobufEncoder ←──┘     (event loop)   (store executor)
 * </pre>
 */
final class ServerInitializer extends ChannelInitializer<SocketChannel> {

    private static final ProtobufDecoder REQUEST_DECODER =
            new ProtobufDecoder(Request.getDefaultInstance());
    private static final ProtobufVarint32LengthFieldPrepender PREPENDER =
            new ProtobufVarint32LengthFieldPrepender();
    private static final ProtobufEncoder ENCODER = new ProtobufEncoder();

    private final int maxFrameBytes;
    private final StoreCommands commands;
    private final Executor storeExecutor;
    private final InFlight inFlight;
    private final ChannelGroup channels;
    private final ServerStats stats;
    private final ConnectionGate gate;
    private final long idleNanos;

    ServerInitializer(ServerConfig config, StoreCommands commands, Executor storeExecutor,
            InFlight inFlight, ChannelGroup channels, ServerStats stats) {
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
        p.addLast("frameDecoder", new FrameDecoder(maxFrameBytes));
        p.addLast("requestDecoder", REQUEST_DECODER);
        p.addLast("framePrepender", PREPENDER);
        p.addLast("responseEncoder", ENCODER);
        p.addLast("handler", new RequestHandler(commands, storeExecutor, inFlight, stats));
    }
}
