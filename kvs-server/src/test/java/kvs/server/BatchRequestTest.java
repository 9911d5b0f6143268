package kvs.server;

import static kvs.server.ServerTest.set;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.util.HexFormat;
import kvs.proto.Batch;
import kvs.proto.BatchWrite;
import kvs.proto.ErrorCode;
import kvs.proto.Request;
import kvs.proto.Response;
import kvs.proto.Rm;
import kvs.proto.Set;
import kvs.proto.SetCondition;
import org.junit.jupiter.api.Test;

/** The kvs protocol's Batch over a real socket: all of it or none of it. */
class BatchRequestTest extends ClockedSocketFixture {

    static BatchWrite put(String key, String value) {
        return put(Set.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8(value)));
    }

    static BatchWrite put(Set.Builder set) {
        return BatchWrite.newBuilder().setSet(set).build();
    }

    static BatchWrite rm(String key) {
        return BatchWrite.newBuilder().setRm(Rm.newBuilder().setKey(ByteString.copyFromUtf8(key))).build();
    }

    static Request batch(long id, BatchWrite... writes) {
        return Request.newBuilder().setId(id).setBatch(Batch.newBuilder().addAllWrites(java.util.List.of(writes)))
                .build();
    }

    private Response.ResultCase call(Request r) throws IOException {
        return c.call(r).getResultCase();
    }

    @Test
    void batch_inRawBytes_matchesProtocolDoc() throws IOException {
        c.call(set(1, "s", "x"));
        c.send(HexFormat.ofDelimiter(" ").parseHex(
                "16 08 07 8a 01 11 0a 08 0a 06 0a 01 61 12 01 31 0a 05 12 03 0a 01 73"));
        assertEquals("04 08 07 12 00", HexFormat.ofDelimiter(" ").formatHex(c.in.readNBytes(5)));
        assertEquals("1", value(2, "a"));
        assertNull(value(3, "s"));
    }

    @Test
    void batch_appliesItsWritesInOrder_theLastOfAKeyWinning() throws IOException {
        c.call(set(1, "gone", "x"));
        assertEquals(Response.ResultCase.DONE, call(batch(2, put("a", "1"), put("b", "2"), rm("gone"),
                put("a", "3"), rm("b"), rm("never"))));
        assertEquals("3", value(3, "a"));
        assertNull(value(4, "b"));
        assertNull(value(5, "gone"));
    }

    @Test
    void batch_setsMayExpire_onTheServersClock() throws IOException {
        c.call(batch(1, put(Set.newBuilder().setKey(ByteString.copyFromUtf8("t")).setValue(ByteString.copyFromUtf8("v"))
                .setTtlMs(500)), put(Set.newBuilder().setKey(ByteString.copyFromUtf8("u"))
                .setValue(ByteString.copyFromUtf8("v")).setExpireAtMs(START + 900)), put("forever", "v")));
        assertEquals(500, c.call(ExpiryRequestTest.ttl(2, "t", false)).getInteger().getValue());
        clock.advance(500);
        assertNull(value(3, "t"));
        assertEquals("v", value(4, "u"));
        clock.advance(400);
        assertNull(value(5, "u"));
        assertEquals("v", value(6, "forever"));
    }

    @Test
    void anInvalidWrite_refusesTheWholeBatch_nothingApplied() throws IOException {
        c.call(set(1, "keep", "old"));
        Response tooLarge = c.call(batch(2, put("keep", "new"), put("big", "x".repeat(200_001))));
        assertEquals(ErrorCode.TOO_LARGE, tooLarge.getError().getCode());
        Response emptyKey = c.call(batch(3, rm("keep"), rm("")));
        assertEquals(ErrorCode.BAD_REQUEST, emptyKey.getError().getCode());
        for (BatchWrite bad : new BatchWrite[] {
            put(Set.newBuilder().setKey(ByteString.copyFromUtf8("k")).setKeepTtl(true)),
            put(Set.newBuilder().setKey(ByteString.copyFromUtf8("k")).setCondition(SetCondition.SET_IF_ABSENT)),
            put(Set.newBuilder().setKey(ByteString.copyFromUtf8("k")).setReturnPrevious(true)),
            put(Set.newBuilder().setKey(ByteString.copyFromUtf8("k")).setTtlMs(1).setExpireAtMs(START + 1)),
            BatchWrite.newBuilder().setRm(Rm.newBuilder().setKey(ByteString.copyFromUtf8("k")).setReturnPrevious(true))
                    .build(),
            BatchWrite.getDefaultInstance()}) {
            Response r = c.call(batch(4, put("keep", "new"), bad));
            assertEquals(ErrorCode.BAD_REQUEST, r.getError().getCode(), bad.toString());
        }
        assertEquals(ErrorCode.BAD_REQUEST, c.call(batch(5)).getError().getCode(), "an empty batch");
        assertEquals("old", value(6, "keep"), "nothing applied");
        assertNull(value(7, "big"));
    }

    @Test
    void aLargeBatch_goesToAStoreThread_andAppliesWhole() throws IOException {
        BatchWrite[] writes = new BatchWrite[10];
        for (int i = 0; i < writes.length; i++) {
            writes[i] = put("k" + i, Integer.toString(i).repeat(10_000)); // 100 KB: over an event loop's 64 KiB
        }
        assertEquals(Response.ResultCase.DONE, call(batch(1, writes)));
        for (int i = 0; i < writes.length; i++) {
            assertEquals(Integer.toString(i).repeat(10_000), value(2 + i, "k" + i));
        }
        var stats = c.call(Request.newBuilder().setId(20).setStats(kvs.proto.Stats.getDefaultInstance()).build())
                .getStats().getValuesMap();
        assertEquals(1, stats.get("requests_batch"));
    }

    @Test
    void setMany_staysAllOrNothing() throws IOException {
        Request many = Request.newBuilder().setId(1).setSetMany(kvs.proto.SetMany.newBuilder()
                .addSets(put("a", "1").getSet()).addSets(put("b", "2").getSet())).build();
        assertEquals(Response.ResultCase.DONE, call(many));
        assertEquals("1", value(2, "a"));
        assertEquals("2", value(3, "b"));
        assertTrue(c.call(Request.newBuilder().setId(4).setSetMany(kvs.proto.SetMany.newBuilder()
                .addSets(put("a", "x").getSet()).addSets(put("", "y").getSet())).build()).hasError());
        assertEquals("1", value(5, "a"));
    }
}
