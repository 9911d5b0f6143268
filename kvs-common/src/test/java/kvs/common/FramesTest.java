package kvs.common;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.Arrays;
import kvs.proto.Get;
import kvs.proto.Request;
import org.junit.jupiter.api.Test;

class FramesTest {

    private static final Request GET = Request.newBuilder().setId(1)
            .setGet(Get.newBuilder().setKey(ByteString.copyFromUtf8("a"))).build();

    @Test
    void writeThenRead_roundTrips() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Frames.write(out, GET);
        Frames.write(out, GET);
        ByteArrayInputStream in = new ByteArrayInputStream(out.toByteArray());
        assertArrayEquals(GET.toByteArray(), Frames.read(in, 100));
        assertArrayEquals(GET.toByteArray(), Frames.read(in, 100));
        assertNull(Frames.read(in, 100));
    }

    @Test
    void encode_isLengthPrefixThenMessage() {
        // Request{id:1, get{key:"a"}} = 08 01 1a 03 0a 01 61: 7 bytes, prefix 07.
        assertArrayEquals(new byte[] {7, 0x08, 0x01, 0x1a, 0x03, 0x0a, 0x01, 0x61}, Frames.encode(GET));
    }

    @Test
    void read_multiBytePrefix() throws IOException {
        byte[] body = new byte[300];
        Arrays.fill(body, (byte) 7);
        byte[] frame = new byte[302];
        frame[0] = (byte) 0xAC;
        frame[1] = 0x02;
        System.arraycopy(body, 0, frame, 2, 300);
        assertArrayEquals(body, Frames.read(new ByteArrayInputStream(frame), 300));
    }

    @Test
    void read_overLimit_refusedFromPrefix() {
        // Prefix says 2^31-1 bytes; nothing follows, nothing may be allocated.
        byte[] frame = {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x07};
        Frames.FrameException e = assertThrows(Frames.FrameException.class,
                () -> Frames.read(new ByteArrayInputStream(frame), 1024));
        assertTrue(e.getMessage().contains("over the limit of 1024"), e.getMessage());
    }

    @Test
    void read_frameOfExactlyTheLimit_isAccepted() throws IOException {
        byte[] frame = new byte[302];
        frame[0] = (byte) 0xAC; // 300
        frame[1] = 0x02;
        frame[301] = 9;
        byte[] body = Frames.read(new ByteArrayInputStream(frame), 300);
        assertArrayEquals(Arrays.copyOfRange(frame, 2, 302), body);
    }

    @Test
    void read_frameOneByteOverTheLimit_isRefused() {
        byte[] frame = new byte[302];
        frame[0] = (byte) 0xAC; // 300
        frame[1] = 0x02;
        Frames.FrameException e = assertThrows(Frames.FrameException.class,
                () -> Frames.read(new ByteArrayInputStream(frame), 299));
        assertTrue(e.getMessage().contains("frame of 300 bytes is over the limit of 299"), e.getMessage());
    }

    @Test
    void read_emptyFrameWithLimitZero_isAccepted() throws IOException {
        assertArrayEquals(new byte[0], Frames.read(new ByteArrayInputStream(new byte[] {0}), 0));
    }

    @Test
    void read_prefixOverFiveBytes_isMalformed() {
        byte[] frame = {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x01};
        assertThrows(Frames.FrameException.class, () -> Frames.read(new ByteArrayInputStream(frame), 10));
    }

    @Test
    void read_endInsideFrame_isEof() {
        assertThrows(EOFException.class, () -> Frames.read(new ByteArrayInputStream(new byte[] {5, 1, 2}), 10));
        assertThrows(EOFException.class,
                () -> Frames.read(new ByteArrayInputStream(new byte[] {(byte) 0x80}), 10));
    }
}
