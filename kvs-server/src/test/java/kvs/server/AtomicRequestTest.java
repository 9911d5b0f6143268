package kvs.server;

import static kvs.server.ServerTest.set;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import kvs.proto.ErrorCode;
import kvs.proto.Incr;
import kvs.proto.Request;
import kvs.proto.Response;
import kvs.proto.Set;
import kvs.proto.SetCondition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The kvs protocol's compare-and-set (SET_IF_EQUAL) and Incr, over a real socket. */
class AtomicRequestTest extends KvsSocketFixture {

    static Request cas(long id, String key, String expected, String value, boolean previous) {
        return Request.newBuilder().setId(id).setSet(Set.newBuilder().setKey(ByteString.copyFromUtf8(key))
                .setValue(ByteString.copyFromUtf8(value)).setCondition(SetCondition.SET_IF_EQUAL)
                .setExpected(ByteString.copyFromUtf8(expected)).setReturnPrevious(previous)).build();
    }

    static Request incr(long id, String key, long by) {
        return Request.newBuilder().setId(id).setIncr(Incr.newBuilder().setKey(ByteString.copyFromUtf8(key))
                .setBy(by)).build();
    }

    @Test
    void compareAndSet_appliesOnlyOverTheExpectedValue() throws IOException {
        assertEquals(Response.ResultCase.NOT_APPLIED, c.call(cas(1, "k", "", "v", false)).getResultCase(),
                "a missing key matches nothing");
        assertEquals(null, value(2, "k"));
        c.call(set(3, "k", "old"));
        assertEquals(Response.ResultCase.NOT_APPLIED, c.call(cas(4, "k", "olD", "new", false)).getResultCase());
        Response missed = c.call(cas(5, "k", "other", "new", true));
        assertEquals("old", missed.getValue().getValue().toStringUtf8(), "return_previous, though not applied");
        assertEquals("old", value(6, "k"));
        Response hit = c.call(cas(7, "k", "old", "new", false));
        assertEquals(Response.ResultCase.DONE, hit.getResultCase());
        assertEquals(7, hit.getId());
        assertEquals("new", value(8, "k"));
    }

    @Test
    void compareAndSet_ofLargeValues_takesTheStoreThreads_withTheSameAnswers() throws IOException {
        String big = "x".repeat(90_000); // over the 64 KiB an event loop handles itself
        String big2 = "y".repeat(90_000);
        c.call(set(1, "k", big));
        assertEquals(Response.ResultCase.DONE, c.call(cas(2, "k", big, big2, false)).getResultCase());
        assertEquals(Response.ResultCase.NOT_APPLIED, c.call(cas(3, "k", big, "z", false)).getResultCase());
        assertEquals(big2, value(4, "k"));
    }

    @Test
    void expected_withAnotherCondition_isABadRequest() throws IOException {
        Request r = Request.newBuilder().setId(1).setSet(Set.newBuilder().setKey(ByteString.copyFromUtf8("k"))
                .setValue(ByteString.copyFromUtf8("v")).setExpected(ByteString.copyFromUtf8("e"))).build();
        assertEquals(ErrorCode.BAD_REQUEST, c.call(r).getError().getCode());
        assertEquals(null, value(2, "k"), "nothing applied");
    }

    @Test
    void incr_answersTheNewValue_fromZeroForAMissingKey() throws IOException {
        Response first = c.call(incr(1, "n", 5));
        assertEquals(Response.ResultCase.INTEGER, first.getResultCase());
        assertEquals(1, first.getId());
        assertEquals(5, first.getInteger().getValue());
        assertEquals(-2, c.call(incr(2, "n", -7)).getInteger().getValue());
        assertEquals(-2, c.call(incr(3, "n", 0)).getInteger().getValue(), "by 0 (the default): reads it");
        assertEquals("-2", value(4, "n"), "stored as decimal text");
    }

    @Test
    void incr_ofANonInteger_orOverflowing_isABadRequest_andWritesNothing() throws IOException {
        c.call(set(1, "s", "12 apples"));
        Response notInteger = c.call(incr(2, "s", 1));
        assertEquals(ErrorCode.BAD_REQUEST, notInteger.getError().getCode());
        assertEquals("value is not an integer or out of range", notInteger.getError().getMessage());
        assertEquals("12 apples", value(3, "s"));
        c.call(set(4, "m", Long.toString(Long.MAX_VALUE)));
        Response overflow = c.call(incr(5, "m", 1));
        assertEquals(ErrorCode.BAD_REQUEST, overflow.getError().getCode());
        assertEquals("increment or decrement would overflow", overflow.getError().getMessage());
        assertEquals(Long.toString(Long.MAX_VALUE), value(6, "m"));
        assertEquals(ErrorCode.BAD_REQUEST, c.call(incr(7, "", 1)).getError().getCode(), "empty key");
    }

    @Test
    void incr_inRawBytes_matchesProtocolDoc() throws IOException {
        c.send(hex("09 08 04 62 05 0a 01 6e 10 0a"));
        byte[] answer = c.in.readNBytes(7);
        assertEquals("06 08 04 52 02 08 0a", java.util.HexFormat.ofDelimiter(" ").formatHex(answer));
    }

    private static byte[] hex(String spaced) {
        return java.util.HexFormat.ofDelimiter(" ").parseHex(spaced);
    }

    @Test
    @Timeout(60)
    void incr_pipelinedFromSeveralConnections_losesNoUpdate() throws Exception {
        int connections = 4;
        int perConnection = 300;
        List<RawSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < connections; i++) {
                sockets.add(new RawSocket(server.localAddress()));
            }
            for (int n = 0; n < perConnection; n++) {
                for (RawSocket s : sockets) {
                    s.send(incr(n + 1, "counter", 1));
                }
            }
            for (RawSocket s : sockets) {
                for (int n = 0; n < perConnection; n++) {
                    Response r = s.read();
                    assertEquals(n + 1, r.getId());
                    assertEquals(Response.ResultCase.INTEGER, r.getResultCase());
                }
            }
        } finally {
            for (RawSocket s : sockets) {
                s.close();
            }
        }
        assertEquals(Integer.toString(connections * perConnection), value(1, "counter"));
    }
}
