package kvs.server;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.protobuf.ProtobufDecoder;
import io.netty.handler.codec.protobuf.ProtobufEncoder;
import io.netty.handler.codec.protobuf.ProtobufVarint32LengthFieldPrepender;
import java.util.concurrent.Executor;
import kvs.common.codec.FrameDecoder;
import kvs.proto.Request;

/**
 * Each connection's pipeline: framing and protobuf codecs, then the request handler, which
 * applies requests on a store executor.
 *
 * <pre>
 *  bytes in  → FrameDecoder → ProtobufDecoder(Request) ─┐
 *                                                        ├→ RequestHandler ⇄ StoreCommands
 *  bytes out ← LengthFieldPrepender ← ProtobufEncoder ←──┘     (event loop)   (store executor)
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

    ServerInitializer(int maxFrameBytes, StoreCommands commands, Executor storeExecutor,
            InFlight inFlight, ChannelGroup channels) {
        this.maxFrameBytes = maxFrameBytes;
        this.commands = commands;
        this.storeExecutor = storeExecutor;
        this.inFlight = inFlight;
        this.channels = channels;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        channels.add(ch);
        ChannelPipeline p = ch.pipeline();
        p.addLast("frameDecoder", new FrameDecoder(maxFrameBytes));
        p.addLast("requestDecoder", REQUEST_DECODER);
        p.addLast("framePrepender", PREPENDER);
        p.addLast("responseEncoder", ENCODER);
        p.addLast("handler", new RequestHandler(commands, storeExecutor, inFlight));
    }
}
