package kvs.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import kvs.common.Frames;
import kvs.proto.ErrorCode;

/**
 * First in every pipeline: counts connections and bytes, and refuses a connection beyond
 * {@code --max-connections} with {@code Error{UNAVAILABLE}} (id 0) before closing it. Shared by
 * all connections.
 */
@Sharable
final class ConnectionGate extends ChannelDuplexHandler {

    private final ServerStats stats;
    private final int maxConnections;

    ConnectionGate(ServerStats stats, int maxConnections) {
        this.stats = stats;
        this.maxConnections = maxConnections;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        stats.connectionsCurrent.increment();
        if (stats.connectionsCurrent.sum() > maxConnections) {
            stats.connectionsRefused.increment();
            stats.error(ErrorCode.UNAVAILABLE);
            ctx.channel().config().setAutoRead(false);
            byte[] refusal = Frames.encode(StoreCommands.error(0, ErrorMapper.error(ErrorCode.UNAVAILABLE,
                    "too many connections (the limit is " + maxConnections + "); retry later")));
            ctx.writeAndFlush(ctx.alloc().buffer(refusal.length).writeBytes(refusal))
                    .addListener(ChannelFutureListener.CLOSE);
            return; // the rest of the pipeline never sees this connection
        }
        stats.connectionsTotal.increment();
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        stats.connectionsCurrent.decrement();
        super.channelInactive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof ByteBuf b) {
            stats.bytesIn.add(b.readableBytes());
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof ByteBuf b) {
            stats.bytesOut.add(b.readableBytes());
        }
        super.write(ctx, msg, promise);
    }
}
