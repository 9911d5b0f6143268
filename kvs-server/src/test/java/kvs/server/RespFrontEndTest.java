package kvs.server;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.google.protobuf.ByteString;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import kvs.common.HostPort;
import kvs.proto.Request;
import kvs.proto.Response;
import kvs.proto.SetCondition;
import org.junit.jupiter.api.Test;

/**
 * The RESP front end without a server: {@link RespDecoder} and {@link RespCommands} on an
 * {@link EmbeddedChannel}, fed a long pipeline in random pieces; the kvs requests that come out
 * are answered by a model of the store, and {@link RespReplies} encodes the answers in random
 * groups. The replies must be those Redis would give, in order.
 */
class RespFrontEndTest {

    /** A command and its reply, as bytes in chars. */
    private record Exchange(List<String> command, String reply) {
    }

    private static Exchange x(String reply, String... command) {
        return new Exchange(List.of(command), reply);
    }

    private static String bulk(String s) {
        return "$" + s.length() + "\r\n" + s + "\r\n";
    }

    /** One round of commands of every kind, on keys of its own; {@code round + 1} keys stay. */
    private static List<Exchange> round(int i) {
        String a = "a" + i;
        String b = "b\0" + i; // binary-safe keys
        String c = "c " + i;
        return List.of(
                x("+OK\r\n", "SET", "keep" + i, "\u00ff"),
                x("+OK\r\n", "SET", a, "1"),
                x(bulk("1"), "GET", a),
                x("$-1\r\n", "SET", a, "2", "NX"),
                x("$-1\r\n", "set", b, "2", "xx"),
                x(bulk("1"), "SET", a, "3", "XX", "GET"),
                x("+OK\r\n", "MSET", b, "x", c, "yy"),
                x("*3\r\n" + bulk("3") + bulk("x") + "$-1\r\n", "MGET", a, b, "nope"),
                x(":3\r\n", "EXISTS", a, b, "nope", a),
                x(":2\r\n", "STRLEN", c),
                x(":0\r\n", "STRLEN", "nope"),
                x(bulk("x"), "GETDEL", b),
                x("$-1\r\n", "GETDEL", b),
                x(":2\r\n", "DEL", a, b, c),
                x("+PONG\r\n", "PING"),
                x(bulk("hi there"), "PING", "hi there"),
                x(bulk("x\r\ny"), "ECHO", "x\r\ny"),
                x("-ERR unknown command 'NOSUCH', with args beginning with: 'arg' \r\n", "NOSUCH", "arg"),
                x("-ERR wrong number of arguments for 'get' command\r\n", "GET"),
                x("-ERR invalid expire time in 'set' command\r\n", "SET", "k", "v", "EX", "0"),
                x("-ERR syntax error\r\n", "SET", "k", "v", "NX", "XX"),
                x(":" + (i + 1) + "\r\n", "DBSIZE"),
                x("*2\r\n" + bulk("0") + "*1\r\n" + bulk("keep" + i), "SCAN", "0", "MATCH", "keep" + i + "*"),
                x("-ERR SCAN's MATCH takes a prefix followed by one '*' (user:*), or '*': kvs scans by prefix only;"
                        + " filter other patterns in the client\r\n", "SCAN", "0", "MATCH", "*:1"),
                x("-ERR DB index is out of range (kvs has one database, 0)\r\n", "SELECT", "1"),
                x("+OK\r\n", "SELECT", "0"));
    }

    /** A command inline, each argument double-quoted with Redis's escapes. */
    private static byte[] inline(List<String> args) {
        StringBuilder b = new StringBuilder();
        for (String a : args) {
            b.append(" \"");
            for (char ch : a.toCharArray()) {
                b.append(ch == '"' || ch == '\\' ? "\\" + ch : ch < 0x20 || ch > 0x7e
                        ? String.format("\\x%02x", (int) ch) : String.valueOf(ch));
            }
            b.append('"');
        }
        return (b.substring(1) + "\r\n").getBytes(ISO_8859_1);
    }

