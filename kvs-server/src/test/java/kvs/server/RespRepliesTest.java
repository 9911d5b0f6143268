package kvs.server;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import kvs.proto.Done;
import kvs.proto.Error;
import kvs.proto.ErrorCode;
import kvs.proto.NotApplied;
import kvs.proto.NotFound;
import kvs.proto.Response;
import kvs.proto.StatsReply;
import kvs.proto.Value;
import kvs.server.RespReplies.Kind;
import kvs.server.RespReplies.Render;
import org.junit.jupiter.api.Test;

/**
 * {@link RespReplies}: how each kind of render turns kvs responses into a RESP2 or RESP3 reply;
 * renders whose responses come over several encodes; and an encode that fails part-way, which
 * must leave everything as it was.
 */
class RespRepliesTest {

    private static final ByteBufAllocator ALLOC = UnpooledByteBufAllocator.DEFAULT;

    static Response done() {
        return Response.newBuilder().setDone(Done.getDefaultInstance()).build();
    }

    static Response value(String v) {
        return Response.newBuilder().setValue(Value.newBuilder().setValue(ByteString.copyFrom(v, ISO_8859_1))).build();
    }

    static Response notFound() {
        return Response.newBuilder().setNotFound(NotFound.getDefaultInstance()).build();
    }

    static Response notApplied() {
        return Response.newBuilder().setNotApplied(NotApplied.getDefaultInstance()).build();
    }

    static Response error(String message) {
        return Response.newBuilder().setError(Error.newBuilder().setCode(ErrorCode.TOO_LARGE).setMessage(message))
                .build();
    }

    static Response stats(Map<String, Long> values) {
        return Response.newBuilder().setStats(StatsReply.newBuilder().putAllValues(values)).build();
    }

    /** The bytes of the encoded replies, as chars (ISO-8859-1: one to one). */
    private static String encode(RespReplies replies, Response... responses) {
        return text(replies.encode(ALLOC, List.of(responses)));
    }

    private static String text(List<ByteBuf> buffers) {
        StringBuilder b = new StringBuilder();
        for (ByteBuf buf : buffers) {
            b.append(buf.toString(ISO_8859_1));
            buf.release();
        }
        return b.toString();
    }

    /** {@code HELLO 3} (or 2): a literal, carried by a ping, that switches the protocol. */
    private static Render hello(int protocol) {
        return new Render(Kind.LITERAL, 1, RespValue.map("proto", (long) protocol), null, protocol, false);
    }

    private static final String HELLO3_REPLY = "%1\r\n$5\r\nproto\r\n:3\r\n";
    private static final String HELLO2_REPLY = "*2\r\n$5\r\nproto\r\n:2\r\n";

    @Test
    void bulk_valueNullOrError_inResp2ThenResp3() {
        RespReplies r = new RespReplies();
        for (int i = 0; i < 3; i++) {
            r.expect(Render.of(Kind.BULK, 1));
        }
        assertEquals("$3\r\na\0\u00ff\r\n$-1\r\n-ERR too big\r\n",
                encode(r, value("a\0\u00ff"), notFound(), error("too big")));
        r.expect(hello(3));
        r.expect(Render.of(Kind.BULK, 1));
        r.expect(Render.of(Kind.BULK, 1));
        assertEquals(HELLO3_REPLY + "_\r\n$0\r\n\r\n", encode(r, done(), notFound(), value("")));
        assertTrue(r.resp3());
    }

    @Test
    void ok_afterEveryPart_nullWhenNotApplied_firstErrorOnce() {
        RespReplies r = new RespReplies();
        r.expect(Render.of(Kind.OK, 1));
        r.expect(Render.of(Kind.OK, 1)); // SET NX that found the key
        r.expect(Render.of(Kind.OK, 3)); // MSET of three
        r.expect(Render.of(Kind.OK, 3)); // MSET whose second and third parts failed
        assertEquals("+OK\r\n$-1\r\n+OK\r\n-ERR first\r\n",
                encode(r, done(), notApplied(), done(), done(), done(), done(), error("first"), error("second")));
        r.expect(hello(3));
        r.expect(Render.of(Kind.OK, 1));
        assertEquals(HELLO3_REPLY + "_\r\n", encode(r, done(), notApplied()));
    }

