package kvs.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import kvs.proto.Error;
import kvs.proto.Response;

/**
 * One RESP connection's {@link ReplyWriter}: turns the kvs responses of its commands into RESP
 * replies, in order. {@link RespCommands} translates each command into one or more kvs requests
 * and queues here, in the same order, a {@link Render} that says how their responses make the
 * command's reply: {@code DEL a b} is two removes whose responses become one integer. Responses
 * reach {@link #encode} in request order, so the head of the queue always belongs to the next one.
 *
 * <p>Touched only on the connection's event loop. An encode that fails changes nothing (see
 * {@link ReplyWriter}): the queue is advanced only once all its bytes are written.
 */
final class RespReplies implements ReplyWriter {

    /** How a command's responses become its reply. */
    enum Kind {
        /** A value, or null: GET, GETDEL, SET ... GET. */
        BULK,
        /** +OK once every part is done (SET, MSET); null for a conditional set not applied. */
        OK,
        /** The number of parts that found their key: DEL. */
        COUNT,
        /** The number a {@code Counted} response carries: EXISTS, DBSIZE. */
        COUNTED,
        /** A scan page as Redis's SCAN reply: the next cursor, and the keys. */
        SCAN,
        /**
         * An array of values or nulls, one a part: MGET. Written once every part has come; if one
         * failed, the command's reply is that error alone, as Redis never puts one in MGET's array.
         */
        ARRAY,
        /** The length of the value, 0 if none: STRLEN. */
        LENGTH,
        /** An integer response's value: INCR, INCRBY, DECR, DECRBY, PTTL, PEXPIRETIME. */
        INTEGER,
        /** A time to live in ms as seconds, rounded as Redis's TTL does; negative (-1, -2) kept. */
        ROUNDED_SECONDS,
        /** A time in ms as whole seconds, as Redis's EXPIRETIME gives it; negative (-1, -2) kept. */
        SECONDS,
        /** A reply made up front ({@link Render#literal}), carried by a ping to keep its place. */
        LITERAL,
        /** A reply made from the server's figures, carried by a stats request: INFO, DBSIZE. */
        FROM_STATS
    }

    /**
     * How the responses of one command's {@code parts} requests become its reply.
     *
     * @param protocol for HELLO: the RESP version replies take from this one on (2 or 3), else 0
     * @param quit for QUIT: close the connection once this reply is sent
     */
    record Render(Kind kind, int parts, RespValue literal, Function<Map<String, Long>, RespValue> fromStats,
            int protocol, boolean quit) {

        static Render of(Kind kind, int parts) {
            return new Render(kind, parts, null, null, 0, false);
        }

        static Render literal(RespValue reply) {
            return new Render(Kind.LITERAL, 1, reply, null, 0, false);
        }

        static Render fromStats(Function<Map<String, Long>, RespValue> reply) {
            return new Render(Kind.FROM_STATS, 1, null, reply, 0, false);
        }
    }

    private final ArrayDeque<Render> renders = new ArrayDeque<>();
    /** Parts of the render at the head already written or counted. */
    private int partsDone;
    /** COUNT: parts that found their key so far. */
    private long counted;
    /** COUNT, OK: the first error among the parts so far, or null. */
    private String firstError;
    /** ARRAY: the parts' responses so far, written together once all have come. */
    private List<Response> gathered = new ArrayList<>();
    private boolean resp3;
    private boolean closeRequested;

    /** Queues how the next command's responses make its reply. */
    void expect(Render render) {
        renders.add(render);
    }

    /** Whether replies are written in RESP3 (after {@code HELLO 3}). */
    boolean resp3() {
        return resp3;
    }

    @Override
    public List<ByteBuf> encode(ByteBufAllocator alloc, List<Response> responses) {
        List<ByteBuf> out = new ArrayList<>(1);
        out.add(write(alloc, responses));
        return out;
    }

    @Override
    public ByteBuf encode(ByteBufAllocator alloc, Response response) {
        return write(alloc, List.of(response));
    }

    @Override
    public boolean encodesOutOfOrder() {
        return false; // a reply may depend on the responses before it (DEL a b c)
    }

    @Override
    public ByteBuf protocolError(ByteBufAllocator alloc, Error error) {
        ByteBuf out = alloc.ioBuffer(error.getMessage().length() + 8);
        RespValue.error(errorText(error)).write(out, resp3);
        return out;
    }

    @Override
    public boolean closeRequested() {
        return closeRequested;
    }

