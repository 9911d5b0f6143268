package kvs.server;

import static kvs.server.ServerTest.set;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import kvs.common.HostPort;
import kvs.proto.Count;
import kvs.proto.ErrorCode;
import kvs.proto.Exists;
import kvs.proto.Request;
import kvs.proto.Response;
import kvs.proto.Scan;
import kvs.proto.Stats;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kvs protocol's Scan, Count and Exists (KeyQueries), over a real socket. */
class KeyQueryRequestTest {

    @TempDir
    Path dir;
    KvsServer server;
    RawSocket c;

    @BeforeEach
    void start() throws IOException {
        server = KvsServer.start(ServerConfig.of(new HostPort("127.0.0.1", 0), dir));
        c = new RawSocket(server.localAddress());
    }

    @AfterEach
    void stop() throws IOException {
        c.close();
        server.close();
    }

    private void load(int n, String prefix) throws IOException {
        for (int i = 0; i < n; i++) {
            assertEquals(Response.ResultCase.DONE, c.call(set(i + 1, prefix + i, "v")).getResultCase());
        }
    }

    private static Request scan(long id, ByteString cursor, String prefix, int limit) {
        return Request.newBuilder().setId(id).setScan(Scan.newBuilder().setCursor(cursor)
                .setPrefix(ByteString.copyFromUtf8(prefix)).setLimit(limit)).build();
    }

    static Request exists(long id, String... keys) {
        Exists.Builder e = Exists.newBuilder();
        for (String k : keys) {
            e.addKeys(ByteString.copyFromUtf8(k));
        }
        return Request.newBuilder().setId(id).setExists(e).build();
    }

    /** Every key of a whole scan, page by page (bounded), each page checked against the limit. */
    private List<String> scanAll(String prefix, int limit, int maxPerPage) throws IOException {
        List<String> keys = new ArrayList<>();
        ByteString cursor = ByteString.EMPTY;
        for (int page = 0; page == 0 || !cursor.isEmpty(); page++) {
            assertTrue(page < 10_000, "the scan does not end");
            Response r = c.call(scan(100 + page, cursor, prefix, limit));
            assertEquals(Response.ResultCase.SCAN_PAGE, r.getResultCase(), r.toString());
            assertTrue(r.getScanPage().getKeysCount() <= maxPerPage, "page of " + r.getScanPage().getKeysCount());
            r.getScanPage().getKeysList().forEach(k -> keys.add(k.toStringUtf8()));
            cursor = r.getScanPage().getCursor();
        }
        return keys;
    }

    @Test
    void exchange_inRawBytes_matchesProtocolDoc() throws IOException {
        assertEquals(Response.ResultCase.DONE, c.call(set(1, "a1", "v")).getResultCase());
        // Request{id:2, count{}} -> Response{id:2, counted{count:1}}
        c.send(HexFormat.of().parseHex("04" + "0802" + "5200"));
        assertEquals("06" + "0802" + "4a02" + "0801", HexFormat.of().formatHex(c.in.readNBytes(7)));
        // Request{id:3, exists{keys:["a1", "b"]}} -> Response{id:3, counted{count:1}}
        c.send(HexFormat.of().parseHex("0b" + "0803" + "5a07" + "0a026131" + "0a0162"));
        assertEquals("06" + "0803" + "4a02" + "0801", HexFormat.of().formatHex(c.in.readNBytes(7)));
        // Request{id:4, scan{prefix:"a", limit:2}} -> Response{id:4, scan_page{keys:["a1"]}}: no cursor, done
        c.send(HexFormat.of().parseHex("09" + "0804" + "4a05" + "120161" + "1802"));
        assertEquals("08" + "0804" + "4204" + "0a026131", HexFormat.of().formatHex(c.in.readNBytes(9)));
    }

