package kvs.common.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import java.util.List;
import kvs.common.Frames;

/**
 * Splits a byte stream into frames: a base-128 varint32 length, then that many bytes.
 * Emits each frame's message bytes as a {@link ByteBuf}, without the prefix.
 *
 * <pre>
 * BEFORE (two frames, split anywhere)       AFTER
 * +----+-------+----+-----------+           +-------+ +-----------+
 * | 05 | 5 B   | 0A | 10 B      |   ---->   | 5 B   | | 10 B      |
 * +----+-------+----+-----------+           +-------+ +-----------+
 * </pre>
 *
 * <p>Unlike Netty's {@code ProtobufVarint32FrameDecoder}, a frame over {@code maxFrameBytes} is
 * refused from its prefix alone with a {@link TooLongFrameException}, and a prefix longer than five
 * bytes with a {@link CorruptedFrameException}; nothing of such a frame is buffered. After either,
 * the decoder drops everything else it receives: the stream has lost its framing, and the
 * connection is to be closed.
 *
 * <p>{@link #pendingFrameBytes} tells what a frame not yet whole will hold once it is, so that a
 * server can bound the memory held in unfinished frames across its connections. A large frame
 * that arrives over several reads is gathered in one heap buffer of its exact size, grown once:
 * not in a pooled buffer doubled again and again, whose memory the pool would keep.
 */
public final class FrameDecoder extends ByteToMessageDecoder {

    private final int maxFrameBytes;
    private boolean failed;
    /** See {@link #pendingFrameBytes}. */
    private long pendingFrameBytes;

    public FrameDecoder(int maxFrameBytes) {
        if (maxFrameBytes < 0) {
            throw new IllegalArgumentException("maxFrameBytes: " + maxFrameBytes);
        }
        this.maxFrameBytes = maxFrameBytes;
        setCumulator(this::cumulate);
    }

    /** Frames above this many bytes are gathered in a buffer of their own size. */
    static final int LARGE_FRAME_BYTES = 64 * 1024;

    private ByteBuf cumulate(ByteBufAllocator alloc, ByteBuf cumulation, ByteBuf in) {
        if (pendingFrameBytes <= LARGE_FRAME_BYTES || cumulation.writableBytes() >= in.readableBytes()
                || !cumulation.isReadable()) {
            return MERGE_CUMULATOR.cumulate(alloc, cumulation, in);
        }
        try {
            long needed = (long) cumulation.readableBytes() + in.readableBytes();
            ByteBuf whole = Unpooled.buffer((int) Math.min(Math.max(needed, pendingFrameBytes),
                    Integer.MAX_VALUE - 8));
            whole.writeBytes(cumulation).writeBytes(in);
            cumulation.release();
            return whole;
        } finally {
            in.release();
        }
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        pendingFrameBytes = 0;
        while (in.isReadable()) {
            int start = in.readerIndex();
            long length = readVarint32(in);
            if (length == INCOMPLETE) {
                in.readerIndex(start);
                return;
            }
            if (length > maxFrameBytes) {
                fail(in);
                throw new TooLongFrameException("frame of " + length
                        + " bytes is over the limit of " + maxFrameBytes + " bytes");
            }
            if (in.readableBytes() < length) {
                pendingFrameBytes = in.readerIndex() - start + length;
                in.readerIndex(start);
                return;
            }
            out.add(in.readRetainedSlice((int) length));
        }
    }

    /**
     * The size, length prefix included, of the frame whose prefix has arrived but not all of its
     * bytes yet: what this decoder's buffer will hold for it. 0 if there is none (a prefix not yet
     * whole counts as none). Read it on the channel's event loop, after a read.
     */
    public long pendingFrameBytes() {
        return pendingFrameBytes;
    }

    private static final long INCOMPLETE = -1;

    /** Reads a varint32 as an unsigned value, or returns {@link #INCOMPLETE}. */
    private long readVarint32(ByteBuf in) {
        long value = 0;
        for (int i = 0; i < Frames.MAX_VARINT32_BYTES; i++) {
            if (!in.isReadable()) {
                return INCOMPLETE;
            }
            byte b = in.readByte();
            value |= (long) (b & 0x7F) << (7 * i);
            if (b >= 0) {
                return value;
            }
        }
        fail(in);
        throw new CorruptedFrameException("malformed frame length prefix (more than 5 bytes)");
    }

    private void fail(ByteBuf in) {
        failed = true;
        pendingFrameBytes = 0;
        in.skipBytes(in.readableBytes());
    }
}
