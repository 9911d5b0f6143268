package kvs.server;

import static kvs.server.ServerTest.set;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.util.HexFormat;
import kvs.proto.ErrorCode;
import kvs.proto.Expire;
import kvs.proto.Persist;
import kvs.proto.Request;
import kvs.proto.Response;
import kvs.proto.Set;
import kvs.proto.SetCondition;
import kvs.proto.Stats;
import kvs.proto.Ttl;
import org.junit.jupiter.api.Test;

/** Expiry in the kvs protocol, over a real socket, on a store whose clock stands still until moved. */
class ExpiryRequestTest extends ClockedSocketFixture {

    static Request setWith(long id, String key, String value, Set.Builder expiry) {
        return Request.newBuilder().setId(id).setSet(expiry.setKey(ByteString.copyFromUtf8(key))
                .setValue(ByteString.copyFromUtf8(value))).build();
    }

    static Request ttl(long id, String key, boolean absolute) {
        return Request.newBuilder().setId(id).setTtl(Ttl.newBuilder().setKey(ByteString.copyFromUtf8(key))
                .setAbsolute(absolute)).build();
    }

    static Request expire(long id, String key, long ttlMs, long atMs) {
        return Request.newBuilder().setId(id).setExpire(Expire.newBuilder().setKey(ByteString.copyFromUtf8(key))
                .setTtlMs(ttlMs).setAtMs(atMs)).build();
    }

    static Request persist(long id, String key) {
        return Request.newBuilder().setId(id).setPersist(Persist.newBuilder().setKey(ByteString.copyFromUtf8(key)))
                .build();
    }

    private long ttl(String key) throws IOException {
        Response r = c.call(ttl(1, key, false));
        assertEquals(Response.ResultCase.INTEGER, r.getResultCase(), r.toString());
        return r.getInteger().getValue();
    }

    private long counted(Request r) throws IOException {
        Response response = c.call(r);
        assertEquals(Response.ResultCase.COUNTED, response.getResultCase(), response.toString());
        return response.getCounted().getCount();
    }

    private ErrorCode error(Request r) throws IOException {
        Response response = c.call(r);
        assertEquals(Response.ResultCase.ERROR, response.getResultCase(), response.toString());
        return response.getError().getCode();
    }

    @Test
    void setWithTtl_inRawBytes_matchesProtocolDoc() throws IOException {
        c.send(HexFormat.ofDelimiter(" ").parseHex("0d 08 05 12 09 0a 01 73 12 01 31 30 90 4e"));
        assertEquals("04 08 05 12 00", HexFormat.ofDelimiter(" ").formatHex(c.in.readNBytes(5)));
        c.send(HexFormat.ofDelimiter(" ").parseHex("08 08 06 82 01 03 0a 01 73"));
        assertEquals("08 08 06 52 04 08 a0 9c 01", HexFormat.ofDelimiter(" ").formatHex(c.in.readNBytes(9)));
    }

    @Test
    void setWithTtl_isGoneOnceTheClockPassesIt_forEveryRead() throws IOException {
        assertEquals(Response.ResultCase.DONE, c.call(setWith(1, "k", "v", Set.newBuilder().setTtlMs(10_000)))
                .getResultCase());
        assertEquals(10_000, ttl("k"));
        assertEquals(START + 10_000, c.call(ttl(2, "k", true)).getInteger().getValue());
        clock.advance(9_999);
        assertEquals("v", value(3, "k"));
        assertEquals(1, ttl("k"));
        clock.advance(1);
        assertNull(value(4, "k"));
        assertEquals(-2, ttl("k"));
        assertEquals(-2, c.call(ttl(5, "k", true)).getInteger().getValue());
        assertEquals(0, c.call(KeyQueryRequestTest.exists(6, "k")).getCounted().getCount());
        assertEquals(Response.ResultCase.NOT_FOUND, c.call(ServerTest.rm(7, "k")).getResultCase());
    }

    @Test
    void expireAt_keepTtl_andAPlainSetClearingIt() throws IOException {
        c.call(setWith(1, "k", "v", Set.newBuilder().setExpireAtMs(START + 5_000)));
        assertEquals(5_000, ttl("k"));
        c.call(setWith(2, "k", "w", Set.newBuilder().setKeepTtl(true)));
        assertEquals(5_000, ttl("k"), "KEEPTTL");
        assertEquals("w", value(3, "k"));
        c.call(set(4, "k", "x"));
        assertEquals(-1, ttl("k"), "a plain set clears the expiry");
        c.call(setWith(5, "fresh", "v", Set.newBuilder().setKeepTtl(true)));
        assertEquals(-1, ttl("fresh"), "keep_ttl of a key without one: none");
        c.call(setWith(6, "past", "v", Set.newBuilder().setExpireAtMs(START - 1)));
        assertNull(value(7, "past"), "a time already past: gone at once");
    }

    @Test
    void setWithTtl_conditionalAndReturningPrevious() throws IOException {
        Request nx = setWith(1, "k", "v", Set.newBuilder().setTtlMs(1_000).setCondition(SetCondition.SET_IF_ABSENT));
        assertEquals(Response.ResultCase.DONE, c.call(nx).getResultCase());
        assertEquals(Response.ResultCase.NOT_APPLIED, c.call(nx).getResultCase());
        assertEquals(1_000, ttl("k"));
        clock.advance(1_000);
        assertEquals(Response.ResultCase.DONE, c.call(nx).getResultCase(), "an expired key is absent for NX");
        Response previous = c.call(setWith(2, "k", "w", Set.newBuilder().setTtlMs(7).setReturnPrevious(true)));
        assertEquals("v", previous.getValue().getValue().toStringUtf8());
        assertEquals(7, ttl("k"));
    }

