package kvs.client;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import kvs.proto.BatchWrite;
import kvs.proto.Request;
import kvs.proto.Set;
import org.junit.jupiter.api.Test;

/** Expiry, KeyTtl and WriteBatch: what they put in requests, and what they refuse before sending. */
class ExpiryTest {

    private static Set applied(Expiry e) {
        return e.applyTo(Set.newBuilder()).build();
    }

    @Test
    void after_writesWholeMilliseconds_andRefusesUnderOne() {
        assertEquals(10_000, applied(Expiry.after(Duration.ofSeconds(10))).getTtlMs());
        assertEquals(1, applied(Expiry.after(Duration.ofNanos(1_999_999))).getTtlMs(), "truncated to whole ms");
        assertThrows(IllegalArgumentException.class, () -> Expiry.after(Duration.ZERO), "0 would mean none");
        assertThrows(IllegalArgumentException.class, () -> Expiry.after(Duration.ofNanos(999_999)));
        assertThrows(IllegalArgumentException.class, () -> Expiry.after(Duration.ofSeconds(-1)));
        assertThrows(IllegalArgumentException.class, () -> Expiry.after(Duration.ofSeconds(Long.MAX_VALUE)));
    }

    @Test
    void at_writesEpochMilliseconds_andRefusesTheEpochAndBefore() {
        Set s = applied(Expiry.at(Instant.parse("2026-12-31T00:00:00Z")));
        assertEquals(Instant.parse("2026-12-31T00:00:00Z").toEpochMilli(), s.getExpireAtMs());
        assertEquals(0, s.getTtlMs());
        assertEquals(1, applied(Expiry.at(Instant.ofEpochMilli(1))).getExpireAtMs());
        assertThrows(IllegalArgumentException.class, () -> Expiry.at(Instant.EPOCH));
        assertThrows(IllegalArgumentException.class, () -> Expiry.at(Instant.parse("1960-01-01T00:00:00Z")));
        assertThrows(IllegalArgumentException.class, () -> Expiry.at(Instant.MAX));
    }

    @Test
    void noneAndKeep_setNoTimes_keepSetsKeepTtl() {
        assertEquals(Set.getDefaultInstance(), applied(Expiry.NONE));
        Set keep = applied(Expiry.KEEP);
        assertTrue(keep.getKeepTtl());
        assertEquals(0, keep.getTtlMs() + keep.getExpireAtMs());
    }

    @Test
    void keyTtl_ofMillis_threeCases_andRefusesOtherNegatives() {
        assertEquals(new KeyTtl.Missing(), KeyTtl.ofMillis(-2));
        assertEquals(new KeyTtl.NoExpiry(), KeyTtl.ofMillis(-1));
        assertEquals(new KeyTtl.Expiring(Duration.ZERO), KeyTtl.ofMillis(0));
        assertEquals(new KeyTtl.Expiring(Duration.ofMillis(9998)), KeyTtl.ofMillis(9998));
        assertThrows(IllegalArgumentException.class, () -> KeyTtl.ofMillis(-3));
    }

    @Test
    void writeBatch_request_holdsTheWritesInOrder() {
        Request r = Requests.batch().set(b("a"), b("1")).set(b("b"), b("2"), Duration.ofSeconds(10))
                .remove(b("c")).request().build();
        assertEquals(3, r.getBatch().getWritesCount());
        assertEquals("a", r.getBatch().getWrites(0).getSet().getKey().toStringUtf8());
        assertEquals(0, r.getBatch().getWrites(0).getSet().getTtlMs());
        assertEquals(10_000, r.getBatch().getWrites(1).getSet().getTtlMs());
        assertEquals(BatchWrite.OpCase.RM, r.getBatch().getWrites(2).getOpCase());
        assertEquals("c", r.getBatch().getWrites(2).getRm().getKey().toStringUtf8());
    }

    @Test
    void writeBatch_refusesKeepTtl_anEmptyRequest_andApplyWithoutAClient() {
        WriteBatch batch = Requests.batch();
        assertThrows(IllegalArgumentException.class, () -> batch.set(b("a"), b("1"), Expiry.KEEP));
        assertThrows(IllegalStateException.class, batch::request);
        batch.remove(b("a"));
        assertThrows(IllegalStateException.class, batch::apply);
    }

    private static byte[] b(String s) {
        return s.getBytes(UTF_8);
    }
}
