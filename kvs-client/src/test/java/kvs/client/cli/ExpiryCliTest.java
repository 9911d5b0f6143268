package kvs.client.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code set --ttl/--expire-at/--keep-ttl}, {@code expire}, {@code ttl}, {@code persist} and {@code batch}. */
class ExpiryCliTest extends CliServerTest {


    @Test
    void setExpiryOptions_areExclusive_andBadTimesAreUsageErrors_sayingTheForms() {
        assertEquals(2, client("set", "a", "1", "--ttl", "10s", "--keep-ttl"));
        assertTrue(err().contains("mutually exclusive"), err());
        assertEquals(2, client("set", "a", "1", "--ttl", "0"));
        assertTrue(err().contains("invalid time to live '0'") && err().contains("500ms, 10s, 2m, 1h, 1d"), err());
        assertEquals(2, client("set", "a", "1", "--expire-at", "tomorrow"));
        assertTrue(err().contains("ISO-8601"), err());
        assertEquals(2, client("expire", "a"));
        assertTrue(err().contains("give either DURATION or --at TIME"), err());
        assertEquals(2, client("expire", "a", "10", "--at", "2026-12-31T00:00:00Z"));
        assertEquals(2, client("expire", "a", "-1"));
    }

    @Test
    void batch_usageErrorsNameTheBadWord_andSendNothing() {
        assertEquals(2, client("batch"));
        assertEquals(2, client("batch", "set", "a", "1", "del", "b"));
        assertTrue(err().contains("'del' is not a batch operation"), err());
        assertEquals(2, client("batch", "set", "a"));
        assertTrue(err().contains("'set' at the end"), err());
        assertEquals(2, client("batch", "set", "a", "1", "--ttl", "soon"));
        assertTrue(err().contains("'soon'"), err());
    }

    @Test
    void help_saysWhatEachDoes_withAnExample() {
        for (String command : List.of("expire", "ttl", "persist", "batch", "set")) {
            assertEquals(0, run(new byte[0], command, "--help"), command);
            assertTrue(out().contains("E.g. kvs-client " + command), command + ": " + out());
        }
    }
}
