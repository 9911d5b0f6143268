package kvs.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.google.protobuf.ByteString;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.protobuf.ProtobufDecoder;
import java.util.Random;
import kvs.proto.Request;
import kvs.proto.Set;
import org.junit.jupiter.api.Test;

/** RequestDecoder parses as Netty's ProtobufDecoder does, from heap and direct buffers alike. */
class RequestDecoderTest {

    private static Object decode(Object decoder, ByteBuf frame) {
        EmbeddedChannel ch = new EmbeddedChannel((io.netty.channel.ChannelHandler) decoder);
        try {
            ch.writeInbound(frame);
            return ch.readInbound();
        } catch (DecoderException e) {
            return e.getCause() == null ? e : e.getCause().getClass();
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    private static ByteBuf direct(byte[] bytes) {
        return Unpooled.directBuffer(bytes.length).writeBytes(bytes);
    }

    @Test
    void aSetFromADirectBuffer_keyAndValueIntact() {
        byte[] value = new byte[100_000];
        new Random(1).nextBytes(value);
        Request r = Request.newBuilder().setId(7).setSet(Set.newBuilder()
                .setKey(ByteString.copyFromUtf8("k")).setValue(ByteString.copyFrom(value))).build();
        assertEquals(r, decode(RequestDecoder.INSTANCE, direct(r.toByteArray())));
        assertEquals(r, decode(RequestDecoder.INSTANCE, Unpooled.wrappedBuffer(r.toByteArray())));
    }

    @Test
    void aSliceOfALargerBuffer_onlyItsOwnBytes() {
        Request r = Request.newBuilder().setId(3).setSet(Set.newBuilder()
                .setKey(ByteString.copyFromUtf8("k")).setValue(ByteString.copyFromUtf8("v"))).build();
        byte[] bytes = r.toByteArray();
        ByteBuf whole = Unpooled.directBuffer().writeBytes(new byte[] {9, 9}).writeBytes(bytes).writeBytes(new byte[] {8});
        assertEquals(r, decode(RequestDecoder.INSTANCE, whole.retainedSlice(2, bytes.length)));
        whole.release();
    }

    @Test
    void bytesAfterAnEndGroupTag_refused() {
        byte[] bytes = {0x08, 0x01, 0x0c, 0x08, 0x02}; // id 1, end group (field 1), id 2
        Object got = decode(RequestDecoder.INSTANCE, direct(bytes));
        assertInstanceOf(Class.class, got, "refused: " + got);
        assertEquals(com.google.protobuf.InvalidProtocolBufferException.class, got);
    }

    /** Random bytes and damaged requests: both decoders agree on the request, or both refuse. */
    @Test
    void randomAndDamagedFrames_sameOutcomeAsProtobufDecoder() {
        Random random = new Random(42);
        ProtobufDecoder netty = new ProtobufDecoder(Request.getDefaultInstance());
        byte[] good = Request.newBuilder().setId(5).setSet(Set.newBuilder()
                .setKey(ByteString.copyFromUtf8("key")).setValue(ByteString.copyFromUtf8("value"))).build().toByteArray();
        for (int i = 0; i < 2000; i++) {
            byte[] bytes;
            if (i % 2 == 0) {
                bytes = new byte[random.nextInt(40)];
                random.nextBytes(bytes);
            } else {
                bytes = good.clone();
                bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
            }
            Object expected = decode(netty, Unpooled.wrappedBuffer(bytes));
            Object got = decode(RequestDecoder.INSTANCE, direct(bytes));
            if (expected instanceof Request) {
                assertEquals(expected, got, "case " + i);
            } else {
                assertFalse(got instanceof Request, "case " + i + ": ProtobufDecoder refused, RequestDecoder gave " + got);
            }
        }
    }
}
