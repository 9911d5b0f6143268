package kvs.client.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import kvs.server.ServerConfig;
import org.junit.jupiter.api.Test;

/** {@code set --ttl/--expire-at/--keep-ttl}, {@code expire}, {@code ttl}, {@code persist} and {@code batch}. */
class ExpiryCliTest extends CliServerTest {

    /** The server's clock stands still here: times left are exact, and a time before it is past. */
    static final Instant NOW = Instant.parse("2027-01-15T12:00:00Z");

    @Override
    ServerConfig config() {
        ServerConfig c = super.config();
        return c.withStore(c.store().withClock(Clock.fixed(NOW, ZoneOffset.UTC)));
    }

    /** Runs {@code args} and returns what it printed on standard output, checking it exits 0. */
    private String ok(String... args) {
        assertEquals(0, client(args), err());
        return out();
    }

    @Test
    void setWithTtl_ttlPrintsTheTimeLeft_orNoExpiry_orKeyNotFoundAsGet() {
        assertEquals("", ok("set", "s", "v", "--ttl", "10s"));
        assertEquals("10000ms\n", ok("ttl", "s"));
        ok("set", "t", "v", "--ttl", "90");
        assertEquals("90000ms\n", ok("ttl", "t"), "a bare number is seconds");
        ok("set", "u", "v", "--expire-at", "2027-01-15T12:01:00Z");
        assertEquals("60000ms\n", ok("ttl", "u"));
        ok("set", "u", "w", "--keep-ttl");
        assertEquals("60000ms\n", ok("ttl", "u"));
        assertEquals("w\n", ok("get", "u"));
        ok("set", "u", "x");
        assertEquals("no expiry\n", ok("ttl", "u"));
        assertEquals("Key not found\n", ok("ttl", "nope"));
        assertEquals(GetCommand.NOT_FOUND + "\n", ok("get", "nope"), "as get prints it");
        ok("set", "past", "v", "--expire-at", "2027-01-15T11:59:59Z");
        assertEquals("Key not found\n", ok("get", "past"));
        ok("set", "n", "v", "--if-absent", "--ttl", "1m");
        assertEquals("60000ms\n", ok("ttl", "n"));
    }

    @Test
    void expireAndPersist_printNothing_orSayWhyNot_exit1() {
        assertEquals(1, client("expire", "k", "10s"));
        assertEquals("Key not found\n", err());
        ok("set", "k", "v");
        assertEquals(1, client("persist", "k"));
        assertTrue(err().contains("not persisted: k is missing or has no expiry"), err());
        assertEquals("", ok("expire", "k", "2m"));
        assertEquals("120000ms\n", ok("ttl", "k"));
        assertEquals("", ok("expire", "k", "--at", "2027-01-15T13:00:00Z"));
        assertEquals("3600000ms\n", ok("ttl", "k"));
        assertEquals("", ok("persist", "k"));
        assertEquals("no expiry\n", ok("ttl", "k"));
        assertEquals("", ok("expire", "k", "--at", "2027-01-01T00:00:00Z"));
        assertEquals("Key not found\n", ok("get", "k"), "a time past removes it");
    }

    @Test
    void batch_appliesItsOperations_asOne() {
        ok("set", "c", "old");
        assertEquals("", ok("batch", "set", "a", "1", "set", "b", "2", "--ttl", "10s", "rm", "c"));
        assertEquals("1\n", ok("get", "a"));
        assertEquals("10000ms\n", ok("ttl", "b"));
        assertEquals("Key not found\n", ok("get", "c"));
        assertEquals(1, client("batch", "rm", "a", "set", "big", "x".repeat(1024 * 1024 + 1)));
        assertTrue(err().contains("TOO_LARGE"), err());
        assertEquals("1\n", ok("get", "a"), "a refused batch applies nothing");
    }

    @Test
    void batchFile_takesABatchLine_andSaysWhatIsWrongWithABadOne() throws Exception {
        Path file = dir.resolve("commands.txt");
        Files.writeString(file, "set a 1\nbatch set b 2 --ttl 5s rm a\nget b\nget a\n");
        assertEquals(0, client("--batch", file.toString()), err());
        assertEquals("OK\nOK\n2\n(nil)\n", out());
        assertEquals("5000ms\n", ok("ttl", "b"));
        Files.writeString(file, "batch set b 3 del a\n");
        assertEquals(1, client("--batch", file.toString()));
        assertTrue(err().contains("line 1 (batch set b 3 del a): 'del' is not a batch operation"), err());
    }


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
