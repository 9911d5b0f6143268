package kvs.server;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.timeout.IdleStateEvent;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import kvs.proto.Error;
import kvs.proto.ErrorCode;
import kvs.proto.Request;
import kvs.proto.Response;

/**
 * One connection's requests: queued on the event loop, applied in order on a store executor,
 * answered in order on the event loop. Made per connection.
 *
 * <p>At most one batch per connection is in progress at a time: the requests that arrived
 * while the previous batch ran are applied together, in arrival order, and their responses
 * written and flushed together once the batch's writes are durable as the sync policy promises. So responses keep request order, the event loop never
 * waits on the disk, and a pipelining client gets one thread hop and one flush per batch.
 * A stats or ping request with nothing of its connection ahead of it is answered on the event
 * loop at once: it waits for nothing, not even a free store thread.
 *
 * <p>All fields are touched only on the channel's event loop.
 */
final class RequestHandler extends SimpleChannelInboundHandler<Request> {

    private static final System.Logger LOG = System.getLogger(RequestHandler.class.getName());

    /** Requests handed to the store at once, at most. */
    static final int MAX_BATCH = 256;
    /**
     * Response bytes a batch may gather before it stops early, handing its remaining requests
     * back: bounds a batch's memory when the values are large (a get of a 64 MiB value is one
     * batch by itself).
     */
    static final long MAX_BATCH_BYTES = 4L * 1024 * 1024;
    /** Requests queued, at most, before the connection stops being read. */
    static final int MAX_QUEUED = 1024;

    private final StoreCommands commands;
    private final Executor storeExecutor;
    private final InFlight inFlight;
    private final ServerStats stats;
    private final java.util.function.BooleanSupplier draining;
    private final java.util.function.BooleanSupplier closing;
    private final ArrayDeque<Request> queue = new ArrayDeque<>();
    /** Whether a batch of this connection is on a store executor. */
    private boolean running;
    /** An error for bytes that could not be decoded, sent after earlier requests' responses. */
    private Error decodeFailure;

    RequestHandler(StoreCommands commands, Executor storeExecutor, InFlight inFlight, ServerStats stats,
            java.util.function.BooleanSupplier draining, java.util.function.BooleanSupplier closing) {
        this.closing = closing;
        this.commands = commands;
        this.storeExecutor = storeExecutor;
        this.inFlight = inFlight;
        this.stats = stats;
        this.draining = draining;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Request request) {
        if (decodeFailure != null || closing.getAsBoolean()) {
            // After bytes that were not a request, nothing more is applied; once the server has
            // answered what it read before shutting down, what arrives is read and dropped, so
            // that closing does not reset the connection under the client's last responses.
            return;
        }
        inFlight.add(1);
        stats.request(request.getCommandCase());
        if (!running && queue.isEmpty() && StoreCommands.waitsForNothing(request)) {
            // Answered here, in order (nothing of this connection is ahead of it): store threads
            // may all be waiting on the disk, as behind the fsync of a seal, and a stats request
            // must not wait with them.
            written(ctx, List.of(commands.handle(request).join()));
            return;
        }
        queue.add(request);
        if (!running) {
            dispatch(ctx);
        }
        updateReading(ctx);
    }

