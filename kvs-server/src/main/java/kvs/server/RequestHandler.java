package kvs.server;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.function.BooleanSupplier;
import kvs.proto.Done;
import kvs.proto.Error;
import kvs.proto.ErrorCode;
import kvs.proto.NotFound;
import kvs.proto.Request;
import kvs.proto.Response;
import kvs.proto.Value;
import kvs.server.store.Store;

/**
 * Applies each request to the store and writes its response.
 *
 * <p>Runs on a store executor, never on an event loop, since store calls wait on the disk. Netty
 * pins each channel to one executor thread, so a connection's requests are applied and answered
 * in the order they came. Responses are flushed once per read burst, in
 * {@link #channelReadComplete}, which follows the burst's requests on the same thread.
 */
@Sharable
final class RequestHandler extends SimpleChannelInboundHandler<Request> {

    private static final System.Logger LOG = System.getLogger(RequestHandler.class.getName());
    private static final Response.Builder DONE = Response.newBuilder().setDone(Done.getDefaultInstance());
    private static final Response.Builder NOT_FOUND =
            Response.newBuilder().setNotFound(NotFound.getDefaultInstance());

    private final Store store;
    private final ServerConfig config;
    private final BooleanSupplier closing;

    RequestHandler(Store store, ServerConfig config, BooleanSupplier closing) {
        this.store = store;
        this.config = config;
        this.closing = closing;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Request request) {
        ctx.write(handle(request));
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
    }

    /** The response to one request; never throws. */
    Response handle(Request request) {
        long id = request.getId();
        if (closing.getAsBoolean()) {
            return error(id, ErrorMapper.error(ErrorCode.UNAVAILABLE,
                    "the server is shutting down; retry after it restarts"));
        }
        Error invalid = validate(request);
        if (invalid != null) {
            return error(id, invalid);
        }
        try {
            return switch (request.getCommandCase()) {
                case SET -> {
                    store.set(request.getSet().getKey().toByteArray(),
                            request.getSet().getValue().toByteArray());
                    yield DONE.clone().setId(id).build();
                }
                case GET -> {
                    byte[] value = store.get(request.getGet().getKey().toByteArray());
                    yield value == null
                            ? NOT_FOUND.clone().setId(id).build()
                            : Response.newBuilder().setId(id).setValue(
                                    Value.newBuilder().setValue(UnsafeByteOperations.unsafeWrap(value)))
                                    .build();
                }
                case RM -> store.remove(request.getRm().getKey().toByteArray())
                        ? DONE.clone().setId(id).build()
                        : NOT_FOUND.clone().setId(id).build();
                case COMMAND_NOT_SET -> throw new AssertionError("validated");
            };
        } catch (IOException | RuntimeException e) {
            if (!(e instanceof kvs.server.store.StoreClosedException)) {
                LOG.log(Level.ERROR, "request " + id + " (" + request.getCommandCase() + ") failed", e);
            }
            return error(id, ErrorMapper.storeFailure(e));
        }
    }

    /** Checks what the store would refuse, so its refusals reach the client as protocol errors. */
    private Error validate(Request request) {
        ByteString key;
        switch (request.getCommandCase()) {
            case SET -> {
                key = request.getSet().getKey();
                int valueSize = request.getSet().getValue().size();
                if (valueSize > config.maxValueBytes()) {
                    return ErrorMapper.error(ErrorCode.TOO_LARGE, "value of " + valueSize
                            + " bytes is over the limit of " + config.maxValueBytes() + " bytes");
                }
            }
            case GET -> key = request.getGet().getKey();
            case RM -> key = request.getRm().getKey();
            default -> {
                return ErrorMapper.error(ErrorCode.BAD_REQUEST, "request " + request.getId()
                        + " has no command this server knows; send one of set, get, rm");
            }
        }
        if (key.isEmpty()) {
            return ErrorMapper.error(ErrorCode.BAD_REQUEST, "empty key: a key is 1 to "
                    + config.maxKeyBytes() + " bytes");
        }
        if (key.size() > config.maxKeyBytes()) {
            return ErrorMapper.error(ErrorCode.TOO_LARGE, "key of " + key.size()
                    + " bytes is over the limit of " + config.maxKeyBytes() + " bytes");
        }
        return null;
    }

    /**
     * Bytes that are not a request: answer with an error (id 0: the request's id is unknown) and
     * close the connection, whose framing is lost. Other connections are not affected.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof DecoderException) {
            Error e = ErrorMapper.decodeFailure(cause);
            LOG.log(Level.DEBUG, "closing {0}: {1}", ctx.channel().remoteAddress(), e.getMessage());
            ctx.writeAndFlush(error(0, e)).addListener(ChannelFutureListener.CLOSE);
        } else {
            if (!(cause instanceof IOException)) {
                LOG.log(Level.WARNING, "closing " + ctx.channel().remoteAddress(), cause);
            }
            ctx.close();
        }
    }

    private static Response error(long id, Error e) {
        return Response.newBuilder().setId(id).setError(e).build();
    }
}
