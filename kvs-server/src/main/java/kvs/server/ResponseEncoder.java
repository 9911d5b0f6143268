package kvs.server;

import com.google.protobuf.CodedOutputStream;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import kvs.proto.Response;

/**
 * Frames a batch of responses (length prefix, then message; docs/PROTOCOL.md, "Framing") into as
 * few buffers as possible: one per {@link #CHUNK_BYTES} of output, or one per larger response.
 * Writing a batch as a few buffers, instead of passing each response through an encoder and a
 * prepender, costs one pipeline pass and one allocation per chunk rather than two per response.
 */
final class ResponseEncoder {

    static final int CHUNK_BYTES = 256 * 1024;

    /** The kvs protocol's {@link ReplyWriter}: stateless, shared by every connection. */
    static final ReplyWriter KVS = new ReplyWriter() {
        @Override
        public List<ByteBuf> encode(ByteBufAllocator alloc, List<Response> responses) {
            return ResponseEncoder.encode(alloc, responses);
        }

        @Override
        public ByteBuf encode(ByteBufAllocator alloc, Response response) {
            return ResponseEncoder.encode(alloc, response);
        }

        @Override
        public boolean encodesOutOfOrder() {
            return true;
        }

        @Override
        public ByteBuf protocolError(ByteBufAllocator alloc, kvs.proto.Error error) {
            return ResponseEncoder.encode(alloc, StoreCommands.error(0, error));
        }
    };

    private ResponseEncoder() {
    }

    /** The framed responses; if that fails (out of memory, say), nothing stays allocated. */
    static List<ByteBuf> encode(ByteBufAllocator alloc, List<Response> responses) {
        List<ByteBuf> out = new ArrayList<>(1);
        try {
            int from = 0;
            while (from < responses.size()) {
                int to = from;
                int bytes = 0;
                while (to < responses.size()) {
                    int size = framed(responses.get(to));
                    if (to > from && bytes + size > CHUNK_BYTES) {
                        break;
                    }
                    bytes += size;
                    to++;
                }
                out.add(write(alloc, responses.subList(from, to), bytes));
                from = to;
            }
        } catch (Throwable t) {
            out.forEach(ByteBuf::release);
            throw t;
        }
        return out;
    }

    static ByteBuf encode(ByteBufAllocator alloc, Response response) {
        return write(alloc, List.of(response), framed(response));
    }

    private static int framed(Response r) {
        int size = r.getSerializedSize();
        return CodedOutputStream.computeUInt32SizeNoTag(size) + size;
    }

    private static ByteBuf write(ByteBufAllocator alloc, List<Response> responses, int bytes) {
        ByteBuf buf = alloc.ioBuffer(bytes, bytes);
        try {
            CodedOutputStream cos = CodedOutputStream.newInstance(buf.nioBuffer(0, bytes));
            for (Response r : responses) {
                cos.writeUInt32NoTag(r.getSerializedSize());
                r.writeTo(cos);
            }
            cos.flush();
            cos.checkNoSpaceLeft();
        } catch (IOException e) {
            buf.release();
            throw new UncheckedIOException("encoding into a buffer of the exact size failed", e);
        } catch (RuntimeException | Error e) {
            buf.release();
            throw e;
        }
        buf.writerIndex(bytes);
        return buf;
    }
}