    private ByteBuf write(ByteBufAllocator alloc, List<Response> responses) {
        long estimate = 0;
        for (Response r : responses) {
            estimate += 16 + (r.getResultCase() == Response.ResultCase.VALUE ? r.getValue().getValue().size() : 0);
        }
        // Sized for the values up front: a 60 MiB value is copied once, not regrown into.
        ByteBuf out = alloc.ioBuffer((int) Math.min(estimate, Integer.MAX_VALUE - 8));
        // Work on copies; committed once everything is written.
        int done = partsDone;
        long count = counted;
        String error = firstError;
        boolean r3 = resp3;
        boolean quit = closeRequested;
        List<Response> parts = null; // a copy of gathered, once an array's part comes
        int finished = 0;
        try {
            Iterator<Render> it = renders.iterator();
            Render render = null;
            for (Response r : responses) {
                if (render == null) {
                    if (!it.hasNext()) {
                        throw new IllegalStateException("a response with no command to answer");
                    }
                    render = it.next();
                }
                String err = r.getResultCase() == Response.ResultCase.ERROR ? errorText(r.getError()) : null;
                switch (render.kind()) {
                    case BULK -> {
                        if (err != null) {
                            RespValue.error(err).write(out, r3);
                        } else {
                            writeValueOrNull(out, r, r3);
                        }
                    }
                    case OK, COUNT -> {
                        if (err != null && error == null) {
                            error = err;
                        }
                        if (r.getResultCase() == Response.ResultCase.DONE
                                || r.getResultCase() == Response.ResultCase.VALUE) {
                            count++;
                        }
                        if (done + 1 == render.parts()) {
                            if (error != null) {
                                RespValue.error(error).write(out, r3);
                            } else if (render.kind() == Kind.COUNT) {
                                RespValue.header(out, ':', count);
                            } else if (r.getResultCase() == Response.ResultCase.NOT_APPLIED) {
                                RespValue.writeNull(out, r3);
                            } else {
                                out.writeBytes(OK);
                            }
                        }
                    }
                    case ARRAY -> {
                        if (parts == null) {
                            parts = new ArrayList<>(gathered);
                        }
                        parts.add(r);
                        if (done + 1 == render.parts()) {
                            writeArray(out, parts, r3);
                            parts = new ArrayList<>();
                        }
                    }
                    case LENGTH, INTEGER, ROUNDED_SECONDS, SECONDS -> {
                        if (err != null) {
                            RespValue.error(err).write(out, r3);
                        } else if (render.kind() != Kind.LENGTH) {
                            RespValue.header(out, ':', integer(render.kind(), r.getInteger().getValue()));
                        } else {
                            RespValue.header(out, ':', r.getResultCase() == Response.ResultCase.VALUE
                                    ? r.getValue().getValue().size() : 0);
                        }
                    }
                    case LITERAL -> {
                        if (render.protocol() != 0 && err == null) {
                            r3 = render.protocol() == 3; // HELLO's own reply is in the new version
                        }
                        (err != null ? RespValue.error(err) : render.literal()).write(out, r3);
                        quit |= render.quit();
                    }
                    case COUNTED -> {
                        if (err != null) {
                            RespValue.error(err).write(out, r3);
                        } else {
                            RespValue.header(out, ':', r.getCounted().getCount());
                        }
                    }
                    case SCAN -> (err != null ? RespValue.error(err) : scanReply(r.getScanPage())).write(out, r3);
                    case FROM_STATS -> (err != null ? RespValue.error(err)
                            : render.fromStats().apply(r.getStats().getValuesMap())).write(out, r3);
                }
                if (++done == render.parts()) {
                    finished++;
                    render = null;
                    done = 0;
                    count = 0;
                    error = null;
                }
            }
        } catch (Throwable t) {
            out.release();
            throw t;
        }
        for (int i = 0; i < finished; i++) {
            renders.poll();
        }
        partsDone = done;
        counted = count;
        firstError = error;
        resp3 = r3;
        closeRequested = quit;
        if (parts != null) {
            gathered = parts;
        }
        return out;
    }

    /** An integer response's value as {@code kind} replies it. */
    private static long integer(Kind kind, long value) {
        if (value < 0 || kind == Kind.INTEGER) {
            return value;
        }
        return value / 1000 + (kind == Kind.ROUNDED_SECONDS && value % 1000 >= 500 ? 1 : 0);
    }

    /** SCAN's reply: the cursor as a decimal bulk string, and an array of the keys. */
    private static RespValue scanReply(kvs.proto.ScanPage page) {
        List<RespValue> keys = new ArrayList<>(page.getKeysCount());
        for (com.google.protobuf.ByteString k : page.getKeysList()) {
            keys.add(RespValue.bulk(k.toByteArray()));
        }
        return RespValue.array(RespValue.bulk(RespScan.cursorText(page.getCursor())), RespValue.array(keys));
    }

    /** MGET's reply: the values (or nulls) in order; or, if a part failed, its error alone. */
    private static void writeArray(ByteBuf out, List<Response> parts, boolean r3) {
        for (Response p : parts) {
            if (p.getResultCase() == Response.ResultCase.ERROR) {
                RespValue.error(errorText(p.getError())).write(out, r3);
                return;
            }
        }
        RespValue.header(out, '*', parts.size());
        for (Response p : parts) {
            writeValueOrNull(out, p, r3);
        }
    }

    private static final byte[] OK = "+OK\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private static void writeValueOrNull(ByteBuf out, Response r, boolean resp3) {
        if (r.getResultCase() != Response.ResultCase.VALUE) {
            RespValue.writeNull(out, resp3);
            return;
        }
        com.google.protobuf.ByteString v = r.getValue().getValue();
        RespValue.header(out, '$', v.size());
        out.ensureWritable(v.size() + 2);
        for (java.nio.ByteBuffer b : v.asReadOnlyByteBufferList()) {
            out.writeBytes(b);
        }
        RespValue.crlf(out);
    }

    /** A kvs error as a RESP error line: Redis's {@code ERR} code, then the kvs message. */
    static String errorText(Error e) {
        return e.getMessage().startsWith("ERR ") ? e.getMessage() : "ERR " + e.getMessage();
    }
}
