package kvs.server;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a review of the RESP listener found: a CONFIG GET pattern that would backtrack for hours,
 * a command growing past its reservation, HELLO in a pipeline, ECHO of any size.
 */
@Timeout(60)
class RespHardeningTest extends RespServerFixture {

    @Test
    void globMatches_asRedisGlobs() {
        assertTrue(RespCommands.globMatches("*", "appendonly"));
        assertTrue(RespCommands.globMatches("append*", "appendfsync"));
        assertTrue(RespCommands.globMatches("?ave", "save"));
        assertTrue(RespCommands.globMatches("*only", "appendonly"));
        assertTrue(RespCommands.globMatches("a*e*y", "appendonly"));
        assertTrue(RespCommands.globMatches("save", "save"));
        assertFalse(RespCommands.globMatches("save?", "save"));
        assertFalse(RespCommands.globMatches("*z", "appendonly"));
        assertFalse(RespCommands.globMatches("", "save"));
        assertTrue(RespCommands.globMatches("", ""));
    }

    /** As a regular expression, 40 stars and a z take hours against one name: here, nothing. */
    @Test
    @Timeout(10)
    void configGet_ofAPathologicalPattern_answersAtOnce() throws IOException {
        start(config());
        try (RespSocket c = resp()) {
            assertEquals("*0\r\n", c.call("CONFIG", "GET", "*".repeat(40) + "z"));
            assertEquals("*2\r\n$4\r\nsave\r\n$0\r\n\r\n", c.call("CONFIG", "GET", "s*e"));
        }
    }

    @Test
    void hello_inAPipeline_keepsTheVersionTheOneBeforeAskedFor() throws IOException {
        start(config());
        try (RespSocket c = resp()) {
            c.send("HELLO 3\r\nHELLO\r\nGET missing\r\n");
            assertTrue(c.reply().startsWith("%7\r\n"), "HELLO 3's own reply is a RESP3 map");
            String second = c.reply();
            assertTrue(second.startsWith("%7\r\n") && second.contains("$5\r\nproto\r\n:3\r\n"), second);
            assertEquals("_\r\n", c.reply(), "still RESP3: null is _");
        }
    }

    @Test
    void echo_andPing_ofMoreThan64KiB_areRefused_smallerAnswered() throws IOException {
        start(config());
        try (RespSocket c = resp()) {
            String ok = "x".repeat(RespCommands.MAX_ECHO_BYTES);
            assertEquals("$" + ok.length() + "\r\n" + ok + "\r\n", c.call("ECHO", ok));
            assertEquals("-ERR ECHO message of 65537 bytes is over kvs's limit of 65536 bytes\r\n",
                    c.call("ECHO", ok + "x"));
            assertEquals("-ERR PING message of 65537 bytes is over kvs's limit of 65536 bytes\r\n",
                    c.call("PING", ok + "x"));
        }
    }

    /**
     * An MSET whose second large value arrives after the first: its arguments so far stay
     * reserved and the growth is added; when the growth does not fit beside what others hold,
     * the command is refused rather than left waiting with part of the budget (connections
     * doing that could wait for each other forever).
     */
    @Test
    void aCommandGrowingArgumentByArgument_keepsWhatItHolds_andIsRefusedWhenTheRestDoesNotFit() {
        int o = RespDecoder.ARG_OVERHEAD_BYTES;
        MemoryBudget budget = new MemoryBudget("test", 3_000_000);
        RespDecoder decoder = new RespDecoder(2_000_000, 10_000_000);
        EmbeddedChannel ch = new EmbeddedChannel(new PendingFrameGuard(budget, decoder::pendingFrameBytes,
                decoder::commandNumber), decoder);
        ch.writeInbound(Unpooled.wrappedBuffer("*5\r\n$4\r\nMSET\r\n$1\r\na\r\n$1000000\r\n".getBytes(ISO_8859_1)));
        long first = 4 + o + 1 + o + 1_000_000 + 2 + o;
        assertEquals(first, budget.used());
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[1_000_000]),
                Unpooled.wrappedBuffer("\r\n$1\r\nb\r\n$1000000\r\n".getBytes(ISO_8859_1)));
        long second = 4 + o + 1 + o + 1_000_000 + o + 1 + o + 1_000_000 + 2 + o;
        assertEquals(second, budget.used(), "the first value stays reserved, the second is added");
        ch.finishAndReleaseAll();
        assertEquals(0, budget.used());

        MemoryBudget tight = new MemoryBudget("test", 3_000_000);
        assertTrue(tight.tryReserve(1_500_000), "another connection's request holds half");
        RespDecoder decoder2 = new RespDecoder(2_000_000, 10_000_000);
        EmbeddedChannel ch2 = new EmbeddedChannel(new PendingFrameGuard(tight, decoder2::pendingFrameBytes,
                decoder2::commandNumber), decoder2);
        ch2.writeInbound(Unpooled.wrappedBuffer("*5\r\n$4\r\nMSET\r\n$1\r\na\r\n$1000000\r\n".getBytes(ISO_8859_1)));
        assertEquals(1_500_000 + first, tight.used());
        FrameOverBudgetException e = assertThrows(FrameOverBudgetException.class, () -> ch2.writeInbound(
                Unpooled.wrappedBuffer(new byte[1_000_000]),
                Unpooled.wrappedBuffer("\r\n$1\r\nb\r\n$1000000\r\n".getBytes(ISO_8859_1))));
        assertTrue(e.getMessage().contains("grew to " + second + " bytes"), e.getMessage());
        ch2.finishAndReleaseAll();
        assertEquals(1_500_000, tight.used(), "the refused command's reservation given back");
    }
}