    @Test
    void count_partsThatFoundTheirKey_errorWins() {
        RespReplies r = new RespReplies();
        r.expect(Render.of(Kind.COUNT, 3)); // DEL a b c
        r.expect(Render.of(Kind.COUNT, 2)); // DEL a b, one found by a remove that read its value
        r.expect(Render.of(Kind.COUNT, 2));
        assertEquals(":2\r\n:1\r\n-ERR storage\r\n",
                encode(r, done(), notFound(), done(), value("x"), notFound(), done(), error("storage")));
    }

    @Test
    void array_oneElementAPart_nullsPerProtocol_orOneErrorForAll() {
        RespReplies r = new RespReplies();
        r.expect(Render.of(Kind.ARRAY, 3));
        r.expect(Render.of(Kind.ARRAY, 3));
        assertEquals("*3\r\n$1\r\na\r\n$-1\r\n$1\r\nc\r\n-ERR bad\r\n",
                encode(r, value("a"), notFound(), value("c"), value("a"), error("bad"), notFound()),
                "an MGET with a failed part is answered with that error alone, as Redis never puts one in its array");
        r.expect(hello(3));
        r.expect(Render.of(Kind.ARRAY, 2));
        assertEquals(HELLO3_REPLY + "*2\r\n_\r\n$1\r\nb\r\n", encode(r, done(), notFound(), value("b")));
    }

    @Test
    void length_ofTheValue_zeroIfNone() {
        RespReplies r = new RespReplies();
        for (int i = 0; i < 3; i++) {
            r.expect(Render.of(Kind.LENGTH, 1));
        }
        assertEquals(":5\r\n:0\r\n-ERR oops\r\n", encode(r, value("hello"), notFound(), error("oops")));
    }

    @Test
    void literal_helloSwitchesFromItsOwnReply_notWhenItsCarrierFailed() {
        RespReplies r = new RespReplies();
        r.expect(Render.literal(RespValue.simple("PONG")));
        r.expect(hello(3));
        r.expect(Render.literal(RespValue.nil()));
        r.expect(hello(2));
        r.expect(Render.literal(RespValue.nil()));
        r.expect(hello(3)); // its ping failed (the server shutting down, say): no switch
        r.expect(Render.literal(RespValue.nil()));
        assertEquals("+PONG\r\n" + HELLO3_REPLY + "_\r\n" + HELLO2_REPLY + "$-1\r\n-ERR shutting down\r\n$-1\r\n",
                encode(r, done(), done(), done(), done(), done(), error("shutting down"), done()));
        assertFalse(r.resp3());
        assertFalse(r.closeRequested());
        r.expect(new Render(Kind.LITERAL, 1, RespValue.simple("OK"), null, 0, true)); // QUIT
        assertEquals("+OK\r\n", encode(r, done()));
        assertTrue(r.closeRequested());
    }

    @Test
    void fromStats_madeFromTheResponseFigures() {
        RespReplies r = new RespReplies();
        r.expect(Render.fromStats(s -> RespValue.integer(s.get("keys"))));
        r.expect(Render.fromStats(s -> RespValue.bulk("keys=" + s.get("keys"))));
        r.expect(Render.fromStats(s -> RespValue.integer(s.get("keys"))));
        assertEquals(":42\r\n$7\r\nkeys=43\r\n-ERR no stats\r\n",
                encode(r, stats(Map.of("keys", 42L)), stats(Map.of("keys", 43L)), error("no stats")));
    }

    @Test
    void errorText_ERRprefixOnce_oneLine() {
        RespReplies r = new RespReplies();
        r.expect(Render.of(Kind.BULK, 1));
        r.expect(Render.of(Kind.BULK, 1));
        assertEquals("-ERR already prefixed\r\n-ERR two  lines\r\n",
                encode(r, error("ERR already prefixed"), error("two\r\nlines")));
        ByteBuf e = r.protocolError(ALLOC, Error.newBuilder().setCode(ErrorCode.BAD_REQUEST)
                .setMessage("Protocol error: invalid bulk length").build());
        assertEquals("-ERR Protocol error: invalid bulk length\r\n", text(List.of(e)));
    }

