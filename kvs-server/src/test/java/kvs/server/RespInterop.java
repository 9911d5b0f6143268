package kvs.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;
import kvs.common.HostPort;
import kvs.proto.Get;
import kvs.proto.Request;
import kvs.proto.Response;
import kvs.proto.Set;

/** What the RESP interoperability tests (Jedis, Lettuce) share: the server, binary keys, INFO's grammar. */
final class RespInterop {

    private RespInterop() {
    }

    /** A server on ephemeral ports, the kvs protocol's and RESP's, with its data in {@code dir}. */
    static KvsServer start(Path dir) throws IOException {
        return KvsServer.start(ServerConfig.of(new HostPort("127.0.0.1", 0), dir)
                .withRespAddress(new HostPort("127.0.0.1", 0)));
    }

    /**
     * Keys that a text-minded codec would mangle: NUL, bytes that are not UTF-8, CR LF and a
     * RESP header inside a key, every byte value once.
     */
    static List<byte[]> binaryKeys() {
        List<byte[]> keys = new ArrayList<>();
        keys.add(new byte[] {0});
        keys.add(new byte[] {'a', 0, 'b'});
        keys.add(new byte[] {(byte) 0xff, (byte) 0xfe});
        keys.add(new byte[] {(byte) 0xc3, 0x28}); // a UTF-8 lead byte without its continuation
        keys.add(new byte[] {(byte) 0x80});
        keys.add(new byte[] {'\r', '\n'});
        keys.add("k\r\n$3\r\nbad\r\n".getBytes(StandardCharsets.US_ASCII));
        byte[] all = new byte[256];
        for (int i = 0; i < all.length; i++) {
            all[i] = (byte) i;
        }
        keys.add(all);
        return keys;
    }

    /** A value for {@code binaryKeys().get(i)}: the key reversed with a NUL and 0xff about it, and one large one. */
    static byte[] binaryValue(int i, byte[] key) {
        if (i == 0) {
            byte[] large = new byte[100_000];
            new Random(42).nextBytes(large);
            return large;
        }
        byte[] v = new byte[key.length + 2];
        v[0] = 0;
        for (int j = 0; j < key.length; j++) {
            v[1 + j] = key[key.length - 1 - j];
        }
        v[v.length - 1] = (byte) 0xff;
        return v;
    }

    /** The value of {@code key} through the kvs protocol, or null if it is not there. */
    static byte[] kvsGet(RawSocket kvs, byte[] key) throws IOException {
        Response r = kvs.call(Request.newBuilder().setId(1).setGet(Get.newBuilder()
                .setKey(ByteString.copyFrom(key))).build());
        return switch (r.getResultCase()) {
            case VALUE -> r.getValue().getValue().toByteArray();
            case NOT_FOUND -> null;
            default -> throw new AssertionError("kvs get answered " + r);
        };
    }

    /** Sets {@code key} through the kvs protocol. */
    static void kvsSet(RawSocket kvs, byte[] key, byte[] value) throws IOException {
        Response r = kvs.call(Request.newBuilder().setId(1).setSet(Set.newBuilder()
                .setKey(ByteString.copyFrom(key)).setValue(ByteString.copyFrom(value))).build());
        assertEquals(Response.ResultCase.DONE, r.getResultCase(), r::toString);
    }

    private static final Pattern FIELD = Pattern.compile("[a-z_0-9]+:[^\r\n]*");

    /**
     * INFO's text, parsed as redis-cli and the client libraries read it: {@code # Name} opens a
     * section, {@code name:value} lines follow, an empty line parts sections, every line ends in
     * CRLF. Fails on any other line.
     *
     * @return section (lower case) -> field -> value, in the order given
     */
    static Map<String, Map<String, String>> parseInfo(String info) {
        assertTrue(info.endsWith("\r\n"), () -> "INFO's text ends in CRLF: " + info);
        Map<String, Map<String, String>> sections = new LinkedHashMap<>();
        Map<String, String> current = null;
        for (String line : info.substring(0, info.length() - 2).split("\r\n", -1)) {
            if (line.startsWith("# ")) {
                current = new LinkedHashMap<>();
                sections.put(line.substring(2).toLowerCase(java.util.Locale.ROOT), current);
            } else if (line.isEmpty()) {
                current = null; // between sections
            } else if (current != null && FIELD.matcher(line).matches()) {
                int colon = line.indexOf(':');
                current.put(line.substring(0, colon), line.substring(colon + 1));
            } else {
                fail("not a line of INFO's grammar: '" + line + "' in\n" + info);
            }
        }
        return sections;
    }

    /**
     * In the threaded tests (op i of thread t works on key i / 4 % 25, and ops i % 4 of 0 and 1
     * are sets of "t" + t + "-" + i): the value key k of thread t holds after {@code ops} ops.
     */
    static String lastSetValue(int thread, int key, int ops) {
        int last = -1;
        for (int i = 0; i < ops; i++) {
            if (i / 4 % 25 == key && i % 4 < 2) {
                last = i;
            }
        }
        return "t" + thread + "-" + last;
    }
}