    @Test
    void longPipeline_inRandomPieces_answeredByAModel_repliesAsRedisGivesThem() {
        Random random = new Random(5);
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        StringBuilder expected = new StringBuilder();
        int n = 0;
        for (int i = 0; i < 40; i++) {
            for (Exchange e : round(i)) {
                stream.writeBytes(n++ % 2 == 0 ? RespDecoderTest.multibulk(e.command().toArray(new String[0]))
                        : inline(e.command()));
                expected.append(e.reply());
            }
        }
        byte[] bytes = stream.toByteArray();

        RespReplies replies = new RespReplies();
        ServerConfig config = ServerConfig.of(new HostPort("127.0.0.1", 0), Path.of("unused"));
        EmbeddedChannel ch = new EmbeddedChannel(new RespDecoder(1024, 4096), new RespCommands(replies, config, 0, System::currentTimeMillis));
        Model model = new Model();
        List<Response> responses = new ArrayList<>();
        for (int at = 0; at < bytes.length;) {
            int piece = Math.min(bytes.length - at, 1 + random.nextInt(64));
            ch.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(bytes, at, at + piece)));
            at += piece;
            for (Request r = ch.readInbound(); r != null; r = ch.readInbound()) {
                responses.add(model.answer(r));
            }
        }
        StringBuilder got = new StringBuilder();
        for (int from = 0; from < responses.size();) {
            int to = Math.min(responses.size(), from + 1 + random.nextInt(8));
            for (ByteBuf b : replies.encode(UnpooledByteBufAllocator.DEFAULT, responses.subList(from, to))) {
                got.append(b.toString(ISO_8859_1));
                b.release();
            }
            from = to;
        }
        assertEquals(expected.toString(), got.toString());
        assertFalse(ch.finish());
    }

    /** The store's answers, as {@link StoreCommands} gives them, from a map. */
    private static final class Model {
        private final Map<ByteString, ByteString> data = new HashMap<>();

        Response answer(Request r) {
            Response.Builder out = Response.newBuilder().setId(r.getId());
            switch (r.getCommandCase()) {
                case GET -> valueOrNotFound(out, data.get(r.getGet().getKey()));
                case SET -> {
                    ByteString previous = data.get(r.getSet().getKey());
                    SetCondition condition = r.getSet().getCondition();
                    boolean apply = condition == SetCondition.SET_ALWAYS
                            || condition == SetCondition.SET_IF_ABSENT && previous == null
                            || condition == SetCondition.SET_IF_PRESENT && previous != null;
                    if (apply) {
                        data.put(r.getSet().getKey(), r.getSet().getValue());
                    }
                    if (r.getSet().getReturnPrevious()) {
                        valueOrNotFound(out, previous);
                    } else if (apply) {
                        out.setDone(RespRepliesTest.done().getDone());
                    } else {
                        out.setNotApplied(RespRepliesTest.notApplied().getNotApplied());
                    }
                }
                case RM -> {
                    ByteString previous = data.remove(r.getRm().getKey());
                    if (r.getRm().getReturnPrevious() || previous == null) {
                        valueOrNotFound(out, previous);
                    } else {
                        out.setDone(RespRepliesTest.done().getDone());
                    }
                }
                case SET_MANY -> {
                    for (kvs.proto.Set set : r.getSetMany().getSetsList()) {
                        data.put(set.getKey(), set.getValue());
                    }
                    out.setDone(RespRepliesTest.done().getDone());
                }
                case PING -> out.setDone(RespRepliesTest.done().getDone());
                case STATS -> out.setStats(RespRepliesTest.stats(Map.of("keys", (long) data.size())).getStats());
                case COUNT -> out.setCounted(kvs.proto.Counted.newBuilder().setCount(data.size()));
                case EXISTS -> out.setCounted(kvs.proto.Counted.newBuilder().setCount(
                        r.getExists().getKeysList().stream().filter(data::containsKey).count()));
                case SCAN -> { // one page, the last: every key under the prefix, sorted
                    kvs.proto.ScanPage.Builder page = kvs.proto.ScanPage.newBuilder();
                    data.keySet().stream().filter(k -> k.startsWith(r.getScan().getPrefix()))
                            .map(ByteString::toStringUtf8).sorted().forEach(k -> page.addKeys(ByteString.copyFromUtf8(k)));
                    out.setScanPage(page);
                }
                default -> throw new AssertionError("not sent by the RESP front end: " + r);
            }
            return out.build();
        }

        private static void valueOrNotFound(Response.Builder out, ByteString value) {
            if (value == null) {
                out.setNotFound(RespRepliesTest.notFound().getNotFound());
            } else {
                out.setValue(kvs.proto.Value.newBuilder().setValue(value));
            }
        }
    }
}
