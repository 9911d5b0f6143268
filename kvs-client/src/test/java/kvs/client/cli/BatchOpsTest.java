package kvs.client.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import kvs.proto.Batch;
import org.junit.jupiter.api.Test;

class BatchOpsTest {

    private static Batch parse(String line) {
        return BatchOps.parse(List.of(line.split(" "))).request().getBatch();
    }

    private static String error(String line) {
        return assertThrows(IllegalArgumentException.class, () -> parse(line), line).getMessage();
    }

    @Test
    void setsAndRemoves_inOrder_withTheirExpiry() {
        Batch b = parse("set a 1 set b 2 --ttl 10s rm c set d 4 --expire-at 2026-12-31T00:00:00Z");
        assertEquals(4, b.getWritesCount());
        assertEquals("a", b.getWrites(0).getSet().getKey().toStringUtf8());
        assertEquals("1", b.getWrites(0).getSet().getValue().toStringUtf8());
        assertEquals(0, b.getWrites(0).getSet().getTtlMs());
        assertEquals(10_000, b.getWrites(1).getSet().getTtlMs());
        assertEquals("c", b.getWrites(2).getRm().getKey().toStringUtf8());
        assertEquals(Instant.parse("2026-12-31T00:00:00Z").toEpochMilli(), b.getWrites(3).getSet().getExpireAtMs());
    }

    @Test
    void aValueMayLookLikeAnOperation_forArityIsFixed() {
        Batch b = parse("set rm set");
        assertEquals("rm", b.getWrites(0).getSet().getKey().toStringUtf8());
        assertEquals("set", b.getWrites(0).getSet().getValue().toStringUtf8());
    }

    @Test
    void errorsNameTheBadWord() {
        assertTrue(error("set a 1 del b").startsWith("'del' is not a batch operation"), error("set a 1 del b"));
        assertTrue(error("set a").contains("'set' at the end"), error("set a"));
        assertTrue(error("set a 1 rm").contains("'rm' at the end"), error("set a 1 rm"));
        assertTrue(error("set a 1 --ttl").contains("'--ttl' at the end"), error("set a 1 --ttl"));
        assertTrue(error("set a 1 --ttl 0").contains("'0'"), error("set a 1 --ttl 0"));
        assertTrue(error("rm a --ttl 10s").contains("goes right after its set's VALUE"), error("rm a --ttl 10s"));
        assertTrue(error("set a 1 --ttl 1s --ttl 2s").startsWith("'--ttl' is not"), "one expiry a set");
    }
}
