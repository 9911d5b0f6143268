package kvs.common.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import org.junit.jupiter.api.Test;

class FrameDecoderTest {

    private static final byte[] TWO_FRAMES = {3, 'a', 'b', 'c', 1, 'd'};

    @Test
    void decode_mergedFrames_emitsEach() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(100));
        assertTrue(ch.writeInbound(Unpooled.wrappedBuffer(TWO_FRAMES)));
        assertFrame(ch, "abc");
        assertFrame(ch, "d");
        assertNull(ch.readInbound());
        assertFalse(ch.finish());
    }

    @Test
    void decode_oneByteAtATime_emitsWholeFrames() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(100));
        for (byte b : TWO_FRAMES) {
            ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        }
        assertFrame(ch, "abc");
        assertFrame(ch, "d");
        assertFalse(ch.finish());
    }

    @Test
    void decode_multiBytePrefixSplit() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(1000));
        byte[] body = new byte[300];
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {(byte) 0xAC}));
        assertNull(ch.readInbound());
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {0x02}), Unpooled.wrappedBuffer(body));
        ByteBuf frame = ch.readInbound();
        assertArrayEquals(body, ByteBufUtil.getBytes(frame));
        frame.release();
        assertFalse(ch.finish());
    }

    @Test
    void decode_emptyFrame() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(10));
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {0}));
        assertFrame(ch, "");
        assertFalse(ch.finish());
    }

    @Test
    void decode_overLimit_refusedFromPrefixAlone() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(100));
        // A prefix of 1 GiB followed by a few bytes: refused without waiting for the rest.
        ByteBuf in = Unpooled.wrappedBuffer(new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, 0x04, 1, 2});
        TooLongFrameException e = assertThrows(TooLongFrameException.class, () -> ch.writeInbound(in));
        assertTrue(e.getMessage().contains("over the limit of 100 bytes"), e.getMessage());
        // Whatever follows is dropped: the framing is lost.
        assertFalse(ch.writeInbound(Unpooled.wrappedBuffer(TWO_FRAMES)));
        assertFalse(ch.finish());
    }

    @Test
    void decode_prefixOverFiveBytes_isCorrupt() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(100));
        ByteBuf in = Unpooled.wrappedBuffer(new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80,
            (byte) 0x80, (byte) 0x80, 1});
        assertThrows(CorruptedFrameException.class, () -> ch.writeInbound(in));
        assertFalse(ch.finish());
    }

    @Test
    void decode_frameOfExactlyTheLimit_isAccepted() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(300));
        byte[] body = new byte[300];
        body[299] = 9;
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {(byte) 0xAC, 0x02}), Unpooled.wrappedBuffer(body));
        ByteBuf frame = ch.readInbound();
        assertArrayEquals(body, ByteBufUtil.getBytes(frame));
        frame.release();
        assertFalse(ch.finish());
    }

    @Test
    void decode_frameOneByteOverTheLimit_isRefused() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(299));
        ByteBuf in = Unpooled.wrappedBuffer(new byte[] {(byte) 0xAC, 0x02});
        TooLongFrameException e = assertThrows(TooLongFrameException.class, () -> ch.writeInbound(in));
        assertTrue(e.getMessage().contains("frame of 300 bytes is over the limit of 299"), e.getMessage());
        assertFalse(ch.finish());
    }

    @Test
    void decode_emptyFrameWithLimitZero_isAccepted_oneByteIsNot() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(0));
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {0}));
        assertFrame(ch, "");
        assertThrows(TooLongFrameException.class, () -> ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {1, 'x'})));
        assertFalse(ch.finish());
    }

    @Test
    void decode_threeFramesInFragmentsOfEverySize_emitsEachWhole() {
        // frames "abc", "" and 200 bytes (two-byte prefix C8 01), cut into pieces of 1 to 7 bytes
        byte[] big = new byte[200];
        java.util.Arrays.fill(big, (byte) 'z');
        java.io.ByteArrayOutputStream stream = new java.io.ByteArrayOutputStream();
        stream.writeBytes(new byte[] {3, 'a', 'b', 'c', 0, (byte) 0xC8, 0x01});
        stream.writeBytes(big);
        byte[] bytes = stream.toByteArray();
        for (int piece = 1; piece <= 7; piece++) {
            EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(200));
            for (int at = 0; at < bytes.length; at += piece) {
                ch.writeInbound(Unpooled.wrappedBuffer(bytes, at, Math.min(piece, bytes.length - at)));
            }
            assertFrame(ch, "abc");
            assertFrame(ch, "");
            assertFrame(ch, new String(big, java.nio.charset.StandardCharsets.US_ASCII));
            assertNull(ch.readInbound(), "pieces of " + piece);
            assertFalse(ch.finish());
        }
    }

    @Test
    void decode_prefixAndPartOfBodyThenRest_emitsNothingUntilWhole() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(100));
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {5, 'h', 'e'}));
        assertNull(ch.readInbound());
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {'l', 'l', 'o', 2, 'o'}));
        assertFrame(ch, "hello");
        assertNull(ch.readInbound());
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {'k'}));
        assertFrame(ch, "ok");
        assertFalse(ch.finish());
    }

    @Test
    void pendingFrameBytes_isTheUnfinishedFramesWholeSize() {
        FrameDecoder decoder = new FrameDecoder(1000);
        EmbeddedChannel ch = new EmbeddedChannel(decoder);
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {(byte) 0xAC}));
        assertEquals(0, decoder.pendingFrameBytes(), "a prefix not yet whole");
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {0x02, 1, 2}));
        assertEquals(302, decoder.pendingFrameBytes(), "prefix 2 + body 300");
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[298]), Unpooled.wrappedBuffer(new byte[] {3, 'a'}));
        assertEquals(4, decoder.pendingFrameBytes(), "the first is whole, the next begun");
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {'b', 'c'}));
        assertEquals(0, decoder.pendingFrameBytes());
        ((ByteBuf) ch.readInbound()).release();
        assertFrame(ch, "abc");
        assertFalse(ch.finish());
    }

    @Test
    void pendingFrameBytes_ofAFrameBegunAfterAWholeOneInTheSameRead() {
        FrameDecoder decoder = new FrameDecoder(1000);
        EmbeddedChannel ch = new EmbeddedChannel(decoder);
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {1, 'x', 3, 'a'}));
        assertEquals(4, decoder.pendingFrameBytes(), "prefix 1 + body 3, whatever came before it");
        assertFrame(ch, "x");
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {'b', 'c'}));
        assertFrame(ch, "abc");
        assertFalse(ch.finish());
    }

    /**
     * A frame over {@link FrameDecoder#LARGE_FRAME_BYTES} arriving in pieces is gathered in one
     * buffer of exactly the bytes it needs (the frame, and what came with its last piece), not in
     * a buffer doubled again and again: a large request costs its size, not up to twice that.
     */
    @Test
    void decode_largeFrameInPieces_isGatheredInABufferOfExactlyTheBytesItNeeds() {
        int body = 100_000;
        byte[] prefix = {(byte) 0xA0, (byte) 0x8D, 0x06}; // 100,000 as a varint
        byte[] frame = new byte[body];
        new java.util.Random(1).nextBytes(frame);
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(1 << 20));
        ch.writeInbound(Unpooled.wrappedBuffer(Unpooled.wrappedBuffer(prefix),
                Unpooled.wrappedBuffer(frame, 0, 50_000)).copy());
        assertNull(ch.readInbound());
        ch.writeInbound(Unpooled.wrappedBuffer(Unpooled.wrappedBuffer(frame, 50_000, body - 50_000),
                Unpooled.wrappedBuffer(new byte[] {1, 'z'})).copy());
        ByteBuf whole = ch.readInbound();
        try {
            assertArrayEquals(frame, ByteBufUtil.getBytes(whole));
            assertEquals(prefix.length + body + 2, whole.unwrap().capacity(),
                    "gathered in a buffer of the frame's size plus the 2 bytes that came after it");
        } finally {
            whole.release();
        }
        assertFrame(ch, "z");
        assertFalse(ch.finish());
    }

    @Test
    void decode_afterAMalformedPrefix_nothingMoreIsDecoded() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(100));
        ByteBuf in = Unpooled.wrappedBuffer(new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80,
            (byte) 0x80, (byte) 0x80, 1, 'a'});
        assertThrows(CorruptedFrameException.class, () -> ch.writeInbound(in));
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {1, 'b'}));
        assertNull(ch.readInbound(), "the stream lost its framing: no byte of it is a frame any more");
        assertFalse(ch.finish());
    }

    private static void assertFrame(EmbeddedChannel ch, String expected) {
        ByteBuf frame = ch.readInbound();
        try {
            assertArrayEquals(expected.getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                    ByteBufUtil.getBytes(frame));
        } finally {
            frame.release();
        }
    }
}
