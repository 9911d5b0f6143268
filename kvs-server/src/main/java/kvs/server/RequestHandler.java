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
 * One connection's requests, in order: most answered on the event loop that read them, the rest
 * on a store thread; the responses always leave in request order. Made per connection.
 *
 * <h2>Life of a request</h2>
 * A request whose work waits on nothing (a get of a value up to
 * {@link StoreCommands#INLINE_RECORD_BYTES} bytes, read from the OS's page cache; a set or rm
 * handed to the OS with {@code pwrite}; ping, stats) is applied here, on the event loop, as soon
 * as it is read, and its response written at once (flushed at the end of the read, so a
 * pipelining client gets one {@code write} per read). One that might wait (a larger value, a
 * write that must first seal the active file, whose fsync may take long) goes to a store thread,
 * with the requests read after it: at most one such batch per connection at a time, so
 * requests are applied in order. A write's response waits until the write is durable as the sync
 * policy promises: under {@code --sync always} the syncer completes it after its fsync, and
 * {@link LoopBatches} hands the event loop one task for all the replies that fsync made durable.
 * Meanwhile later requests of the connection are applied, but their responses wait behind it in
 * {@link #replies}: the client never sees a response before the ones it asked for earlier.
 *
 * <p>Memory: responses are counted, server-wide, in the {@code unsent} {@link MemoryBudget} while
 * they are held back or not yet written to the socket. A value larger than
 * {@link #SMALL_RESPONSE_BYTES} that does not fit is dropped as soon as read, and its get (with
 * the requests after it) waits until there is room, then is read again; small responses always
 * go. A connection stops being read while {@link #MAX_QUEUED} of its requests or
 * {@link #MAX_QUEUED_BYTES} wait. A batch that cannot be answered (out of memory building or
 * encoding its responses) is answered with errors where the results were only reads, and
 * otherwise the connection is closed: a client is never left waiting for an answer that will not
 * come.
 *
 * <p>All fields are touched only on the channel's event loop, but {@link #drainScheduled}.
 */
final class RequestHandler extends SimpleChannelInboundHandler<Request> {

    private static final System.Logger LOG = System.getLogger(RequestHandler.class.getName());

    /** Requests handed to the store at once, at most. */
    static final int MAX_BATCH = 256;
    /** Small sets of one read appended to the store with one write, at most. */
    static final int MAX_SETS_TOGETHER = 64;
    /**
     * Response bytes a batch may gather before it stops early, handing its remaining requests
     * back: bounds a batch's memory when the values are large (a get of a 64 MiB value is one
     * batch by itself).
     */
    static final long MAX_BATCH_BYTES = 4L * 1024 * 1024;
    /** Requests queued or answered but held back, at most, before the connection stops being read. */
    static final int MAX_QUEUED = 1024;
    /** How long the bytes that follow an undecodable request are read and dropped. */
    static final long REFUSING_MILLIS = 1000;
    /** Bytes of requests queued and responses held back, at most, before the connection stops being read. */
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
    private final LoopBatches loopBatches;
    private final ReplyWriter writer;
    /**
     * Small sets read one after another and not yet applied, to be appended together: at the end
     * of the read, before any other request, or at {@link #MAX_SETS_TOGETHER}. Only gathered
     * while nothing of the connection is queued or on a store thread, so they always come before
     * everything in {@link #queue}.
     */
    private final ArrayList<Request> pendingSets = new ArrayList<>();
    /** Bytes of the requests in {@link #pendingSets}. */
    private long pendingSetBytes;
    /** Whether the {@link #pendingSets} wait in this event loop's {@link SetGroup}. */
    private boolean inSetGroup;
    /** Requests read and not yet applied, waiting behind a batch on a store thread. */
    private final ArrayDeque<Request> queue = new ArrayDeque<>();
    /** Bytes of the requests in {@link #queue}. */
    private long queuedBytes;
    /** Responses of applied requests not yet written, in request order; some still pending. */
    private final ArrayDeque<Reply> replies = new ArrayDeque<>();
    /** Bytes of the finished responses in {@link #replies}, counted in {@link #unsent}. */
    private long heldBytes;
    /** Responses due, in order, gathered to be written together: see {@link #writeOutgoing}. */
    private final ArrayList<Response> outgoing = new ArrayList<>();
    /** Bytes of the responses in {@link #outgoing}. */
    private long outgoingBytes;
    /** Whether responses were written since the last flush. */
    private boolean unflushed;
    /** Whether a batch of this connection is on a store executor. */
    private boolean running;
    /**
     * Whether {@link #dispatch} is running: a flush inside it can make the channel writable, and
     * the event Netty fires for that, at once, must not start a second dispatch inside the first.
     */
    private boolean dispatching;
    /** Whether this connection waits for room in {@link #unsent} to start its next batch. */
    private boolean waitingToAnswer;
    /** Whether a completed reply has asked the event loop to write it (set from any thread). */
    private final java.util.concurrent.atomic.AtomicBoolean drainScheduled =
            new java.util.concurrent.atomic.AtomicBoolean();
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

    /** A response to come, and the bytes it holds in {@link #unsent} while held back. */
    private static final class Reply {
        final CompletableFuture<Response> response;
        /** The response already framed, by a store thread (a large value), or null. */
        final ByteBuf frame;
        long held;

        Reply(CompletableFuture<Response> response, ByteBuf frame) {
            this.response = response;
            this.frame = frame;
        }
    }

    RequestHandler(StoreCommands commands, Executor storeExecutor, InFlight inFlight, ServerStats stats,
            java.util.function.BooleanSupplier draining, java.util.function.BooleanSupplier closing,
            PendingFrameGuard inbound, MemoryBudget unsent) {
        this(commands, storeExecutor, inFlight, stats, draining, closing, inbound, unsent, new LoopBatches(),
                ResponseEncoder.KVS);
    }

    RequestHandler(StoreCommands commands, Executor storeExecutor, InFlight inFlight, ServerStats stats,
            java.util.function.BooleanSupplier draining, java.util.function.BooleanSupplier closing,
            PendingFrameGuard inbound, MemoryBudget unsent, LoopBatches loopBatches, ReplyWriter writer) {
        this.writer = writer;
        this.closing = closing;
        this.commands = commands;
        this.storeExecutor = storeExecutor;
        this.inFlight = inFlight;
        this.stats = stats;
        this.draining = draining;
        this.inbound = inbound;
        this.unsent = unsent;
        this.loopBatches = loopBatches;
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
        boolean inline = !running && !waitingToAnswer && queue.isEmpty() && ctx.channel().isWritable();
        if (inline && StoreCommands.isSmallSet(request)) {
            // Gathered, to be appended with the sets that follow it in this read in one write.
            pendingSets.add(request);
            pendingSetBytes += request.getSerializedSize();
            if (pendingSets.size() >= MAX_SETS_TOGETHER || pendingSetBytes >= StoreCommands.INLINE_RECORD_BYTES) {
                applyPendingSets(ctx);
            }
        } else {
            // Whatever it is, the sets before it come first (a get must see them).
            applyPendingSets(ctx);
            inline = inline && queue.isEmpty() && !running && ctx.channel().isWritable();
            if (!inline || !applyHere(ctx, request)) {
                queue.add(request);
                queuedBytes += request.getSerializedSize();
                if (!running) {
                    dispatch(ctx);
                }
            }
        }
        updateReading(ctx);
    }

    /**
     * Applies the sets gathered in {@link #pendingSets} with one append. If the store declines
     * (they would wait for a seal), they go to the head of the queue, each on its own way, in
     * order: nothing else of the connection was applied after them.
     */
    private void applyPendingSets(ChannelHandlerContext ctx) {
        if (pendingSets.isEmpty()) {
            return;
        }
        List<CompletableFuture<Response>> done;
        try {
            done = commands.handleInlineSets(pendingSets);
        } catch (Throwable t) {
            done = null; // out of memory, say: one at a time, through a store thread if need be
        }
        setsDone(ctx, done);
    }

    /** For {@link SetGroup}: the sets waiting to be applied, the last requests read. */
    List<Request> pendingSets() {
        return pendingSets;
    }

    StoreCommands commands() {
        return commands;
    }

    /**
     * For {@link SetGroup}, on the event loop: the gathered sets were applied, with these
     * responses; or, if {@code done} is null, were not, and are applied here, their own way.
     */
    void setsApplied(ChannelHandlerContext ctx, List<CompletableFuture<Response>> done) {
        inSetGroup = false;
        if (pendingSets.isEmpty() || !ctx.channel().isActive()) {
            return; // applied meanwhile, or the connection is gone
        }
        try {
            if (done == null) {
                applyPendingSets(ctx);
            } else {
                setsDone(ctx, done);
            }
            flushIfWritten(ctx);
            updateReading(ctx);
        } catch (Throwable t) {
            LOG.log(Level.WARNING, "closing " + ctx.channel().remoteAddress() + ": cannot answer its"
                    + " requests", t);
            ctx.close();
        }
    }

    /** Gathered sets applied with responses {@code done}, or declined ({@code null}). */
    private void setsDone(ChannelHandlerContext ctx, List<CompletableFuture<Response>> done) {
        if (done == null) {
            for (int i = pendingSets.size() - 1; i >= 0; i--) {
                queue.addFirst(pendingSets.get(i));
            }
            queuedBytes += pendingSetBytes;
        } else {
            for (CompletableFuture<Response> f : done) {
                expect(ctx, f);
            }
        }
        pendingSets.clear();
        pendingSetBytes = 0;
        if (done != null) {
            writeDue(ctx);
        } else if (!running) {
            dispatch(ctx);
        }
    }

    /** The end of one read from the socket: the responses written meanwhile go in one flush. */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        if (!pendingSets.isEmpty() && !inSetGroup) {
            // The read ended with sets: they go with those of the loop's other connections.
            inSetGroup = true;
            SetGroup.current().join(this, ctx);
        }
        flushIfWritten(ctx);
        super.channelReadComplete(ctx);
    }

    /** Writes the responses gathered in {@link #outgoing}, and flushes what was written. */
    private void flushIfWritten(ChannelHandlerContext ctx) {
        writeOutgoing(ctx);
        if (unflushed) {
            unflushed = false;
            if (writer.closeRequested()) {
                // RESP's QUIT: its +OK goes, then the connection closes as after a protocol
                // error: half-closed, and what the client still sends dropped for a moment, so
                // that the close does not turn into a reset that could lose the +OK.
                ctx.flush();
                if (!refusing) {
                    refusing = true;
                    ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(f -> closeAfterError(ctx));
                }
            } else {
                ctx.flush();
            }
        }
    }

    /**
     * Encodes the responses gathered in {@link #outgoing} into as few buffers as possible and
     * writes them, unflushed. Gathering them costs one buffer, one pass down the pipeline and one
     * update of the server-wide {@link #unsent} budget per read, rather than one per response.
     */
    private void writeOutgoing(ChannelHandlerContext ctx) {
        if (outgoing.isEmpty()) {
            return;
        }
        int n = outgoing.size();
        try {
            send(ctx, outgoing);
        } finally {
            outgoing.clear();
            outgoingBytes = 0;
            inFlight.done(n);
        }
        unflushed = true;
    }

    /**
     * Applies {@code request} on the event loop, if it waits for nothing, and writes the
     * responses now due; false if it must go to a store thread.
     */
    private boolean applyHere(ChannelHandlerContext ctx, Request request) {
        CompletableFuture<Response> f;
        try {
            f = commands.handleInline(request);
        } catch (Throwable t) {
            // Out of memory building the response, say: the store thread's path has the answers.
            return false;
        }
        if (f == null) {
            return false;
        }
        expect(ctx, f);
        writeDue(ctx);
        return true;
    }

    /** Adds a response to come to {@link #replies}; once it comes, the event loop writes it. */
    private void expect(ChannelHandlerContext ctx, CompletableFuture<Response> f) {
        expect(ctx, f, null);
    }

    private void expect(ChannelHandlerContext ctx, CompletableFuture<Response> f, ByteBuf frame) {
        Reply reply = new Reply(f, frame);
        Response done = f.getNow(null);
        if (done != null && !replies.isEmpty()) {
            reply.held = done.getSerializedSize();
            heldBytes += reply.held;
            unsent.add(reply.held);
        }
        replies.add(reply);
        if (done == null) {
            f.whenComplete((r, e) -> {
                if (drainScheduled.compareAndSet(false, true)) {
                    loopBatches.run(ctx.executor(), () -> repliesCompleted(ctx));
                }
            });
        }
    }

    /** On the event loop: responses have come (writes made durable): write and flush them. */
    private void repliesCompleted(ChannelHandlerContext ctx) {
        drainScheduled.set(false);
        if (!ctx.channel().isActive()) {
            return;
        }
        if (writeDueOrClose(ctx)) {
            afterAnswersOrClose(ctx);
        }
    }

    /**
     * Flushes, and goes on with the queue; if that fails (out of memory encoding, say), closes
     * the connection, so that its client learns at once that no answer will come.
     */
    private void afterAnswersOrClose(ChannelHandlerContext ctx) {
        try {
            flushIfWritten(ctx);
            afterAnswers(ctx);
        } catch (Throwable t) {
            LOG.log(Level.WARNING, "closing " + ctx.channel().remoteAddress() + ": cannot answer its"
                    + " requests", t);
            ctx.close();
        }
    }

    /**
     * {@link #writeDue}; if the responses cannot be written (out of memory encoding them, say),
     * closes the connection, so that its client learns at once that no answer will come.
     * Returns whether the connection goes on.
     */
    private boolean writeDueOrClose(ChannelHandlerContext ctx) {
        try {
            writeDue(ctx);
            return true;
        } catch (Throwable t) {
            LOG.log(Level.WARNING, "closing " + ctx.channel().remoteAddress() + ": cannot answer its"
                    + " requests", t);
            ctx.close();
            return false;
        }
    }

    /**
     * Moves the responses at the head of {@link #replies} that have come to {@link #outgoing}, in
     * request order; they are written at the end of the read (or once they are
     * {@link ResponseEncoder#CHUNK_BYTES}), and flushed then.
     */
    private void writeDue(ChannelHandlerContext ctx) {
        long released = 0;
        while (!replies.isEmpty() && replies.peek().response.isDone()) {
            Reply r = replies.poll();
            released += r.held;
            if (r.frame != null) {
                try {
                    writeOutgoing(ctx); // the responses before it go first
                } catch (Throwable t) {
                    r.frame.release(); // out of the queue already: nothing else would
                    inFlight.done(1);
                    throw t;
                }
                long bytes = r.frame.readableBytes();
                unsent.add(bytes);
                ctx.write(r.frame).addListener(done -> unsent.release(bytes));
                inFlight.done(1);
                unflushed = true;
                continue;
            }
            Response response = r.response.join(); // never fails: StoreCommands turns failures into errors
            outgoing.add(response);
            outgoingBytes += response.getSerializedSize();
            if (outgoingBytes >= ResponseEncoder.CHUNK_BYTES) {
                writeOutgoing(ctx);
            }
        }
        if (released > 0) {
            heldBytes -= released;
            unsent.release(released);
        }
    }

    /** After responses went out: the queue may go on, reading may resume, a decode error may go. */
    private void afterAnswers(ChannelHandlerContext ctx) {
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
                || !draining.getAsBoolean() && ctx.channel().isWritable()
                        && queue.size() + replies.size() < MAX_QUEUED
                        && queuedBytes + heldBytes < MAX_QUEUED_BYTES && !inbound.waitingForRoom());
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
        if (evt instanceof IdleStateEvent && !running && !waitingToAnswer && replies.isEmpty()
                && !inbound.waitingForRoom() && !sendingProgressed(ctx)) {
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
     * Goes on with the queue: applies on the event loop the queued requests that wait for nothing,
     * and sends the rest, up to {@link #MAX_BATCH} at a time, to a store executor. With none
     * queued, or while the connection's outbound buffer is full, or while its next value waits for
     * room among the unsent responses server-wide, goes idle; once everything before it is
     * answered, sends the error for bytes that could not be decoded.
     */
    private void dispatch(ChannelHandlerContext ctx) {
        if (dispatching) {
            return; // a flush below made the channel writable again: the loop below sees it
        }
        applyPendingSets(ctx);
        if (dispatching || running) {
            return; // they were declined: applyPendingSets dispatched them
        }
        dispatching = true;
        try {
            do {
                while (!running && !queue.isEmpty() && ctx.channel().isWritable() && !waitingToAnswer) {
                    Request next = queue.poll();
                    queuedBytes -= next.getSerializedSize();
                    if (!applyHere(ctx, next)) {
                        queue.addFirst(next);
                        queuedBytes += next.getSerializedSize();
                        offload(ctx);
                    }
                }
                flushIfWritten(ctx); // may make the channel writable again: then go on
            } while (!running && !queue.isEmpty() && ctx.channel().isWritable() && !waitingToAnswer);
        } finally {
            dispatching = false;
        }
        if (!running && queue.isEmpty() && replies.isEmpty() && decodeFailure != null) {
            stats.error(decodeFailure.getCode());
            refusing = true;
            ctx.writeAndFlush(writer.protocolError(ctx.alloc(), decodeFailure))
                    .addListener(f -> closeAfterError(ctx));
            decodeFailure = null;
        }
    }

    /** Sends the requests at the head of the queue, up to {@link #MAX_BATCH}, to a store thread. */
    private void offload(ChannelHandlerContext ctx) {
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
            List<CompletableFuture<Response>> refused = new ArrayList<>(batch.requests.size());
            for (Request r : batch.requests) {
                refused.add(CompletableFuture.completedFuture(StoreCommands.error(r.getId(),
                        ErrorMapper.error(ErrorCode.UNAVAILABLE,
                                "the server is shutting down; retry after it restarts"))));
            }
            applied(ctx, batch, refused);
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

    /**
     * On a store thread: applies the batch, and hands the responses (some still to come: writes
     * waiting for their fsync) back to the event loop at once.
     */
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
            // A large value is framed here, not on the event loop: allocating and filling a
            // buffer of 60 MiB would hold the loop's other connections for hundreds of ms.
            for (int i = 0; i < pending.size(); i++) {
                Response done = pending.get(i).getNow(null);
                ByteBuf frame = null;
                if (writer.encodesOutOfOrder() && done != null
                        && done.getResultCase() == Response.ResultCase.VALUE
                        && done.getSerializedSize() > SMALL_RESPONSE_BYTES) {
                    try {
                        frame = writer.encode(ctx.alloc(), done);
                    } catch (Throwable t) {
                        // Out of direct memory, say: the event loop frames it, or answers an error.
                    }
                }
                batch.frames.add(frame);
            }
            onEventLoop(ctx, batch, () -> applied(ctx, batch, pending));
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

    /**
     * On the event loop: a batch is applied. Its responses join {@link #replies} and go out as
     * they come; its unapplied requests go back to the head of the queue; the queue goes on.
     */
    private void applied(ChannelHandlerContext ctx, Batch batch, List<CompletableFuture<Response>> pending) {
        if (batch.finished) {
            return;
        }
        batch.finished = true;
        running = false;
        if (!ctx.channel().isActive()) {
            unsent.release(batch.reserved);
            inFlight.done(batch.requests.size());
            batch.releaseFrames();
            return;
        }
        int expected = 0;
        try {
            for (; expected < pending.size(); expected++) {
                int i = expected;
                expect(ctx, pending.get(i), i < batch.frames.size() ? batch.frames.set(i, null) : null);
            }
        } catch (Throwable t) {
            // Those in the reply queue are counted when the connection closes; the rest now.
            batch.releaseFrames();
            unsent.release(batch.reserved);
            inFlight.done(batch.requests.size() - expected);
            LOG.log(Level.WARNING, "closing " + ctx.channel().remoteAddress() + ": cannot answer its"
                    + " requests", t);
            ctx.close();
            return;
        }
        batch.frames.clear();
        unsent.release(batch.reserved); // counted now as held back, or as the frames written
        List<Request> rest = batch.requests.subList(pending.size(), batch.requests.size());
        for (int i = rest.size() - 1; i >= 0; i--) {
            queue.addFirst(rest.get(i));
            queuedBytes += rest.get(i).getSerializedSize();
        }
        if (batch.wantedBytes > 0 && !waitingToAnswer
                && !unsent.fits(batch.wantedBytes, () -> ctx.executor().execute(() -> roomFreed(ctx)))) {
            waitingToAnswer = true;
        }
        if (writeDueOrClose(ctx)) {
            afterAnswersOrClose(ctx);
        }
    }

    /**
     * Writes responses (without flushing), counted in {@link #unsent} until they leave. If they
     * cannot be encoded together (out of direct memory, say), each is encoded alone, and a read's
     * result that still does not fit is replaced by an error; a write's result that cannot be
     * sent throws, since the client can no longer learn the outcome on this connection.
     */
    private void send(ChannelHandlerContext ctx, List<Response> responses) {
        List<ByteBuf> frames;
        try {
            frames = writer.encode(ctx.alloc(), responses);
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
    }

    private ByteBuf encodeOrError(ChannelHandlerContext ctx, Response r) {
        try {
            return writer.encode(ctx.alloc(), r);
        } catch (Throwable t) {
            if (r.getResultCase() != Response.ResultCase.VALUE && r.getResultCase() != Response.ResultCase.STATS) {
                throw t;
            }
            LOG.log(Level.WARNING, "cannot send a response of " + r.getSerializedSize() + " bytes to "
                    + ctx.channel().remoteAddress() + "; answering with an error: " + t);
            Response error = StoreCommands.error(r.getId(), ErrorMapper.storeFailure(t));
            stats.error(error.getError().getCode());
            return writer.encode(ctx.alloc(), error);
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
        batch.releaseFrames();
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
        /** Per response, its frame if a store thread framed it (a large value), else null. */
        final List<ByteBuf> frames = new ArrayList<>();

        void releaseFrames() {
            for (ByteBuf f : frames) {
                if (f != null) {
                    f.release();
                }
            }
            frames.clear();
        }

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

    /** The connection is gone: its queued requests and held responses will never be sent. */
    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        inFlight.done(queue.size() + replies.size() + outgoing.size() + pendingSets.size());
        pendingSets.clear();
        pendingSetBytes = 0;
        outgoing.clear();
        outgoingBytes = 0;
        queue.clear();
        queuedBytes = 0;
        for (Reply r : replies) {
            if (r.frame != null) {
                r.frame.release();
            }
        }
        replies.clear();
        unsent.release(heldBytes);
        heldBytes = 0;
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