    /**
     * Backpressure: read from the connection only while its outbound buffer is under the
     * high-water mark and few requests wait. A client that sends without reading thus fills its
     * own TCP window, not the server's memory.
     */
    private void updateReading(ChannelHandlerContext ctx) {
        boolean read = decodeFailure == null && (closing.getAsBoolean()
                || !draining.getAsBoolean() && ctx.channel().isWritable() && queue.size() < MAX_QUEUED);
        if (ctx.channel().config().isAutoRead() != read) {
            ctx.channel().config().setAutoRead(read);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (ctx.channel().isWritable() && !running) {
            dispatch(ctx);
        }
        updateReading(ctx);
        super.channelWritabilityChanged(ctx);
    }

    /**
     * The connection read nothing for the idle timeout: close it, unless it waits for an answer
     * (a long compaction, say), in which case the silence is ours.
     */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent && !running && queue.isEmpty()) {
            LOG.log(Level.DEBUG, "closing idle connection {0}", ctx.channel().remoteAddress());
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    /**
     * Sends up to {@link #MAX_BATCH} queued requests to a store executor; with none queued, or
     * while the connection's outbound buffer is full, goes idle.
     */
    private void dispatch(ChannelHandlerContext ctx) {
        if (queue.isEmpty() || !ctx.channel().isWritable()) {
            running = false;
            if (queue.isEmpty() && decodeFailure != null) {
                stats.error(decodeFailure.getCode());
                ctx.writeAndFlush(ResponseEncoder.encode(ctx.alloc(), StoreCommands.error(0, decodeFailure)))
                        .addListener(ChannelFutureListener.CLOSE);
                decodeFailure = null;
            }
            return;
        }
        running = true;
        List<Request> batch = new ArrayList<>(Math.min(queue.size(), MAX_BATCH));
        for (int i = 0; i < MAX_BATCH && !queue.isEmpty(); i++) {
            batch.add(queue.poll());
        }
        try {
            storeExecutor.execute(() -> {
                List<CompletableFuture<Response>> pending = new ArrayList<>(batch.size());
                long bytes = 0;
                try {
                    for (Request r : batch) {
                        CompletableFuture<Response> f = commands.handle(r);
                        pending.add(f);
                        Response done = f.getNow(null);
                        bytes += done == null ? 64 : done.getSerializedSize();
                        if (bytes >= MAX_BATCH_BYTES) {
                            break;
                        }
                    }
                } catch (Throwable t) {
                    // Out of memory, say: answer what is left with errors, never leave the
                    // connection waiting.
                    for (int i = pending.size(); i < batch.size(); i++) {
                        pending.add(CompletableFuture.completedFuture(StoreCommands.error(
                                batch.get(i).getId(), ErrorMapper.storeFailure(t))));
                    }
                }
                List<Request> rest = batch.subList(pending.size(), batch.size());
                // Writes complete when durable (group commit for --sync always), in write order;
                // the store thread does not wait for them and goes on to other connections.
                CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).whenComplete(
                        (v, e) -> ctx.executor().execute(() -> {
                            for (int i = rest.size() - 1; i >= 0; i--) {
                                queue.addFirst(rest.get(i));
                            }
                            written(ctx, joinAll(pending));
                        }));
            });
        } catch (RejectedExecutionException e) {
            List<Response> refused = new ArrayList<>(batch.size());
            for (Request r : batch) {
                refused.add(StoreCommands.error(r.getId(), ErrorMapper.error(ErrorCode.UNAVAILABLE,
                        "the server is shutting down; retry after it restarts")));
            }
            written(ctx, refused);
        }
    }

    private static List<Response> joinAll(List<CompletableFuture<Response>> pending) {
        List<Response> responses = new ArrayList<>(pending.size());
        for (CompletableFuture<Response> f : pending) {
            responses.add(f.join()); // never fails: StoreCommands turns failures into errors
        }
        return responses;
    }

    private void written(ChannelHandlerContext ctx, List<Response> responses) {
        for (Response r : responses) {
            if (r.getResultCase() == Response.ResultCase.ERROR) {
                stats.error(r.getError().getCode());
            }
        }
        for (io.netty.buffer.ByteBuf frames : ResponseEncoder.encode(ctx.alloc(), responses)) {
            ctx.write(frames, ctx.voidPromise());
        }
        ctx.flush();
        inFlight.done(responses.size());
        dispatch(ctx);
        updateReading(ctx);
    }

    /** The connection is gone: its queued requests will never be answered. */
    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        inFlight.done(queue.size());
        queue.clear();
        super.channelInactive(ctx);
    }

    /**
     * Bytes that are not a request: once the requests before them are answered, send an error
     * (id 0: the request's id is unknown) and close the connection, whose framing is lost.
     * Other connections are not affected.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof DecoderException) {
            decodeFailure = ErrorMapper.decodeFailure(cause);
            LOG.log(Level.DEBUG, "closing {0}: {1}", ctx.channel().remoteAddress(),
                    decodeFailure.getMessage());
            ctx.channel().config().setAutoRead(false);
            if (!running) {
                dispatch(ctx);
            }
        } else {
            if (!(cause instanceof IOException)) {
                LOG.log(Level.WARNING, "closing " + ctx.channel().remoteAddress(), cause);
            }
            ctx.close();
        }
    }
}
