package kvs.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UnitsTest {

    @Test
    void parseSize_bytesAndBinaryUnits() {
        assertEquals(65536, Units.parseSize("65536"));
        assertEquals(65536, Units.parseSize("64KiB"));
        assertEquals(128L << 20, Units.parseSize("128MiB"));
        assertEquals(1L << 30, Units.parseSize("1GiB"));
        assertEquals(1L << 30, Units.parseSize("1g"));
        assertEquals(10, Units.parseSize("10B"));
        assertEquals(2L << 40, Units.parseSize("2TiB"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "KiB", "-1", "1.5MiB", "12 parsecs", "1XB", "99999999999999999999",
        "9999999999TiB"})
    void parseSize_malformed_showsExamples(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Units.parseSize(text));
        assertTrue(e.getMessage().startsWith("invalid"), e.getMessage());
    }

    @Test
    void parseDuration_units() {
        assertEquals(Duration.ofMillis(500), Units.parseDuration("500ms"));
        assertEquals(Duration.ofSeconds(2), Units.parseDuration("2s"));
        assertEquals(Duration.ofMinutes(5), Units.parseDuration("5m"));
        assertEquals(Duration.ofHours(1), Units.parseDuration("1h"));
        assertEquals(Duration.ofNanos(250_000), Units.parseDuration("250us"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "5", "s", "1.5s", "5 fortnights", "-1s"})
    void parseDuration_malformedOrWithoutUnit_showsExamples(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Units.parseDuration(text));
        assertTrue(e.getMessage().contains("e.g. 500ms"), e.getMessage());
    }

    @Test
    void formatSize_exactUnits() {
        assertEquals("64MiB", Units.formatSize(64L << 20));
        assertEquals("1000 bytes", Units.formatSize(1000));
        assertEquals("3KiB", Units.formatSize(3072));
    }

    @Test
    void count_pluralUnlessOne() {
        assertEquals("0 keys", Units.count(0, "key"));
        assertEquals("1 key", Units.count(1, "key"));
        assertEquals("2 keys", Units.count(2, "key"));
        assertEquals("1 data file", Units.count(1, "data file"));
    }
}
