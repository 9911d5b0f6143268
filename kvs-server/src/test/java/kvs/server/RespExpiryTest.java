package kvs.server;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.file.Path;
import kvs.common.HostPort;
import kvs.proto.Counted;
import kvs.proto.Request;
import kvs.proto.Response;
import kvs.proto.SetCondition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * RESP's expiry commands and SET's expiry options, translated to kvs requests, with Redis 7.0's
 * errors (as redis-server 7.0 answers them) for what it refuses; on an EmbeddedChannel, the
 * store's answers given by hand. The clock reads {@link #NOW}.
 */
class RespExpiryTest {

    static final long NOW = 1_800_000_000_000L;

    private final RespReplies replies = new RespReplies();
    private final EmbeddedChannel ch = new EmbeddedChannel(new RespDecoder(1024, 4096), new RespCommands(replies,
            ServerConfig.of(new HostPort("127.0.0.1", 0), Path.of("unused")), 0, () -> NOW));

    @AfterEach
    void finish() {
        assertFalse(ch.finish(), "every request read");
    }

    /** The one request {@code command} makes; its reply is then made of an error, and dropped. */
    private Request request(String... command) {
        Request r = send(command);
        encode(RespRepliesTest.error("dropped"));
        return r;
    }

    private Request send(String... command) {
        ch.writeInbound(Unpooled.wrappedBuffer(RespDecoderTest.multibulk(command)));
        Request r = ch.readInbound();
        assertEquals(null, (Object) ch.readInbound(), "one request");
        return r;
    }

    /** The reply to {@code command} when the store answers {@code response} (a ping's: Done). */
    private String reply(Response response, String... command) {
        send(command);
        return encode(response);
    }

    private String encode(Response response) {
        StringBuilder b = new StringBuilder();
        for (ByteBuf buf : replies.encode(UnpooledByteBufAllocator.DEFAULT, java.util.List.of(response))) {
            b.append(buf.toString(ISO_8859_1));
            buf.release();
        }
        return b.toString();
    }

    /** The reply to a command refused before the store: its literal, carried by a ping. */
    private String refused(String... command) {
        return reply(RespRepliesTest.done(), command);
    }

    private static Response integer(long v) {
        return Response.newBuilder().setInteger(kvs.proto.Integer.newBuilder().setValue(v)).build();
    }

    private static Response counted(long n) {
        return Response.newBuilder().setCounted(Counted.newBuilder().setCount(n)).build();
    }

    @Test
    void set_expiryOptions_becomeTtlOrTimeInMilliseconds() {
        assertEquals(10_000, request("SET", "k", "v", "EX", "10").getSet().getTtlMs());
        assertEquals(1500, request("set", "k", "v", "px", "1500").getSet().getTtlMs());
        assertEquals(2_000_000_000_000L, request("SET", "k", "v", "EXAT", "2000000000").getSet().getExpireAtMs());
        assertEquals(1, request("SET", "k", "v", "PXAT", "1").getSet().getExpireAtMs(), "past: taken, key gone");
        assertEquals(Long.MAX_VALUE, request("SET", "k", "v", "PXAT", Long.toString(Long.MAX_VALUE)).getSet()
                .getExpireAtMs(), "absolute: no clock to overflow");
        assertTrue(request("SET", "k", "v", "KEEPTTL").getSet().getKeepTtl());
        assertEquals(20_000, request("SET", "k", "v", "EX", "10", "EX", "20").getSet().getTtlMs(), "the last counts");
        kvs.proto.Set all = request("SET", "k", "v", "NX", "EX", "10", "GET").getSet();
        assertEquals(SetCondition.SET_IF_ABSENT, all.getCondition());
        assertTrue(all.getReturnPrevious());
        assertEquals(10_000, all.getTtlMs());
        kvs.proto.Set plain = request("SET", "k", "v").getSet();
        assertEquals(0, plain.getTtlMs() + plain.getExpireAtMs());
        assertFalse(plain.getKeepTtl(), "a plain SET clears the expiry");
        assertEquals(SetCondition.SET_IF_ABSENT, request("SET", "k", "v", "NX", "NX").getSet().getCondition());
    }

    @Test
    void set_badTimes_areRedisErrors_andSendNothingToTheStore() {
        String invalid = "-ERR invalid expire time in 'set' command\r\n";
        for (String[] options : new String[][] {{"EX", "0"}, {"EX", "-1"}, {"PX", "0"}, {"EXAT", "0"},
                {"PXAT", "-5"}, {"EX", "9223372036854775"}, {"PX", Long.toString(Long.MAX_VALUE - NOW + 1)},
                {"EX", Long.toString(Long.MAX_VALUE)}}) {
            assertEquals(invalid, refused("SET", "k", "v", options[0], options[1]), String.join(" ", options));
        }
        assertEquals(Long.MAX_VALUE - NOW, request("SET", "k", "v", "PX", Long.toString(Long.MAX_VALUE - NOW))
                .getSet().getTtlMs(), "the largest that does not overflow the clock");
        assertEquals("-ERR value is not an integer or out of range\r\n", refused("SET", "k", "v", "EX", "abc"));
        assertEquals("-ERR value is not an integer or out of range\r\n", refused("SET", "k", "v", "EX", "abc", "NX"));
        for (String[] options : new String[][] {{"EX", "10", "PX", "10"}, {"KEEPTTL", "EX", "10"},
                {"EX", "10", "KEEPTTL"}, {"EX"}, {"EX", "abc", "foo"}, {"NX", "XX"}}) {
            String[] command = new String[3 + options.length];
            System.arraycopy(new String[] {"SET", "k", "v"}, 0, command, 0, 3);
            System.arraycopy(options, 0, command, 3, options.length);
            assertEquals("-ERR syntax error\r\n", refused(command), String.join(" ", options));
        }
    }

