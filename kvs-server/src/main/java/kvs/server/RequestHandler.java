package kvs.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.ChannelOutboundBuffer;
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
import java.util.concurrent.TimeUnit;
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
 * <p>Memory: responses are counted, server-wide, in the {@code unsent} {@link MemoryBudget} from
 * when they are built (on the store thread) until they are written to the socket. A value larger
 * than {@link #SMALL_RESPONSE_BYTES} that does not fit is dropped as soon as read, and its get
 * (with the requests after it) waits until there is room, then is read again; small responses
 * always go. So unsent values stay within the budget (one larger than it goes alone), plus small
 * responses, plus one value just read per store thread; a connection also stops being read
 * while {@link #MAX_QUEUED_BYTES} of its requests wait. A batch that
 * cannot be answered (out of memory building or encoding its responses) is answered with errors
 * where the results were only reads, and otherwise the connection is closed: a client is never
 * left waiting for an answer that will not come.
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
    /** How long the bytes that follow an undecodable request are read and dropped. */
    static final long REFUSING_MILLIS = 1000;
    /** Bytes of requests queued, at most, before the connection stops being read. */
    static final long MAX_QUEUED_BYTES = MAX_BATCH_BYTES;
    /**
     * Responses up to this size are always sent; larger values wait for room in the server's
     * budget for unsent responses, so that small requests go on being answered under pressure.
     */
    static final int SMALL_RESPONSE_BYTES = 64 * 1024;

    private final StoreCommands commands;
    private final Executor storeExecutor;
    private final InFlight inFlight;
    private final ServerStats stats;
    private final java.util.function.BooleanSupplier draining;
    private final java.util.function.BooleanSupplier closing;
    private final PendingFrameGuard inbound;
    private final MemoryBudget unsent;
    private final ArrayDeque<Request> queue = new ArrayDeque<>();
    /** Bytes of the requests in {@link #queue}. */
    private long queuedBytes;
    /** Whether a batch of this connection is on a store executor. */
    private boolean running;
    /** Whether this connection waits for room in {@link #unsent} to start its next batch. */
    private boolean waitingToAnswer;
    /** An error for bytes that could not be decoded, sent after earlier requests' responses. */
    private Error decodeFailure;
    /**
     * Set once the error for undecodable bytes is on its way: what still arrives is read and
     * dropped, for a moment, so that the client's unread bytes do not turn the close into a reset
     * that would hide the error from it.
     */
    private boolean refusing;
    /** Bytes left to send at the last idle timeout; see {@link #sendingProgressed}. */
    private long unsentAtLastIdle;

    RequestHandler(StoreCommands commands, Executor storeExecutor, InFlight inFlight, ServerStats stats,
            java.util.function.BooleanSupplier draining, java.util.function.BooleanSupplier closing,
            PendingFrameGuard inbound, MemoryBudget unsent) {
        this.closing = closing;
        this.commands = commands;
        this.storeExecutor = storeExecutor;
        this.inFlight = inFlight;
        this.stats = stats;
        this.draining = draining;
        this.inbound = inbound;
        this.unsent = unsent;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Request request) {
        if (decodeFailure != null || refusing || closing.getAsBoolean()) {
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
            inFlight.done(1);
            try {
                send(ctx, List.of(commands.handle(request).join()));
            } catch (Throwable t) {
                LOG.log(Level.WARNING, "closing " + ctx.channel().remoteAddress() + ": cannot answer"
                        + " its request", t);
                ctx.close();
            }
            return;
        }
        queue.add(request);
        queuedBytes += request.getSerializedSize();
        if (!running) {
            dispatch(ctx);
        }
        updateReading(ctx);
    }

    /**
     * Backpressure: read from the connection only while its outbound buffer is under the
     * high-water mark, few requests wait, and its unfinished request (if any) has its room in the
     * server's budget. A client that sends without reading thus fills its own TCP window, not the
     * server's memory.
     */
    private void updateReading(ChannelHandlerContext ctx) {
        boolean read = refusing || decodeFailure == null && (closing.getAsBoolean()
                || !draining.getAsBoolean() && ctx.channel().isWritable() && queue.size() < MAX_QUEUED
                        && queuedBytes < MAX_QUEUED_BYTES && !inbound.waitingForRoom());
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
     * The connection read nothing for the idle timeout: close it, unless the silence is ours (it
     * waits for an answer, a long compaction say, or for room in the server's memory budgets), or
     * its peer is still taking the responses it was sent: some of its unsent bytes left since the
     * last idle timeout, however few. A peer that stopped reading is closed after one more.
     */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt == PendingFrameGuard.ROOM) {
            updateReading(ctx);
            return;
        }
        if (evt instanceof IdleStateEvent && !running && !waitingToAnswer && !inbound.waitingForRoom()
                && !sendingProgressed(ctx)) {
            LOG.log(Level.DEBUG, "closing idle connection {0}", ctx.channel().remoteAddress());
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    /** Whether unsent bytes remain, fewer (or more) than at the last call. */
    private boolean sendingProgressed(ChannelHandlerContext ctx) {
        ChannelOutboundBuffer out = ctx.channel().unsafe().outboundBuffer();
        long left = out == null ? 0 : out.totalPendingWriteBytes() - out.currentProgress();
        boolean progressed = left > 0 && left != unsentAtLastIdle;
        unsentAtLastIdle = left;
        return progressed;
    }

    /**
     * Sends up to {@link #MAX_BATCH} queued requests to a store executor; with none queued, or
     * while the connection's outbound buffer is full, or while its next value waits for room
     * among the unsent responses server-wide, goes idle.
     */
    private void dispatch(ChannelHandlerContext ctx) {
        if (queue.isEmpty() || !ctx.channel().isWritable() || waitingToAnswer) {
            running = false;
            if (queue.isEmpty() && decodeFailure != null) {
                stats.error(decodeFailure.getCode());
                refusing = true;
                ctx.writeAndFlush(ResponseEncoder.encode(ctx.alloc(), StoreCommands.error(0, decodeFailure)))
                        .addListener(f -> closeAfterError(ctx));
                decodeFailure = null;
            }
            return;
        }
        running = true;
        Batch batch = new Batch(Math.min(queue.size(), MAX_BATCH));
        try {
            for (int i = 0; i < MAX_BATCH && !queue.isEmpty(); i++) {
                Request r = queue.poll();
                queuedBytes -= r.getSerializedSize();
                batch.requests.add(r);
            }
            storeExecutor.execute(() -> apply(ctx, batch));
        } catch (RejectedExecutionException e) {
            List<Response> refused = new ArrayList<>(batch.requests.size());
            for (Request r : batch.requests) {
                refused.add(StoreCommands.error(r.getId(), ErrorMapper.error(ErrorCode.UNAVAILABLE,
                        "the server is shutting down; retry after it restarts")));
            }
            answer(ctx, batch, List.of(), refused);
        } catch (Throwable t) {
            abandon(ctx, batch, t);
        }
    }

    private void roomFreed(ChannelHandlerContext ctx) {
        waitingToAnswer = false;
        if (!ctx.channel().isActive()) {
            unsent.poke(); // the room this was woken for goes to the next in line
        } else if (!running) {
            dispatch(ctx);
            updateReading(ctx);
        }
    }

    /** On a store thread: applies the batch, and hands its responses back to the event loop. */
    private void apply(ChannelHandlerContext ctx, Batch batch) {
        try {
            List<Request> requests = batch.requests;
            List<CompletableFuture<Response>> pending = new ArrayList<>(requests.size());
            long bytes = 0;
            try {
                for (Request r : requests) {
                    if (bytes >= MAX_BATCH_BYTES) {
                        break;
                    }
                    CompletableFuture<Response> f = commands.handle(r);
                    Response done = f.getNow(null);
                    long size = done == null ? 64 : done.getSerializedSize();
                    if (size <= SMALL_RESPONSE_BYTES || r.getCommandCase() != Request.CommandCase.GET) {
                        unsent.add(size);
                    } else if (!unsent.tryReserve(size)) {
                        // No room for this value now: drop it, and read it again once there is.
                        batch.wantedBytes = size;
                        break;
                    }
                    pending.add(f);
                    batch.reserved += size;
                    bytes += size;
                }
            } catch (Throwable t) {
                // Out of memory, say: answer what is left with errors, never leave the
                // connection waiting.
                for (int i = pending.size(); i < requests.size(); i++) {
                    pending.add(CompletableFuture.completedFuture(StoreCommands.error(
                            requests.get(i).getId(), ErrorMapper.storeFailure(t))));
                }
            }
            List<Request> rest = requests.subList(pending.size(), requests.size());
            // Writes complete when durable (group commit for --sync always), in write order;
            // the store thread does not wait for them and goes on to other connections.
            CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).whenComplete(
                    (v, e) -> onEventLoop(ctx, batch, () -> answer(ctx, batch, rest, joinAll(pending))));
        } catch (Throwable t) {
            onEventLoop(ctx, batch, () -> abandon(ctx, batch, t));
        }
    }

    private void onEventLoop(ChannelHandlerContext ctx, Batch batch, Runnable task) {
        try {
            ctx.executor().execute(() -> {
                try {
                    task.run();
                } catch (Throwable t) {
                    abandon(ctx, batch, t);
                }
            });
        } catch (Throwable t) {
            ctx.channel().close(); // the event loop is gone or out of memory: nothing else to do
        }
    }

    private static List<Response> joinAll(List<CompletableFuture<Response>> pending) {
        List<Response> responses = new ArrayList<>(pending.size());
        for (CompletableFuture<Response> f : pending) {
            responses.add(f.join()); // never fails: StoreCommands turns failures into errors
        }
        return responses;
    }

    /**
     * Sends a batch's responses, puts its unapplied requests back at the head of the queue, and
     * goes on with the next batch.
     */
    private void answer(ChannelHandlerContext ctx, Batch batch, List<Request> rest, List<Response> responses) {
        if (batch.finished) {
            return;
        }
        try {
            send(ctx, responses);
        } catch (Throwable t) {
            abandon(ctx, batch, t);
            return;
        }
        batch.finished = true;
        unsent.release(batch.reserved); // counted now as the frames written
        running = false;
        for (int i = rest.size() - 1; i >= 0; i--) {
            queue.addFirst(rest.get(i));
            queuedBytes += rest.get(i).getSerializedSize();
        }
        if (batch.wantedBytes > 0 && !waitingToAnswer
                && !unsent.fits(batch.wantedBytes, () -> ctx.executor().execute(() -> roomFreed(ctx)))) {
            waitingToAnswer = true;
        }
        inFlight.done(responses.size());
        dispatch(ctx);
        updateReading(ctx);
    }

    /**
     * Writes responses, counted in {@link #unsent} until they leave. If they cannot be encoded
     * together (out of direct memory, say), each is encoded alone, and a read's result that still
     * does not fit is replaced by an error; a write's result that cannot be sent throws, since
     * the client can no longer learn the outcome on this connection.
     */
    private void send(ChannelHandlerContext ctx, List<Response> responses) {
        List<ByteBuf> frames;
        try {
            frames = ResponseEncoder.encode(ctx.alloc(), responses);
        } catch (Throwable t) {
            frames = new ArrayList<>(responses.size());
            try {
                for (Response r : responses) {
                    frames.add(encodeOrError(ctx, r));
                }
            } catch (Throwable again) {
                frames.forEach(ByteBuf::release);
                throw again;
            }
        }
        for (Response r : responses) {
            if (r.getResultCase() == Response.ResultCase.ERROR) {
                stats.error(r.getError().getCode());
            }
        }
        for (ByteBuf f : frames) {
            long bytes = f.readableBytes();
            unsent.add(bytes);
            ctx.write(f).addListener(done -> unsent.release(bytes));
        }
        ctx.flush();
    }

    private ByteBuf encodeOrError(ChannelHandlerContext ctx, Response r) {
        try {
            return ResponseEncoder.encode(ctx.alloc(), r);
        } catch (Throwable t) {
            if (r.getResultCase() != Response.ResultCase.VALUE && r.getResultCase() != Response.ResultCase.STATS) {
                throw t;
            }
            LOG.log(Level.WARNING, "cannot send a response of " + r.getSerializedSize() + " bytes to "
                    + ctx.channel().remoteAddress() + "; answering with an error: " + t);
            Response error = StoreCommands.error(r.getId(), ErrorMapper.storeFailure(t));
            stats.error(error.getError().getCode());
            return ResponseEncoder.encode(ctx.alloc(), error);
        }
    }

    /**
     * A batch that cannot be answered: the connection is closed, so that its client learns at
     * once that it will get no answer, rather than waiting forever.
     */
    private void abandon(ChannelHandlerContext ctx, Batch batch, Throwable t) {
        if (batch.finished) {
            return;
        }
        batch.finished = true;
        running = false;
        unsent.release(batch.reserved);
        inFlight.done(batch.requests.size());
        LOG.log(Level.WARNING, "closing " + ctx.channel().remoteAddress() + ": cannot answer its"
                + " requests", t);
        ctx.close();
    }

    /** The requests of one trip to the store; answered or abandoned once. */
    private static final class Batch {
        final List<Request> requests;
        /** Set on the event loop once the batch is answered or abandoned. */
        boolean finished;
        /**
         * Bytes of its responses counted in {@link #unsent} as they were built, on the store
         * thread; read on the event loop after the hand-off.
         */
        long reserved;
        /** The size of a value left unsent for want of room, to wait for; likewise. */
        long wantedBytes;

        Batch(int size) {
            requests = new ArrayList<>(size);
        }
    }

    /**
     * Half-closes the connection (the client reads the error, then end of stream) and drops what
     * it still sends, for at most {@link #REFUSING_MILLIS}, then closes it.
     */
    private void closeAfterError(ChannelHandlerContext ctx) {
        if (!(ctx.channel() instanceof DuplexChannel d) || !ctx.channel().isActive()) {
            ctx.close();
            return;
        }
        d.shutdownOutput().addListener(f -> {
            updateReading(ctx);
            ctx.executor().schedule(() -> ctx.close(), REFUSING_MILLIS, TimeUnit.MILLISECONDS);
        });
    }

    /** The connection is gone: its queued requests will never be answered. */
    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        inFlight.done(queue.size());
        queue.clear();
        queuedBytes = 0;
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
            if (refusing || decodeFailure != null) {
                return; // one error per connection: the first
            }
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
