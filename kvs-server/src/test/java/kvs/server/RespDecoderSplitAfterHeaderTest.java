package kvs.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Regression: a read that ends right after a multibulk header ({@code *2\r\n}) made
 * {@link RespDecoder} peek at the byte after the last one received. Found by
 * {@link RespLettuceTest} (several threads on one Lettuce connection): the peek threw
 * {@code IndexOutOfBoundsException} when the buffer was full to its capacity, which the client got
 * as {@code ERR undecodable request}; with room left in the buffer it read a stale byte and
 * failed with a spurious protocol error, closing the connection.
 */
class RespDecoderSplitAfterHeaderTest {

    private final EmbeddedChannel ch = new EmbeddedChannel(new RespDecoder(1024, 1 << 20));

    @AfterEach
    void close() {
        ch.finishAndReleaseAll();
    }

    private static ByteBuf bytes(String s) {
        return Unpooled.wrappedBuffer(s.getBytes(StandardCharsets.US_ASCII)); // capacity == length
    }

    private void assertCommand(String... expected) {
        byte[][] command = ch.readInbound();
        assertEquals(expected.length, command.length);
        for (int i = 0; i < expected.length; i++) {
            assertArrayEquals(expected[i].getBytes(StandardCharsets.US_ASCII), command[i]);
        }
    }

    @Test
    void readEndingAfterHeader_bufferFull_waitsForTheArguments() {
        ch.writeInbound(bytes("*2\r\n"));
        assertNull(ch.readInbound());
        ch.writeInbound(bytes("$3\r\nGET\r\n$1\r\nk\r\n"));
        assertCommand("GET", "k");
    }

    @Test
    void readEndingAfterHeader_staleBytesBeyond_areNotRead() {
        // The bytes past the writer index are what a reused buffer may hold: not a '$'.
        ByteBuf first = Unpooled.buffer(64).writeBytes("*1\r\nXXXXXXXX".getBytes(StandardCharsets.US_ASCII));
        first.writerIndex(4);
        ch.writeInbound(first);
        assertNull(ch.readInbound());
        ch.writeInbound(bytes("$4\r\nPING\r\n"));
        assertCommand("PING");
    }

    @Test
    void readEndingAfterHeader_midPipeline() {
        ch.writeInbound(bytes("*1\r\n$4\r\nPING\r\n*2\r\n"));
        assertCommand("PING");
        assertNull(ch.readInbound());
        ch.writeInbound(bytes("$4\r\nECHO\r\n$2\r\nhi\r\n"));
        assertCommand("ECHO", "hi");
    }
}