    /** DEL a b c, MGET x y, GET z, SET: ten responses. */
    private static RespReplies tenResponsesExpected() {
        RespReplies r = new RespReplies();
        r.expect(Render.of(Kind.COUNT, 3));
        r.expect(Render.of(Kind.ARRAY, 2));
        r.expect(Render.of(Kind.BULK, 1));
        r.expect(Render.of(Kind.OK, 1));
        r.expect(Render.of(Kind.COUNT, 3));
        return r;
    }

    private static final List<Response> TEN = List.of(done(), notFound(), done(), value("x"), notFound(),
            value("zz"), done(), notFound(), notFound(), done());
    private static final String TEN_REPLIES = ":2\r\n*2\r\n$1\r\nx\r\n$-1\r\n$2\r\nzz\r\n+OK\r\n:1\r\n";

    /** Every way of cutting the ten responses into consecutive encodes gives the same bytes. */
    @Test
    void multiPartRenders_responsesOverSeveralEncodes_everySplit() {
        assertEquals(TEN_REPLIES, encode(tenResponsesExpected(), TEN.toArray(new Response[0])));
        for (int cuts = 0; cuts < 1 << (TEN.size() - 1); cuts++) {
            RespReplies r = tenResponsesExpected();
            StringBuilder out = new StringBuilder();
            int from = 0;
            for (int i = 1; i <= TEN.size(); i++) {
                if (i == TEN.size() || (cuts & 1 << (i - 1)) != 0) {
                    out.append(encode(r, TEN.subList(from, i).toArray(new Response[0])));
                    from = i;
                }
            }
            assertEquals(TEN_REPLIES, out.toString(), "cuts " + Integer.toBinaryString(cuts));
        }
        RespReplies one = tenResponsesExpected(); // and one at a time, through the single encode
        StringBuilder out = new StringBuilder();
        for (Response resp : TEN) {
            out.append(text(List.of(one.encode(ALLOC, resp))));
        }
        assertEquals(TEN_REPLIES, out.toString());
    }

    /**
     * An allocator whose buffers cannot grow past {@code max} bytes: an encode fails part-way
     * through its writing, with counts and flags already changed in its working copies.
     */
    private static final class SmallBuffers extends AbstractByteBufAllocator {
        private final int max;
        final List<ByteBuf> given = new ArrayList<>();

        SmallBuffers(int max) {
            this.max = max;
        }

        @Override
        protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
            ByteBuf b = Unpooled.buffer(Math.min(initialCapacity, max), max);
            given.add(b);
            return b;
        }

        @Override
        protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
            return newHeapBuffer(initialCapacity, maxCapacity);
        }

        @Override
        public boolean isDirectBufferPooled() {
            return false;
        }
    }

    @Test
    void failedEncode_changesNothing_theSameResponsesEncodeAfterwards() {
        RespReplies r = new RespReplies();
        r.expect(Render.of(Kind.COUNT, 3)); // DEL a b c: one part answered before the failure
        assertEquals("", encode(r, done()));
        r.expect(Render.of(Kind.ARRAY, 2));
        r.expect(hello(3));
        r.expect(Render.of(Kind.BULK, 1));
        r.expect(new Render(Kind.LITERAL, 1, RespValue.simple("OK"), null, 0, true)); // QUIT
        List<Response> rest = List.of(notFound(), done(), value("x"), notFound(), done(), notFound(), done());
        String expected = ":2\r\n*2\r\n$1\r\nx\r\n$-1\r\n" + HELLO3_REPLY + "_\r\n+OK\r\n";
        for (int max = 1; max < expected.length(); max++) { // fails at every point of the writing
            SmallBuffers small = new SmallBuffers(max);
            assertThrows(IndexOutOfBoundsException.class, () -> r.encode(small, rest), "max " + max);
            for (ByteBuf b : small.given) {
                assertEquals(0, b.refCnt(), "the failed encode's buffer is released");
            }
            assertFalse(r.resp3());
            assertFalse(r.closeRequested());
        }
        assertEquals(expected, text(r.encode(ALLOC, rest)));
        assertTrue(r.resp3());
        assertTrue(r.closeRequested());

        RespReplies one = new RespReplies(); // and through the single encode
        one.expect(Render.of(Kind.BULK, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> one.encode(new SmallBuffers(4), value("abc")));
        assertEquals("$3\r\nabc\r\n", text(List.of(one.encode(ALLOC, value("abc")))));
    }
}