    @Test
    void scan_inPages_returnsEveryKeyOnce() throws IOException {
        load(250, "a");
        load(50, "b");
        List<String> all = scanAll("", 40, 40);
        assertEquals(300, all.size());
        assertEquals(300, new HashSet<>(all).size());
        Set<String> b = new HashSet<>(scanAll("b", 40, 40));
        assertEquals(50, b.size());
        assertTrue(b.stream().allMatch(k -> k.startsWith("b")), b.toString());
    }

    @Test
    void scan_limitZero_isTheDefault_andALargeLimitIsCapped() throws IOException {
        load(1_200, "k");
        Response r = c.call(scan(1, ByteString.EMPTY, "", 0));
        assertEquals(KeyQueries.DEFAULT_SCAN_LIMIT, r.getScanPage().getKeysCount());
        assertFalse(r.getScanPage().getCursor().isEmpty());
        assertEquals(1_200, scanAll("", Integer.MAX_VALUE, KeyQueries.MAX_SCAN_LIMIT).size());
        assertEquals(1_200, scanAll("", -1, KeyQueries.MAX_SCAN_LIMIT).size(), "limit 2^32 - 1");
    }

    @Test
    void scan_ofAnEmptyStore_isOneEmptyPageWithNoCursor() throws IOException {
        Response r = c.call(scan(1, ByteString.EMPTY, "", 10));
        assertEquals(0, r.getScanPage().getKeysCount());
        assertTrue(r.getScanPage().getCursor().isEmpty());
    }

    @Test
    void scan_withABadCursor_isABadRequest_andTheConnectionStays() throws IOException {
        Response wrongLength = c.call(scan(1, ByteString.copyFromUtf8("xyz"), "", 10));
        assertEquals(ErrorCode.BAD_REQUEST, wrongLength.getError().getCode());
        Response madeUp = c.call(scan(2, ByteString.copyFrom(new byte[] {0, 0, 0, 1, 0, 0, 0, 0}), "", 10));
        assertEquals(ErrorCode.BAD_REQUEST, madeUp.getError().getCode());
        assertTrue(madeUp.getError().getMessage().contains("start the scan again"), madeUp.toString());
        assertEquals(Response.ResultCase.SCAN_PAGE, c.call(scan(3, ByteString.EMPTY, "", 10)).getResultCase());
    }

    @Test
    void count_andExists_countKeys() throws IOException {
        load(20, "k");
        Response count = c.call(Request.newBuilder().setId(1).setCount(Count.getDefaultInstance()).build());
        assertEquals(20, count.getCounted().getCount());
        assertEquals(1, count.getId());
        assertEquals(3, c.call(exists(2, "k1", "k1", "k19", "nope")).getCounted().getCount());
        assertEquals(0, c.call(exists(3, "nope")).getCounted().getCount());
        assertEquals(ErrorCode.BAD_REQUEST, c.call(exists(4)).getError().getCode());
        Response stats = c.call(Request.newBuilder().setId(5).setStats(Stats.getDefaultInstance()).build());
        assertEquals(3, stats.getStats().getValuesOrThrow("requests_exists"));
        assertEquals(1, stats.getStats().getValuesOrThrow("requests_count"));
    }

    @Test
    void exists_checksEachKeyAsAGetDoes() throws IOException {
        load(1, "k");
        String tooLong = "x".repeat(64 * 1024 + 1);
        Response r = c.call(exists(1, "k0", tooLong));
        assertEquals(ErrorCode.TOO_LARGE, r.getError().getCode(), r.toString());
        assertEquals(ErrorCode.BAD_REQUEST, c.call(exists(2, "k0", "")).getError().getCode());
        assertEquals(1, c.call(exists(3, "k0")).getCounted().getCount(), "the connection goes on");
    }

    @Test
    void exists_ofManyKeys_goesToAStoreThread_withTheSameAnswer() throws IOException {
        load(10, "k");
        String[] keys = new String[KeyQueries.INLINE_EXISTS_KEYS + 1];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = "k" + (i % 20); // k0..k9 are there, k10..k19 are not
        }
        assertEquals((keys.length + 1) / 2, c.call(exists(1, keys)).getCounted().getCount());
    }
}
