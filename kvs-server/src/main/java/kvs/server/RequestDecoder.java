package kvs.server;

import com.google.protobuf.CodedInputStream;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageDecoder;
import java.util.List;
import kvs.proto.Request;

/**
 * One frame's bytes to a {@link Request}, parsed where they lie. Netty's {@code ProtobufDecoder}
 * first copies a frame in a direct buffer (what the epoll transport reads into) to a new byte
 * array; parsing straight from the buffer's memory saves that copy, so a set's value is copied
 * once between the socket buffer and the record: into the request's {@code ByteString}.
 * Malformed bytes fail as they would there ({@code InvalidProtocolBufferException}, wrapped in a
 * {@code DecoderException}), trailing garbage after an end-group tag included.
 */
@Sharable
final class RequestDecoder extends MessageToMessageDecoder<ByteBuf> {

    static final RequestDecoder INSTANCE = new RequestDecoder();

    private RequestDecoder() {
        super(ByteBuf.class);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf frame, List<Object> out) throws Exception {
        CodedInputStream in = frame.hasArray()
                ? CodedInputStream.newInstance(frame.array(), frame.arrayOffset() + frame.readerIndex(),
                        frame.readableBytes())
                : CodedInputStream.newInstance(frame.nioBuffer());
        Request request = Request.parseFrom(in);
        in.checkLastTagWas(0);
        out.add(request);
    }
}
