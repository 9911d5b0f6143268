package kvs.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.List;
import kvs.proto.Error;
import kvs.proto.Response;

/**
 * How one connection's protocol puts responses on the wire: kvs frames ({@link ResponseEncoder})
 * or RESP ({@link RespReplies}). {@link RequestHandler} applies requests the same way for both,
 * and hands the responses here in request order.
 *
 * <p>An encode that throws (out of memory, say) must leave the writer as it was, so that the
 * same responses can be encoded again, one by one, or an error in the place of one.
 */
interface ReplyWriter {

    /** The responses, in order, as a few buffers. */
    List<ByteBuf> encode(ByteBufAllocator alloc, List<Response> responses);

    /** One response. */
    ByteBuf encode(ByteBufAllocator alloc, Response response);

    /**
     * Whether {@link #encode(ByteBufAllocator, Response)} may run on a store thread, before the
     * responses ahead of it are encoded: true where a response's bytes depend on it alone.
     */
    boolean encodesOutOfOrder();

    /** The error for bytes that were not a request, sent last before the connection closes. */
    ByteBuf protocolError(ByteBufAllocator alloc, Error error);

    /** Whether a response written asked for the connection to be closed once it is sent. */
    default boolean closeRequested() {
        return false;
    }
}
