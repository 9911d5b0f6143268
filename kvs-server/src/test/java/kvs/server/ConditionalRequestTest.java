package kvs.server;

import static kvs.server.ServerTest.set;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import java.io.IOException;
import kvs.proto.ErrorCode;
import kvs.proto.Request;
import kvs.proto.Response;
import kvs.proto.Rm;
import kvs.proto.Set;
import kvs.proto.SetCondition;
import kvs.proto.SetMany;
import org.junit.jupiter.api.Test;

/**
 * The kvs protocol's conditional sets, answers with the previous value, and SetMany (what the RESP
 * listener's SET NX/XX/GET, GETDEL and MSET are made of), over a real socket.
 */
class ConditionalRequestTest extends KvsSocketFixture {

    private static Request setIf(long id, String key, String value, SetCondition condition, boolean previous) {
        return Request.newBuilder().setId(id).setSet(Set.newBuilder().setKey(ByteString.copyFromUtf8(key))
                .setValue(ByteString.copyFromUtf8(value)).setCondition(condition).setReturnPrevious(previous))
                .build();
    }

    @Test
    void setIfAbsent_appliesOnce_thenAnswersNotApplied() throws IOException {
        assertEquals(Response.ResultCase.DONE, c.call(setIf(1, "k", "1", SetCondition.SET_IF_ABSENT, false))
                .getResultCase());
        Response second = c.call(setIf(2, "k", "2", SetCondition.SET_IF_ABSENT, false));
        assertEquals(Response.ResultCase.NOT_APPLIED, second.getResultCase());
        assertEquals(2, second.getId());
        assertEquals("1", value(3, "k"));
    }

    @Test
    void setIfPresent_withPrevious_answersTheOldValueOrNotFound() throws IOException {
        assertEquals(Response.ResultCase.NOT_FOUND, c.call(setIf(1, "k", "1", SetCondition.SET_IF_PRESENT, true))
                .getResultCase());
        assertEquals(null, value(2, "k"), "not applied: the key was absent");
        c.call(set(3, "k", "old"));
        Response r = c.call(setIf(4, "k", "new", SetCondition.SET_IF_PRESENT, true));
        assertEquals("old", r.getValue().getValue().toStringUtf8());
        assertEquals("new", value(5, "k"));
    }

    @Test
    void largeValues_takeTheStoreThreads_withTheSameAnswers() throws IOException {
        String big = "x".repeat(90_000); // over the 64 KiB an event loop handles itself
        c.call(set(1, "k", big));
        Response r = c.call(setIf(2, "k", "small", SetCondition.SET_ALWAYS, true));
        assertEquals(big, r.getValue().getValue().toStringUtf8());
        Response removed = c.call(Request.newBuilder().setId(3).setRm(Rm.newBuilder()
                .setKey(ByteString.copyFromUtf8("k")).setReturnPrevious(true)).build());
        assertEquals("small", removed.getValue().getValue().toStringUtf8());
        assertEquals(null, value(4, "k"));
    }

    @Test
    void rmWithPrevious_ofAMissingKey_isNotFound() throws IOException {
        Response r = c.call(Request.newBuilder().setId(1).setRm(Rm.newBuilder()
                .setKey(ByteString.copyFromUtf8("none")).setReturnPrevious(true)).build());
        assertEquals(Response.ResultCase.NOT_FOUND, r.getResultCase());
    }

    @Test
    void unknownCondition_isABadRequest() throws IOException {
        Request r = Request.newBuilder().setId(7).setSet(Set.newBuilder().setKey(ByteString.copyFromUtf8("k"))
                .setValue(ByteString.copyFromUtf8("v")).setConditionValue(9)).build();
        Response answer = c.call(r);
        assertEquals(ErrorCode.BAD_REQUEST, answer.getError().getCode());
        assertEquals(null, value(8, "k"));
    }

    @Test
    void setMany_appliesAll_orNoneWhenOneIsInvalid() throws IOException {
        Response ok = c.call(Request.newBuilder().setId(1).setSetMany(SetMany.newBuilder()
                .addSets(set(0, "a", "1").getSet()).addSets(set(0, "b", "2").getSet())).build());
        assertEquals(Response.ResultCase.DONE, ok.getResultCase());
        assertEquals("1", value(2, "a"));
        assertEquals("2", value(3, "b"));
        Response refused = c.call(Request.newBuilder().setId(4).setSetMany(SetMany.newBuilder()
                .addSets(set(0, "a", "one").getSet()).addSets(set(0, "", "empty key").getSet())).build());
        assertEquals(ErrorCode.BAD_REQUEST, refused.getError().getCode());
        assertEquals("1", value(5, "a"), "nothing of a refused batch is applied");
        Response conditional = c.call(Request.newBuilder().setId(6).setSetMany(SetMany.newBuilder()
                .addSets(setIf(0, "a", "x", SetCondition.SET_IF_ABSENT, false).getSet())).build());
        assertEquals(ErrorCode.BAD_REQUEST, conditional.getError().getCode());
        assertEquals(ErrorCode.BAD_REQUEST, c.call(Request.newBuilder().setId(8)
                .setSetMany(SetMany.getDefaultInstance()).build()).getError().getCode());
    }
}
