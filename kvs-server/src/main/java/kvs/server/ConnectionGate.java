package kvs.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.util.AttributeKey;
import kvs.common.Frames;
import kvs.proto.ErrorCode;

/**
 * First in every pipeline: counts connections and bytes, and refuses a connection beyond
 * {@code --max-connections} with {@code Error{UNAVAILABLE}} (id 0), or on the RESP listener with
 * {@code -ERR max number of clients reached}, before closing it. One per listener, shared by its
 * connections; the listeners' gates count against one limit.
 */
@Sharable
final class ConnectionGate extends ChannelDuplexHandler {

    /** Set on a connection that took a place, so that only those give one back. */
    private static final AttributeKey<Boolean> ADMITTED = AttributeKey.valueOf(ConnectionGate.class, "admitted");

    private final ServerStats stats;
    private final int maxConnections;

    /** What a refused connection is sent before it is closed, in its listener's protocol. */
    private final byte[] refusal;

    /** For the kvs listener: a refusal is an {@code Error{UNAVAILABLE}} frame. */
    ConnectionGate(ServerStats stats, int maxConnections) {
        this(stats, maxConnections, Frames.encode(StoreCommands.error(0, ErrorMapper.error(
                ErrorCode.UNAVAILABLE, "too many connections (the limit is " + maxConnections + "); retry later"))));
    }

    /** Several gates over one {@code stats} share its count of open connections, and so the limit. */
    ConnectionGate(ServerStats stats, int maxConnections, byte[] refusal) {
        this.stats = stats;
        this.maxConnections = maxConnections;
        this.refusal = refusal.clone();
    }

    /** The RESP listener's refusal: Redis's own error for it. */
    static byte[] respRefusal(int maxConnections) {
        return ("-ERR max number of clients reached (kvs-server --max-connections " + maxConnections
                + ")\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        if (!admit()) {
            stats.connectionsRefused.increment();
            stats.error(ErrorCode.UNAVAILABLE);
            ctx.channel().config().setAutoRead(false);
            ctx.writeAndFlush(ctx.alloc().buffer(refusal.length).writeBytes(refusal))
                    .addListener(ChannelFutureListener.CLOSE);
            return; // the rest of the pipeline never sees this connection
        }
        ctx.channel().attr(ADMITTED).set(Boolean.TRUE);
        stats.connectionsTotal.increment();
        super.channelActive(ctx);
    }

    /**
     * Takes one of the {@code maxConnections} places, if one is free: check and increment are one
     * atomic step, so a burst of connections on several event loops cannot overshoot the limit.
     */
    private boolean admit() {
        while (true) {
            int open = stats.connectionsCurrent.get();
            if (open >= maxConnections) {
                return false;
            }
            if (stats.connectionsCurrent.compareAndSet(open, open + 1)) {
                return true;
            }
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (ctx.channel().attr(ADMITTED).getAndSet(null) != null) {
            stats.connectionsCurrent.decrementAndGet(); // a refused connection never took a place
        }
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
