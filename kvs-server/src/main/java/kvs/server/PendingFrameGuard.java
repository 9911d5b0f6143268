package kvs.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.util.ReferenceCountUtil;
import kvs.common.codec.FrameDecoder;

/**
 * Bounds, server-wide, the memory held in requests still being received ({@code
 * --max-pending-bytes}). Sits just before the connection's {@link FrameDecoder}, and after each
 * read asks it which frame it holds unfinished.
 *
 * <p>A frame that is not whole after a read must have its whole declared size reserved in the
 * {@link MemoryBudget}: it will grow to that size in the decoder's buffer. With room, reading goes
 * on, and the reservation is released when the frame is whole (or the connection closes). Without
 * room the connection is paused (not read) until another connection's release makes room; then
 * {@link #ROOM} is sent down the pipeline, and {@link RequestHandler} resumes reading. A frame
 * larger than the whole budget can never be served: it fails as a {@link FrameOverBudgetException},
 * answered {@code RESOURCE_EXHAUSTED} before the connection is closed.
 *
 * <p>Reserving a frame's whole size, not the bytes received so far, means that every connection
 * that holds a reservation can finish its frame: connections cannot all stall half-way with the
 * budget spent. A paused connection holds, unreserved, the bytes of its last read (at most one
 * socket read, 64 KiB). Requests that arrive whole in one read never touch the budget, so small
 * requests go on being served while big ones wait.
 *
 * <p>Made per connection; its fields are touched only on the connection's event loop.
 */
final class PendingFrameGuard extends ChannelDuplexHandler {

    /** Sent down the pipeline when a paused connection got its room and may be read again. */
    static final Object ROOM = new Object() {
        @Override
        public String toString() {
            return "ROOM";
        }
    };

    private final MemoryBudget budget;
    /** The decoder's {@code pendingFrameBytes}: what its unfinished frame will hold, or 0. */
    private final java.util.function.LongSupplier pendingFrameBytes;
    /** Bytes reserved for the unfinished frame. */
    private long reserved;
    /** The size of an unfinished frame waiting for room, or 0. */
    private long waiting;
    /** Whether the connection's frame was refused: what follows is dropped. */
    private boolean refused;

    /**
     * For a decoder whose unfinished request grows as it arrives (a RESP command, an argument at a
     * time): which request is unfinished, so that its growth is reserved on top of what it holds;
     * null for kvs frames, whose whole size is known from their first bytes.
     */
    private final java.util.function.LongSupplier requestNumber;
    /** The request {@link #reserved} is for. */
    private long reservedFor;

    PendingFrameGuard(MemoryBudget budget, FrameDecoder decoder) {
        this(budget, decoder::pendingFrameBytes, null);
    }

    /**
     * For {@link RespDecoder}: {@code pendingFrameBytes} is what its unfinished command holds and
     * will hold once its current argument is whole; {@code requestNumber} numbers its commands.
     */
    PendingFrameGuard(MemoryBudget budget, java.util.function.LongSupplier pendingFrameBytes,
            java.util.function.LongSupplier requestNumber) {
        this.budget = budget;
        this.pendingFrameBytes = pendingFrameBytes;
        this.requestNumber = requestNumber;
    }

    /** Whether the connection must not be read: its unfinished frame waits for room. */
    boolean waitingForRoom() {
        return waiting != 0;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (refused) {
            ReferenceCountUtil.release(msg); // the rest of a refused frame: dropped, never held
            return;
        }
        ctx.fireChannelRead(msg); // the decoder takes what is whole, and keeps the rest
        long pending = pendingFrameBytes.getAsLong();
        if (pending == reserved) {
            return; // the same frame still, or another of the same size, or none
        }
        if (requestNumber != null && reserved > 0 && pending > reserved
                && requestNumber.getAsLong() == reservedFor) {
            // The same command grew: its arguments so far stay reserved, the growth is added.
            if (pending <= budget.limit() && budget.tryReserve(pending - reserved)) {
                reserved = pending;
                return;
            }
            refused = true;
            ctx.channel().config().setAutoRead(false);
            ctx.fireExceptionCaught(FrameOverBudgetException.grown(pending, budget.limit()));
            return;
        }
        budget.release(reserved);
        reserved = 0;
        if (pending == 0) {
            return;
        }
        if (pending > budget.limit()) {
            refused = true;
            ctx.channel().config().setAutoRead(false);
            ctx.fireExceptionCaught(new FrameOverBudgetException(pending, budget.limit()));
            return;
        }
        waiting = pending;
        reserveOrPause(ctx);
    }

    private void reserveOrPause(ChannelHandlerContext ctx) {
        if (budget.tryReserve(waiting, () -> ctx.executor().execute(() -> retry(ctx)))) {
            reserved = waiting;
            reservedFor = requestNumber == null ? 0 : requestNumber.getAsLong();
            waiting = 0;
        } else {
            ctx.channel().config().setAutoRead(false);
        }
    }

    private void retry(ChannelHandlerContext ctx) {
        if (waiting == 0 || !ctx.channel().isActive()) {
            budget.poke(); // the room this was woken for goes to the next in line
            return;
        }
        reserveOrPause(ctx);
        if (waiting == 0) {
            ctx.fireUserEventTriggered(ROOM);
        }
    }

    /**
     * Swallows the reads that the decoder asks for when a read gave it no whole frame and the
     * channel is not auto-read: a paused connection stays paused.
     */
    @Override
    public void read(ChannelHandlerContext ctx) throws Exception {
        if (waiting == 0) {
            ctx.read();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        giveBack();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        giveBack();
    }

    private void giveBack() {
        waiting = 0;
        budget.release(reserved);
        reserved = 0;
    }
}