    @Test
    void setsWithTtl_pipelinedInOneRead_eachKeepsItsOwn() throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        for (int i = 1; i <= 20; i++) {
            setWith(i, "k" + i, "v", Set.newBuilder().setTtlMs(i * 100L)).writeDelimitedTo(bytes);
        }
        c.send(bytes.toByteArray());
        for (int i = 1; i <= 20; i++) {
            assertEquals(Response.ResultCase.DONE, c.read().getResultCase());
        }
        for (int i = 1; i <= 20; i++) {
            assertEquals(i * 100L, ttl("k" + i), "k" + i);
        }
    }

    @Test
    void largeValueWithTtl_onAStoreThread_keepsItsExpiry() throws IOException {
        String big = "x".repeat(90_000);
        c.call(setWith(1, "big", big, Set.newBuilder().setTtlMs(2_000)));
        assertEquals(2_000, ttl("big"));
        clock.advance(2_000);
        assertNull(value(2, "big"));
    }

    @Test
    void expire_persist_andTheirCounts() throws IOException {
        assertEquals(0, counted(expire(1, "k", 1_000, 0)), "absent: nothing written");
        assertEquals(-2, ttl("k"));
        c.call(set(2, "k", "v"));
        assertEquals(0, counted(persist(3, "k")), "no expiry to remove");
        assertEquals(1, counted(expire(4, "k", 1_000, 0)));
        assertEquals(1_000, ttl("k"));
        assertEquals(1, counted(expire(5, "k", 0, START + 60_000)));
        assertEquals(60_000, ttl("k"));
        assertEquals(1, counted(persist(6, "k")));
        assertEquals(-1, ttl("k"));
        assertEquals(1, counted(expire(7, "k", 0, 1)), "a time long past removes the key, which was there");
        assertNull(value(8, "k"));
        assertEquals(0, counted(expire(9, "k", 0, 1)));
    }

    @Test
    void invalidExpiry_isABadRequest_andWritesNothing() throws IOException {
        assertEquals(ErrorCode.BAD_REQUEST, error(setWith(1, "k", "v", Set.newBuilder().setTtlMs(1).setKeepTtl(true))));
        assertEquals(ErrorCode.BAD_REQUEST, error(setWith(2, "k", "v",
                Set.newBuilder().setTtlMs(1).setExpireAtMs(START + 1))));
        assertEquals(ErrorCode.BAD_REQUEST, error(setWith(3, "k", "v", Set.newBuilder().setTtlMs(-1))),
                "2^64 - 1 on the wire");
        assertEquals(ErrorCode.BAD_REQUEST, error(setWith(4, "k", "v",
                Set.newBuilder().setTtlMs(Long.MAX_VALUE - START + 1))), "past 2^63 - 1 on the clock");
        assertNull(value(5, "k"));
        c.call(set(6, "k", "v"));
        assertEquals(ErrorCode.BAD_REQUEST, error(expire(7, "k", 0, 0)), "neither");
        assertEquals(ErrorCode.BAD_REQUEST, error(expire(8, "k", 5, START + 5)), "both");
        assertEquals(ErrorCode.BAD_REQUEST, error(expire(9, "", 5, 0)), "empty key");
        assertEquals(ErrorCode.BAD_REQUEST, error(ttl(10, "", false)));
        assertEquals(ErrorCode.BAD_REQUEST, error(persist(11, "")));
        assertEquals(ErrorCode.BAD_REQUEST, error(Request.newBuilder().setId(12).setSetMany(kvs.proto.SetMany.newBuilder()
                .addSets(Set.newBuilder().setKey(ByteString.copyFromUtf8("k")).setTtlMs(5))).build()),
                "set_many takes plain sets");
        assertEquals(-1, ttl("k"), "nothing written");
    }

    @Test
    void stats_countTheRequests_keysWithExpiry_andExpiredKeys() throws IOException {
        c.call(setWith(1, "a", "v", Set.newBuilder().setTtlMs(10)));
        c.call(setWith(2, "b", "v", Set.newBuilder().setTtlMs(20)));
        c.call(expire(3, "a", 10, 0));
        c.call(persist(4, "b"));
        ttl("a");
        var before = stats();
        assertEquals(1, before.get("keys_with_expiry"), before.toString());
        assertEquals(0, before.get("expired_keys"));
        clock.advance(10);
        assertNull(value(5, "a"));
        // The store counts an expired key once it drops it from its keydir: a compaction sweeps first.
        c.call(Request.newBuilder().setId(6).setCompact(kvs.proto.Compact.getDefaultInstance()).build());
        var s = stats();
        assertEquals(1, s.get("requests_expire"));
        assertEquals(1, s.get("requests_persist"));
        assertEquals(1, s.get("requests_ttl"));
        assertEquals(0, s.get("requests_batch"));
        assertEquals(0, s.get("keys_with_expiry"), s.toString());
        assertEquals(1, s.get("expired_keys"), s.toString());
    }

    private java.util.Map<String, Long> stats() throws IOException {
        return c.call(Request.newBuilder().setId(9).setStats(Stats.getDefaultInstance()).build()).getStats()
                .getValuesMap();
    }
}
