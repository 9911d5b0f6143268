package kvs.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@link DecimalInteger}: Redis's {@code string2ll}, case by case. */
class DecimalIntegerTest {

    private static long parse(String s) {
        return DecimalInteger.parse(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void parse_acceptsWhatRedisAccepts() {
        assertEquals(0, parse("0"));
        assertEquals(7, parse("7"));
        assertEquals(-7, parse("-7"));
        assertEquals(1234567890, parse("1234567890"));
        assertEquals(Long.MAX_VALUE, parse("9223372036854775807"));
        assertEquals(Long.MIN_VALUE, parse("-9223372036854775808"));
    }

    @Test
    void parse_refusesWhatRedisRefuses() {
        for (String s : new String[] {"", "-", "+1", " 1", "1 ", "01", "00", "-0", "-01", "1.5", "1e3",
            "abc", "12a", "0x10", "9223372036854775808", "-9223372036854775809", "99999999999999999999",
            "123456789012345678901", "\u00001"}) {
            NotAnIntegerException e = assertThrows(NotAnIntegerException.class, () -> parse(s), "'" + s + "'");
            assertEquals("value is not an integer or out of range", e.getMessage());
            assertFalse(e.isOverflow());
        }
    }

    @Test
    void format_isWhatParseReads() {
        for (long v : new long[] {0, 1, -1, 42, Long.MAX_VALUE, Long.MIN_VALUE}) {
            assertArrayEquals(Long.toString(v).getBytes(StandardCharsets.US_ASCII), DecimalInteger.format(v));
            assertEquals(v, DecimalInteger.parse(DecimalInteger.format(v)));
        }
    }
}