    @Test
    void setex_psetex_areSetsWithEXorPX() {
        kvs.proto.Set s = request("SETEX", "k", "10", "v").getSet();
        assertEquals("v", s.getValue().toStringUtf8());
        assertEquals(10_000, s.getTtlMs());
        assertEquals(1500, request("PSETEX", "k", "1500", "v").getSet().getTtlMs());
        assertEquals("-ERR invalid expire time in 'setex' command\r\n", refused("SETEX", "k", "0", "v"));
        assertEquals("-ERR invalid expire time in 'psetex' command\r\n", refused("PSETEX", "k", "-5", "v"));
        assertEquals("-ERR value is not an integer or out of range\r\n", refused("SETEX", "k", "abc", "v"));
        assertEquals("-ERR wrong number of arguments for 'setex' command\r\n", refused("SETEX", "k", "10", "v", "w"));
        assertEquals("+OK\r\n", reply(RespRepliesTest.done(), "SETEX", "k", "10", "v"));
    }

    @Test
    void expireFamily_relativeOrAbsolute_andAPastTimeRemovesTheKey() {
        assertEquals(10_000, request("EXPIRE", "k", "10").getExpire().getTtlMs());
        assertEquals(10, request("PEXPIRE", "k", "10").getExpire().getTtlMs());
        assertEquals(2_000_000_000_000L, request("EXPIREAT", "k", "2000000000").getExpire().getAtMs());
        assertEquals(5, request("PEXPIREAT", "k", "5").getExpire().getAtMs());
        for (String[] past : new String[][] {{"EXPIRE", "0"}, {"EXPIRE", "-1"}, {"PEXPIRE", "-1000"},
                {"EXPIREAT", "0"}, {"PEXPIREAT", "-7"}}) {
            kvs.proto.Expire e = request(past[0], "k", past[1]).getExpire();
            assertEquals(1, e.getAtMs(), String.join(" ", past) + ": at 1 ms, long past");
            assertEquals(0, e.getTtlMs());
        }
        assertEquals(":1\r\n", reply(counted(1), "EXPIRE", "k", "10"));
        assertEquals(":0\r\n", reply(counted(0), "EXPIRE", "k", "10"));
    }

    @Test
    void expireFamily_errorsAsRedis_andItsConditionsRefusedByName() {
        assertEquals("-ERR invalid expire time in 'expire' command\r\n",
                refused("EXPIRE", "k", Long.toString(Long.MAX_VALUE)));
        assertEquals("-ERR invalid expire time in 'pexpire' command\r\n",
                refused("PEXPIRE", "k", Long.toString(Long.MAX_VALUE)));
        assertEquals("-ERR invalid expire time in 'expireat' command\r\n",
                refused("EXPIREAT", "k", Long.toString(Long.MAX_VALUE)));
        assertEquals("-ERR invalid expire time in 'expire' command\r\n",
                refused("EXPIRE", "k", Long.toString(Long.MIN_VALUE)));
        assertEquals("-ERR value is not an integer or out of range\r\n", refused("EXPIRE", "k", "abc"));
        assertEquals("-ERR Unsupported option foo\r\n", refused("EXPIRE", "k", "abc", "foo"), "options first");
        assertTrue(refused("EXPIRE", "k", "10", "nx").startsWith("-ERR EXPIRE's NX option is not supported"));
        assertTrue(refused("PEXPIREAT", "k", "10", "GT").startsWith("-ERR PEXPIREAT's GT option is not supported"));
        assertEquals("-ERR wrong number of arguments for 'expire' command\r\n", refused("EXPIRE", "k"));
    }

    @Test
    void ttlFamily_askTheTimeLeftOrTheTime_inSecondsRoundedAsRedis() {
        assertFalse(request("TTL", "k").getTtl().getAbsolute());
        assertFalse(request("PTTL", "k").getTtl().getAbsolute());
        assertTrue(request("EXPIRETIME", "k").getTtl().getAbsolute());
        assertTrue(request("PEXPIRETIME", "k").getTtl().getAbsolute());
        assertEquals(":10\r\n", reply(integer(9500), "TTL", "k"));
        assertEquals(":9\r\n", reply(integer(9499), "TTL", "k"));
        assertEquals(":0\r\n", reply(integer(0), "TTL", "k"));
        assertEquals(":-2\r\n", reply(integer(-2), "TTL", "k"));
        assertEquals(":-1\r\n", reply(integer(-1), "TTL", "k"));
        assertEquals(":9500\r\n", reply(integer(9500), "PTTL", "k"));
        assertEquals(":1796626885\r\n", reply(integer(1_796_626_885_999L), "EXPIRETIME", "k"), "truncated");
        assertEquals(":-1\r\n", reply(integer(-1), "EXPIRETIME", "k"));
        assertEquals(":1796626885999\r\n", reply(integer(1_796_626_885_999L), "PEXPIRETIME", "k"));
    }

    @Test
    void persist_isOnePersist_countedAsRedis() {
        assertEquals("k", request("PERSIST", "k").getPersist().getKey().toStringUtf8());
        assertEquals(":1\r\n", reply(counted(1), "PERSIST", "k"));
        assertEquals(":0\r\n", reply(counted(0), "PERSIST", "k"));
    }
}
