package kvs.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HexFormat;
import kvs.common.Frames;
import kvs.common.HostPort;
import kvs.proto.ErrorCode;
import kvs.proto.Get;
import kvs.proto.Request;
import kvs.proto.Response;
import kvs.proto.Rm;
import kvs.proto.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server over a real socket on an ephemeral port, in raw bytes where the format matters. */
class ServerTest {

    @TempDir
    Path dir;
    KvsServer server;

    @BeforeEach
    void start() throws IOException {
        server = KvsServer.start(ServerConfig.of(new HostPort("127.0.0.1", 0), dir)
                .withMaxValueBytes(1024));
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
    }

    private RawSocket connect() throws IOException {
        return new RawSocket(server.localAddress());
    }

    @Test
    void exchange_inRawBytes_matchesProtocolDoc() throws IOException {
        try (RawSocket c = connect()) {
            // Request{id:1, set{key:"a", value:"1"}}
            c.send(HexFormat.of().parseHex("0a" + "0801" + "1206" + "0a0161" + "120131"));
            assertEquals("04" + "0801" + "1200", HexFormat.of().formatHex(c.in.readNBytes(5)));
            // Request{id:2, get{key:"a"}} -> Response{id:2, value{value:"1"}}
            c.send(HexFormat.of().parseHex("07" + "0802" + "1a03" + "0a0161"));
            assertEquals("07" + "0802" + "1a03" + "0a0131", HexFormat.of().formatHex(c.in.readNBytes(8)));
            // Request{id:3, get{key:"b"}} -> Response{id:3, not_found{}}
            c.send(HexFormat.of().parseHex("07" + "0803" + "1a03" + "0a0162"));
            assertEquals("04" + "0803" + "2200", HexFormat.of().formatHex(c.in.readNBytes(5)));
        }
    }

    @Test
    void setGetRm_overOneConnection() throws IOException {
        try (RawSocket c = connect()) {
            assertEquals(Response.ResultCase.DONE, c.call(set(1, "k", "v")).getResultCase());
            Response got = c.call(get(2, "k"));
            assertEquals(2, got.getId());
            assertEquals(ByteString.copyFromUtf8("v"), got.getValue().getValue());
            assertEquals(Response.ResultCase.DONE, c.call(rm(3, "k")).getResultCase());
            assertEquals(Response.ResultCase.NOT_FOUND, c.call(rm(4, "k")).getResultCase());
            assertEquals(Response.ResultCase.NOT_FOUND, c.call(get(5, "k")).getResultCase());
        }
    }

    @Test
    void pipelined_requests_answeredInOrderWithTheirIds() throws IOException {
        int n = 500;
        try (RawSocket c = connect()) {
            java.io.ByteArrayOutputStream burst = new java.io.ByteArrayOutputStream();
            for (int i = 1; i <= n; i++) {
                burst.write(Frames.encode(i % 2 == 1 ? set(i, "k" + i, "v" + i) : get(i, "k" + (i - 1))));
            }
            c.send(burst.toByteArray());
            for (int i = 1; i <= n; i++) {
                Response r = c.read();
                assertEquals(i, r.getId());
                if (i % 2 == 0) {
                    assertEquals("v" + (i - 1), r.getValue().getValue().toStringUtf8());
                }
            }
        }
    }

    @Test
    void compact_answersDoneWhenFinished() throws IOException {
        try (RawSocket c = connect()) {
            c.call(set(1, "k", "v1"));
            c.call(set(2, "k", "v2"));
            Response r = c.call(Request.newBuilder().setId(3)
                    .setCompact(kvs.proto.Compact.getDefaultInstance()).build());
            assertEquals(Response.ResultCase.DONE, r.getResultCase());
            assertEquals(3, r.getId());
            assertEquals(1, server.store().stats().compactions());
            assertEquals("v2", c.call(get(4, "k")).getValue().getValue().toStringUtf8());
        }
    }

    @Test
    void noCommand_badRequest_connectionStaysOpen() throws IOException {
        try (RawSocket c = connect()) {
            Response r = c.call(Request.newBuilder().setId(7).build());
            assertError(r, 7, ErrorCode.BAD_REQUEST, "no command");
            assertEquals(Response.ResultCase.DONE, c.call(set(8, "k", "v")).getResultCase());
        }
    }

    @Test
    void emptyKey_badRequest_connectionStaysOpen() throws IOException {
        try (RawSocket c = connect()) {
            assertError(c.call(get(1, "")), 1, ErrorCode.BAD_REQUEST, "empty key");
            assertError(c.call(set(2, "", "v")), 2, ErrorCode.BAD_REQUEST, "empty key");
            assertError(c.call(rm(3, "")), 3, ErrorCode.BAD_REQUEST, "empty key");
            assertEquals(Response.ResultCase.NOT_FOUND, c.call(get(4, "k")).getResultCase());
        }
    }

