package kvs.server;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link RespDecoder} on {@link EmbeddedChannel}: commands whole, split anywhere, byte by byte
 * and thousands in one buffer; Redis's inline quoting; malformed input failing with Redis's
 * message, after which nothing is decoded; and declared sizes that are checked, and never
 * allocated, before their bytes arrive.
 */
class RespDecoderTest {

    private static final int MAX_ARG = 1000;
    private static final long MAX_COMMAND = 1500;

    private static EmbeddedChannel channel() {
        return new EmbeddedChannel(new RespDecoder(MAX_ARG, MAX_COMMAND));
    }

    private static RespDecoder decoder(EmbeddedChannel ch) {
        return ch.pipeline().get(RespDecoder.class);
    }

    static byte[] ascii(String s) {
        return s.getBytes(ISO_8859_1);
    }

    /** A command as a RESP multibulk, each argument's chars taken as bytes. */
    static byte[] multibulk(String... args) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(ascii("*" + args.length + "\r\n"));
        for (String a : args) {
            b.writeBytes(ascii("$" + a.length() + "\r\n" + a + "\r\n"));
        }
        return b.toByteArray();
    }

    private static void send(EmbeddedChannel ch, byte[] bytes) {
        ch.writeInbound(Unpooled.wrappedBuffer(bytes));
    }

    /** The commands decoded so far, each argument's bytes as chars (ISO-8859-1: one to one). */
    private static List<List<String>> commands(EmbeddedChannel ch) {
        List<List<String>> out = new ArrayList<>();
        for (byte[][] c = ch.readInbound(); c != null; c = ch.readInbound()) {
            List<String> args = new ArrayList<>();
            for (byte[] a : c) {
                args.add(new String(a, ISO_8859_1));
            }
            out.add(args);
        }
        return out;
    }

    /** Every shape at once: binary arguments, empty ones, inline lines, empty commands. */
    private static final byte[] MIXED = concat(
            multibulk("SET", "k", "a\r\nb\0\u00ff"),
            ascii("GET k\r\n"),
            ascii("PING\n"),
            ascii("\r\n"),
            ascii("*0\r\n*-1\r\n"),
            ascii("set \"a b\" 'c d' \"\\x00\\xFFz\"\r\n"),
            multibulk("ECHO", ""),
            multibulk("DEL", "k1", "k2", "k3"));

    private static final List<List<String>> MIXED_COMMANDS = List.of(
            List.of("SET", "k", "a\r\nb\0\u00ff"),
            List.of("GET", "k"),
            List.of("PING"),
            List.of("set", "a b", "c d", "\0\u00ffz"),
            List.of("ECHO", ""),
            List.of("DEL", "k1", "k2", "k3"));

    @Test
    void mixedCommands_wholeInOneBuffer() {
        EmbeddedChannel ch = channel();
        send(ch, MIXED);
        assertEquals(MIXED_COMMANDS, commands(ch));
        assertEquals(0, decoder(ch).pendingFrameBytes());
        assertFalse(ch.finish());
    }

    @Test
    void mixedCommands_byteByByte() {
        EmbeddedChannel ch = channel();
        List<List<String>> got = new ArrayList<>();
        long mostPending = 0;
        for (byte b : MIXED) {
            send(ch, new byte[] {b});
            got.addAll(commands(ch));
            mostPending = Math.max(mostPending, decoder(ch).pendingFrameBytes());
        }
        assertEquals(MIXED_COMMANDS, got);
        assertEquals(3 + 2 + 2 + 2 + 2 + 4 * RespDecoder.ARG_OVERHEAD_BYTES, mostPending,
                "DEL k1 k2 k3, its last argument whole with its CRLF, and what each argument costs beyond"
                        + " its bytes (more than SET k and its 6-byte value, with one argument fewer)");
        assertEquals(0, decoder(ch).pendingFrameBytes());
        assertFalse(ch.finish());
    }

    @Test
    void mixedCommands_splitInTwoAtEveryPosition() {
        for (int at = 1; at < MIXED.length; at++) {
            EmbeddedChannel ch = channel();
            send(ch, Arrays.copyOfRange(MIXED, 0, at));
            send(ch, Arrays.copyOfRange(MIXED, at, MIXED.length));
            assertEquals(MIXED_COMMANDS, commands(ch), "split at " + at);
            assertFalse(ch.finish());
        }
    }

    @Test
    void fiveThousandPipelinedCommands_inOneBuffer_andInRandomChunks() {
        Random random = new Random(12);
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        List<List<String>> expected = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            switch (i % 3) {
                case 0 -> {
                    byte[] v = new byte[random.nextInt(300)];
                    random.nextBytes(v);
                    String value = new String(v, ISO_8859_1);
                    stream.writeBytes(multibulk("SET", "key" + i, value));
                    expected.add(List.of("SET", "key" + i, value));
                }
                case 1 -> {
                    stream.writeBytes(ascii("GET key" + (i - 1) + "\r\n"));
                    expected.add(List.of("GET", "key" + (i - 1)));
                }
                default -> {
                    stream.writeBytes(multibulk("DEL", "a" + i, "b" + i, "c" + i));
                    expected.add(List.of("DEL", "a" + i, "b" + i, "c" + i));
                }
            }
        }
        byte[] bytes = stream.toByteArray();

        EmbeddedChannel whole = channel();
        send(whole, bytes);
        assertEquals(expected, commands(whole));
        assertFalse(whole.finish());

        EmbeddedChannel chunked = channel();
        List<List<String>> got = new ArrayList<>();
        for (int at = 0; at < bytes.length;) {
            int n = Math.min(bytes.length - at, 1 + random.nextInt(4096));
            send(chunked, Arrays.copyOfRange(bytes, at, at + n));
            got.addAll(commands(chunked));
            at += n;
        }
        assertEquals(expected, got);
        assertFalse(chunked.finish());
    }

    /** A value of 3 MiB in 8 KiB reads, as a socket gives it: gathered, then copied once, intact. */
    @Test
    void largeArgument_acrossManyReads_arrivesIntact() {
        byte[] value = new byte[3 * 1024 * 1024];
        new Random(3).nextBytes(value);
        EmbeddedChannel ch = new EmbeddedChannel(new RespDecoder(4 * 1024 * 1024, 5L * 1024 * 1024));
        byte[] bytes = concat(ascii("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$" + value.length + "\r\n"), value,
                ascii("\r\nPING\r\n"));
        for (int at = 0; at < bytes.length; at += 8192) {
            send(ch, Arrays.copyOfRange(bytes, at, Math.min(bytes.length, at + 8192)));
            if (at + 8192 < bytes.length) {
                assertNull(ch.readInbound(), "at " + at);
                assertEquals(3 + 1 + value.length + 2 + 3 * RespDecoder.ARG_OVERHEAD_BYTES, decoder(ch).pendingFrameBytes(), "at " + at);
            }
        }
        byte[][] set = ch.readInbound();
        assertEquals(3, set.length);
        assertTrue(Arrays.equals(value, set[2]), "the value's bytes");
        assertEquals(List.of(List.of("PING")), commands(ch));
        assertEquals(0, decoder(ch).pendingFrameBytes());
        assertFalse(ch.finish());
    }

    @Test
    void emptyCommands_skipped() {
        EmbeddedChannel ch = channel();
        send(ch, ascii("*0\r\n*-1\r\n*-7\r\n\r\n \t \r\n\n*1\r\n$4\r\nPING\r\n*0\r\n"));
        assertEquals(List.of(List.of("PING")), commands(ch));
        assertEquals(0, decoder(ch).pendingFrameBytes());
        assertFalse(ch.finish());
    }

    @Test
    void pendingFrameBytes_theCommandSoFar_withItsCurrentArgumentWhole() {
        EmbeddedChannel ch = channel();
        send(ch, ascii("*3\r\n"));
        assertEquals(2 + RespDecoder.ARG_OVERHEAD_BYTES, decoder(ch).pendingFrameBytes(), "no argument header yet");
        send(ch, ascii("$3\r\nSET\r\n$2"));
        assertEquals(3 + 2 + 2 * RespDecoder.ARG_OVERHEAD_BYTES, decoder(ch).pendingFrameBytes(), "the next header not whole");
        send(ch, ascii("0\r\nab"));
        assertEquals(3 + 20 + 2 + 2 * RespDecoder.ARG_OVERHEAD_BYTES, decoder(ch).pendingFrameBytes());
        send(ch, ascii("cdefghijklmnopqrst\r\n$500\r\n"));
        assertEquals(3 + 20 + 500 + 2 + 3 * RespDecoder.ARG_OVERHEAD_BYTES, decoder(ch).pendingFrameBytes());
        send(ch, concat(new byte[500], ascii("\r\n")));
        assertEquals(3, commands(ch).get(0).size());
        assertEquals(0, decoder(ch).pendingFrameBytes());
        assertFalse(ch.finish());
    }

    static Stream<Arguments> splitArgsCases() {
        return Stream.of(
                Arguments.of("set k v", List.of("set", "k", "v")),
                Arguments.of("  lead \t  trail  ", List.of("lead", "trail")),
                Arguments.of("", List.of()),
                Arguments.of("set \"a b\" c", List.of("set", "a b", "c")),
                Arguments.of("\"\"", List.of("")),
                Arguments.of("\"\\x41\\x4a\\x00\\xff\\xFe\"", List.of("AJ\0\u00ff\u00fe")),
                Arguments.of("\"\\x4\" \"\\xzz\"", List.of("x4", "xzz")), // not two hex digits: the x stays
                Arguments.of("\"a\\nb\\r\\tc\\\\d\\\"e\\a\\b\"", List.of("a\nb\r\tc\\d\"e\u0007\b")),
                Arguments.of("'it\\'s' 'a\\nb' 'say \"hi\"'", List.of("it's", "a\\nb", "say \"hi\"")),
                Arguments.of("ab\"c d\"", List.of("abc d")), // a quote may open mid-word
                Arguments.of("\"abc", null),
                Arguments.of("'abc", null),
                Arguments.of("\"abc\\\"", null), // the closing quote escaped
                Arguments.of("\"abc\\", null),
                Arguments.of("\"a\"b", null), // a closing quote must be followed by a space
                Arguments.of("'a'b", null));
    }

    @ParameterizedTest
    @MethodSource("splitArgsCases")
    void splitArgs_asRedisSplitsInlineCommands(String line, List<String> expected) {
        List<byte[]> args = RespDecoder.splitArgs(ascii(line));
        if (expected == null) {
            assertNull(args, "unbalanced: " + line);
            return;
        }
        List<String> got = new ArrayList<>();
        for (byte[] a : args) {
            got.add(new String(a, ISO_8859_1));
        }
        assertEquals(expected, got, line);
    }

    /** A valid command; in the malformed cases, one comes before the bad bytes and one after. */
    private static final byte[] PING = multibulk("PING");

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of("negative bulk length", "*1\r\n$-5\r\nabc\r\n", "Protocol error: invalid bulk length"),
                Arguments.of("null bulk in a command", "*2\r\n$-1\r\n", "Protocol error: invalid bulk length"),
                Arguments.of("bulk length over the limit", "*2\r\n$3\r\nGET\r\n$1001\r\n",
                        "Protocol error: invalid bulk length (1001 bytes; this server takes arguments of at most"
                        + " 1000 bytes)"),
                Arguments.of("bulk length past a long", "*1\r\n$99999999999999999999\r\n",
                        "Protocol error: invalid bulk length"),
                Arguments.of("non-numeric bulk length", "*1\r\n$x3\r\nGET\r\n", "Protocol error: invalid bulk length"),
                Arguments.of("empty bulk length", "*1\r\n$\r\n", "Protocol error: invalid bulk length"),
                Arguments.of("multibulk count over the limit", "*1048577\r\n", "Protocol error: invalid multibulk length"),
                Arguments.of("multibulk count past a long", "*123456789012345678901\r\n",
                        "Protocol error: invalid multibulk length"),
                Arguments.of("non-numeric multibulk count", "*two\r\n", "Protocol error: invalid multibulk length"),
                Arguments.of("empty multibulk count", "*\r\n", "Protocol error: invalid multibulk length"),
                Arguments.of("count line ended without CR", "*1\n$4\r\nPING\r\n", "Protocol error: invalid multibulk length"),
                Arguments.of("missing CRLF after a bulk", "*2\r\n$3\r\nGET\r\n$1\r\nkXY",
                        "Protocol error: expected '\\r\\n' after a bulk string of 1 bytes"),
                Arguments.of("nested array", "*2\r\n*1\r\n$1\r\na\r\n", "Protocol error: expected '$', got '*'"),
                Arguments.of("simple string for a bulk", "*1\r\n+OK\r\n", "Protocol error: expected '$', got '+'"),
                Arguments.of("control byte for a bulk", "*1\r\n\u0001", "Protocol error: expected '$', got '\\x01'"),
                Arguments.of("unbalanced quotes", "SET \"k v\r\n", "Protocol error: unbalanced quotes in request"),
                Arguments.of("text after a closing quote", "SET 'k'v\r\n", "Protocol error: unbalanced quotes in request"),
                // SET, 1000 bytes, then a header of 600 more: over the command's 1500, before its bytes.
                Arguments.of("command over the limit", "*3\r\n$3\r\nSET\r\n$1000\r\n" + "v".repeat(1000)
                        + "\r\n$600\r\n", "Protocol error: command too large (its arguments pass 1500 bytes,"
                        + " this server's limit for one command)"),
                Arguments.of("inline line over 64 KiB", "a".repeat(64 * 1024 + 1), "Protocol error: too big inline request"),
                Arguments.of("count line over 64 KiB", "*" + "1".repeat(64 * 1024), "Protocol error: too big mbulk count string"),
                Arguments.of("length line over 64 KiB", "*1\r\n$" + "1".repeat(64 * 1024),
                        "Protocol error: too big bulk count string"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void malformedInput_failsWithRedisMessage_andNothingAfterIsDecoded(String what, String bad, String message) {
        EmbeddedChannel ch = channel();
        CorruptedFrameException e = assertThrows(CorruptedFrameException.class,
                () -> send(ch, concat(PING, ascii(bad), PING)));
        assertEquals(message, e.getMessage());
        assertEquals(List.of(List.of("PING")), commands(ch), "only the command before the bad bytes");
        send(ch, concat(PING, ascii("PING\r\n"))); // valid, but the framing is lost: dropped
        assertEquals(List.of(), commands(ch));
        assertFalse(ch.finish());
    }

    /** Byte by byte; the cases of 64 KiB in pieces of 1000 bytes (byte by byte would rescan 64 KiB 64 Ki times). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void malformedInput_byteByByte_failsAlike(String what, String bad, String message) {
        EmbeddedChannel ch = channel();
        byte[] bytes = concat(PING, ascii(bad));
        int piece = bytes.length < 2000 ? 1 : 1000;
        CorruptedFrameException failure = null;
        for (int i = 0; i < bytes.length && failure == null; i += piece) {
            try {
                send(ch, Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + piece)));
            } catch (CorruptedFrameException e) {
                failure = e;
            }
        }
        assertTrue(failure != null, "no error for " + what);
        assertEquals(message, failure.getMessage());
        assertEquals(List.of(List.of("PING")), commands(ch));
        assertFalse(ch.finish());
    }

    /** A line with no end fails once 64 KiB are buffered, not before, however it arrives. */
    @Test
    void overLongInline_inPieces_failsOnlyPast64KiB() {
        EmbeddedChannel ch = channel();
        byte[] piece = ascii("x".repeat(1024));
        for (int i = 0; i < 64; i++) {
            send(ch, piece);
        }
        assertEquals(List.of(), commands(ch));
        CorruptedFrameException e = assertThrows(CorruptedFrameException.class, () -> send(ch, ascii("x")));
        assertEquals("Protocol error: too big inline request", e.getMessage());
        assertFalse(ch.finish());

        EmbeddedChannel ok = channel(); // 64 KiB and its newline: one argument, accepted
        send(ok, concat(ascii("x".repeat(64 * 1024)), ascii("\n")));
        assertEquals(64 * 1024, commands(ok).get(0).get(0).length());
        assertFalse(ok.finish());
    }

    /**
     * A declared length is believed for the bookkeeping, never for allocation: a 60 MB argument
     * announced, a few bytes sent. The decoder reports the whole size as pending (so that
     * {@link PendingFrameGuard} can reserve or refuse it), while this thread allocates nowhere
     * near 60 MB (measured with the JVM's per-thread allocation counter; the allocator is an
     * unpooled heap one, so the decoder's own buffers are counted too).
     */
    @Test
    void declaredSize_reportedAsPending_neverAllocatedBeforeItsBytesCome() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled(),
                "this JVM does not count the bytes a thread allocates");
        int declared = 60_000_000;
        byte[] head = ascii("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$" + declared + "\r\n" + "v".repeat(100));
        sendHead(head).finishAndReleaseAll(); // once to load and warm the classes involved
        long before = threads.getCurrentThreadAllocatedBytes();
        EmbeddedChannel ch = sendHead(head);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertEquals(3 + 1 + declared + 2 + 3 * RespDecoder.ARG_OVERHEAD_BYTES, decoder(ch).pendingFrameBytes());
        assertTrue(allocated < 4_000_000, "allocated " + allocated + " bytes for a 60 MB argument announced");
        assertFalse(ch.finishAndReleaseAll());
    }

    private static EmbeddedChannel sendHead(byte[] head) {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.config().setAllocator(new UnpooledByteBufAllocator(false));
        ch.pipeline().addLast(new RespDecoder(64 * 1024 * 1024, 65L * 1024 * 1024));
        send(ch, head);
        assertNull(ch.readInbound());
        return ch;
    }

    /** Behind a {@link PendingFrameGuard}: the declared size is reserved, or refused at its header. */
    @Test
    void declaredSize_reservedInTheBudget_orRefusedWhenOverIt() {
        MemoryBudget budget = new MemoryBudget("test", 100_000_000);
        RespDecoder decoder = new RespDecoder(64 * 1024 * 1024, 65L * 1024 * 1024);
        EmbeddedChannel ch = new EmbeddedChannel(new PendingFrameGuard(budget, decoder::pendingFrameBytes,
                decoder::commandNumber), decoder);
        send(ch, ascii("*2\r\n$4\r\nECHO\r\n$60000000\r\nabc"));
        int overhead = RespDecoder.ARG_OVERHEAD_BYTES;
        assertEquals(4 + overhead + 60_000_000 + 2 + overhead, budget.used());
        ch.close();
        assertEquals(0, budget.used(), "given back when the connection closes");

        MemoryBudget small = new MemoryBudget("test", 10_000_000);
        RespDecoder decoder2 = new RespDecoder(64 * 1024 * 1024, 65L * 1024 * 1024);
        EmbeddedChannel ch2 = new EmbeddedChannel(new PendingFrameGuard(small, decoder2::pendingFrameBytes,
                decoder2::commandNumber), decoder2);
        FrameOverBudgetException e = assertThrows(FrameOverBudgetException.class,
                () -> send(ch2, ascii("*2\r\n$4\r\nECHO\r\n$60000000\r\nabc")));
        assertTrue(e.getMessage().contains("--max-pending-bytes"), e.getMessage());
        assertEquals(0, small.used());
        assertFalse(ch2.config().isAutoRead(), "the connection is not read any more");
        ch2.finishAndReleaseAll();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }
}
