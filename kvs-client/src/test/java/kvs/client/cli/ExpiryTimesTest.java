package kvs.client.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import kvs.client.KeyTtl;
import org.junit.jupiter.api.Test;

class ExpiryTimesTest {

    @Test
    void parseTtl_unitsAndABareNumberOfSeconds() {
        assertEquals(Duration.ofSeconds(10), ExpiryTimes.parseTtl("10s"));
        assertEquals(Duration.ofSeconds(10), ExpiryTimes.parseTtl("10"), "bare: seconds, as EXPIRE");
        assertEquals(Duration.ofMillis(500), ExpiryTimes.parseTtl("500ms"));
        assertEquals(Duration.ofMinutes(2), ExpiryTimes.parseTtl("2m"));
        assertEquals(Duration.ofHours(1), ExpiryTimes.parseTtl("1h"));
        assertEquals(Duration.ofDays(1), ExpiryTimes.parseTtl("1d"));
        assertEquals(Duration.ofMillis(1), ExpiryTimes.parseTtl("1ms"));
    }

    @Test
    void parseTtl_zeroNegativeGarbageAndUnderAMillisecond_sayTheAcceptedForms() {
        for (String bad : new String[] {"0", "0s", "-5", "-5s", "abc", "", "10x", "1.5s", "500us",
                "99999999999999999999", "9223372036854775807d"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ExpiryTimes.parseTtl(bad), bad);
            assertTrue(e.getMessage().contains("'" + bad + "'") && e.getMessage().contains("500ms, 10s, 2m, 1h, 1d"),
                    e.getMessage());
        }
    }

    @Test
    void parseInstant_iso8601WithAnOffset() {
        assertEquals(Instant.parse("2026-12-31T00:00:00Z"), ExpiryTimes.parseInstant("2026-12-31T00:00:00Z"));
        assertEquals(Instant.parse("2026-12-31T00:00:00Z"), ExpiryTimes.parseInstant("2026-12-31T01:00:00+01:00"));
        for (String bad : new String[] {"2026-12-31", "tomorrow", "1796626885", "1970-01-01T00:00:00Z"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ExpiryTimes.parseInstant(bad), bad);
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
    }

    @Test
    void format_millisecondsWithTheUnit_noExpiry_orNullForMissing() {
        assertEquals("9998ms", ExpiryTimes.format(new KeyTtl.Expiring(Duration.ofMillis(9998))));
        assertEquals(Duration.ofMillis(9998), ExpiryTimes.parseTtl("9998ms"), "read back by --ttl");
        assertEquals("no expiry", ExpiryTimes.format(new KeyTtl.NoExpiry()));
        assertNull(ExpiryTimes.format(new KeyTtl.Missing()));
    }
}
