package kvs.common;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The protocol's framing over blocking streams: each message is preceded by its length as a
 * base-128 varint32 (docs/PROTOCOL.md, "Framing"). {@link kvs.common.codec.FrameDecoder} is the
 * same framing for Netty.
 *
 * <pre>
 *   +--------+----------------+        a 300-byte message:
 *   | varint | message bytes  |        AC 02 | 300 bytes
 *   +--------+----------------+
 * </pre>
 */
public final class Frames {

    /** A varint32 takes at most five bytes. */
    public static final int MAX_VARINT32_BYTES = 5;

    private Frames() {
    }

    /** Writes one message with its length prefix; does not flush. */
    public static void write(OutputStream out, MessageLite message) throws IOException {
        message.writeDelimitedTo(out);
    }

    /** The bytes of one framed message: its length prefix, then the message. */
    public static byte[] encode(MessageLite message) {
        int size = message.getSerializedSize();
        byte[] frame = new byte[CodedOutputStream.computeUInt32SizeNoTag(size) + size];
        CodedOutputStream out = CodedOutputStream.newInstance(frame);
        try {
            out.writeUInt32NoTag(size);
            message.writeTo(out);
            out.checkNoSpaceLeft();
        } catch (IOException e) {
            throw new IllegalStateException("encoding into an array of the exact size failed", e);
        }
        return frame;
    }

    /**
     * Reads one frame's message bytes.
     *
     * @param maxBytes the largest message accepted; a longer one is refused from its prefix,
     *     before anything is allocated for it
     * @return the message bytes, or {@code null} if the stream ended cleanly before a frame began
     * @throws EOFException if the stream ends inside a frame
     * @throws FrameException if the prefix is malformed or over {@code maxBytes}
     */
    public static byte[] read(InputStream in, int maxBytes) throws IOException {
        int length = 0;
        for (int i = 0; ; i++) {
            int b = in.read();
            if (b < 0) {
                if (i == 0) {
                    return null;
                }
                throw new EOFException("stream ended inside a frame's length prefix");
            }
            if (i == MAX_VARINT32_BYTES - 1 && (b & 0xF0) != 0) {
                throw new FrameException("malformed frame length prefix (more than 32 bits)");
            }
            length |= (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0) {
                break;
            }
        }
        if (length < 0 || length > maxBytes) {
            throw new FrameException("frame of " + Integer.toUnsignedString(length)
                    + " bytes is over the limit of " + maxBytes + " bytes");
        }
        byte[] message = in.readNBytes(length);
        if (message.length != length) {
            throw new EOFException("stream ended inside a frame: got " + message.length
                    + " of " + length + " bytes");
        }
        return message;
    }

    /** A frame that cannot be read: malformed, or over the limit. */
    public static final class FrameException extends IOException {
        private static final long serialVersionUID = 1L;

        public FrameException(String message) {
            super(message);
        }
    }
}
