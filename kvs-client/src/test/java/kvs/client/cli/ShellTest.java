package kvs.client.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code kvs-client shell}, in-process on JLine's dumb terminal over the test's streams. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ShellTest extends CliServerTest {

    private long connectionsTotal() {
        assertEquals(0, run(new byte[0], "stats", "--addr", addr));
        for (String line : out().split("\n")) {
            if (line.startsWith("connections_total: ")) {
                return Long.parseLong(line.substring("connections_total: ".length()));
            }
        }
        throw new AssertionError("no connections_total in " + out());
    }

    @Test
    void commandsRunOneALine_onOneConnection_untilExit() {
        long before = connectionsTotal();
        String input = """
                set greeting "hello world"
                get greeting
                incr visits
                incr visits 2
                mget greeting visits nope
                rm nope
                set "unterminated
                exit
                get greeting
                """;
        assertEquals(0, run(input.getBytes(UTF_8), "shell", "--addr", addr));
        String out = out();
        assertTrue(out.contains("kvs " + addr + "> "), out);
        assertTrue(out.contains("hello world\n"), out);
        assertTrue(out.contains("3\n"), out);
        assertTrue(out.contains("(nil)\n"), out);
        assertEquals(2, out.split("hello world\n", -1).length - 1,
                "hello world shows for the get and the mget only: the get after exit did not run");
        assertTrue(err().contains("Key not found"), err());
        assertTrue(err().contains("unterminated \" quote"), err());
        assertEquals(before + 2, connectionsTotal(), "the session's one connection (and this stats call's)");
    }

    @Test
    void endOfInput_leavesTheShell_andAShellInAShellIsRefused() {
        assertEquals(0, run("shell\nping\n".getBytes(UTF_8), "shell", "--addr", addr));
        assertTrue(err().contains("already in a shell"), err());
        assertTrue(out().contains("pong from"), out());
    }
}