    @Test
    void valueOverLimit_tooLarge_namingTheLimit_connectionStaysOpen() throws IOException {
        try (RawSocket c = connect()) {
            Response r = c.call(Request.newBuilder().setId(1).setSet(Set.newBuilder()
                    .setKey(ByteString.copyFromUtf8("k")).setValue(ByteString.copyFrom(new byte[1025])))
                    .build());
            assertError(r, 1, ErrorCode.TOO_LARGE, "limit of 1024 bytes");
            assertEquals(Response.ResultCase.NOT_FOUND, c.call(get(2, "k")).getResultCase());
        }
    }

    @Test
    void frameOverLimit_refusedFromPrefix_thenClosed() throws IOException {
        try (RawSocket c = connect()) {
            // A prefix announcing 1 GiB, and nothing more: the server must not wait for it.
            c.send(new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x04});
            assertError(c.read(), 0, ErrorCode.TOO_LARGE, "over the limit");
            assertNull(c.read());
        }
        assertStillServes();
    }

    @Test
    void garbage_badRequest_thenClosed_othersUnaffected() throws IOException {
        try (RawSocket other = connect(); RawSocket c = connect()) {
            other.call(set(1, "k", "v"));
            c.send(new byte[] {5, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF});
            assertError(c.read(), 0, ErrorCode.BAD_REQUEST, "malformed");
            assertNull(c.read());
            assertEquals("v", other.call(get(2, "k")).getValue().getValue().toStringUtf8());
        }
    }

    @Test
    void clientClosingMidFrame_leavesServerServing() throws IOException {
        try (RawSocket c = connect()) {
            c.send(new byte[] {20, 8, 1});
        }
        assertStillServes();
    }

    @Test
    void close_thenRestart_dataPersists() throws IOException {
        try (RawSocket c = connect()) {
            c.call(set(1, "persist", "yes"));
        }
        server.close();
        server = KvsServer.start(ServerConfig.of(new HostPort("127.0.0.1", 0), dir));
        try (RawSocket c = connect()) {
            assertEquals("yes", c.call(get(1, "persist")).getValue().getValue().toStringUtf8());
        }
    }

    @Test
    void close_answersRequestsAlreadySent() throws Exception {
        int n = 2000;
        try (RawSocket c = connect()) {
            java.io.ByteArrayOutputStream burst = new java.io.ByteArrayOutputStream();
            for (int i = 1; i <= n; i++) {
                burst.write(Frames.encode(set(i, "k" + i, "v")));
            }
            c.send(burst.toByteArray());
            // The first response proves the burst reached the server before shutdown began.
            assertEquals(1, c.read().getId());
            server.close();
            int answered = 1;
            for (Response r = c.read(); r != null; r = c.read()) {
                answered++;
                assertEquals(answered, r.getId());
                assertEquals(Response.ResultCase.DONE, r.getResultCase(), r.toString());
            }
            assertTrue(answered > 1, "answered " + answered);
        }
        server = KvsServer.start(ServerConfig.of(new HostPort("127.0.0.1", 0), dir));
        try (RawSocket c = connect()) {
            assertEquals(Response.ResultCase.VALUE, c.call(get(1, "k1")).getResultCase());
        }
    }

    private void assertStillServes() throws IOException {
        try (RawSocket c = connect()) {
            assertEquals(Response.ResultCase.DONE, c.call(set(99, "alive", "1")).getResultCase());
        }
    }

    private static void assertError(Response r, long id, ErrorCode code, String messagePart) {
        assertEquals(Response.ResultCase.ERROR, r.getResultCase(), r.toString());
        assertEquals(id, r.getId());
        assertEquals(code, r.getError().getCode());
        assertTrue(r.getError().getMessage().contains(messagePart), r.getError().getMessage());
    }

    static Request set(long id, String key, String value) {
        return Request.newBuilder().setId(id).setSet(Set.newBuilder()
                .setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8(value))).build();
    }

    static Request get(long id, String key) {
        return Request.newBuilder().setId(id).setGet(Get.newBuilder()
                .setKey(ByteString.copyFromUtf8(key))).build();
    }

    static Request rm(long id, String key) {
        return Request.newBuilder().setId(id).setRm(Rm.newBuilder()
                .setKey(ByteString.copyFromUtf8(key))).build();
    }
}
