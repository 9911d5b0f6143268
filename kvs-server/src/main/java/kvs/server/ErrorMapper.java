package kvs.server;

import com.google.protobuf.InvalidProtocolBufferException;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import java.io.IOException;
import kvs.proto.Error;
import kvs.proto.ErrorCode;
import kvs.store.CorruptionException;
import kvs.store.StoreClosedException;

/** The one place where failures become protocol errors (docs/PROTOCOL.md, "Errors"). */
final class ErrorMapper {

    /** The message of an IOException for ENOSPC on Linux and macOS. */
    private static final String DISK_FULL = "No space left on device";

    private ErrorMapper() {
    }

    /** The error for a store operation that failed: nothing was applied, unless it says so. */
    static Error storeFailure(Throwable t) {
        if (t instanceof StoreClosedException) {
            return error(ErrorCode.UNAVAILABLE, "the server is shutting down; retry on another"
                    + " server or after it restarts");
        }
        if (t instanceof kvs.store.DurabilityUnknownException
                || t instanceof kvs.store.StoreReadOnlyException) {
            return error(ErrorCode.STORAGE, t.getMessage());
        }
        if (t instanceof kvs.store.KeydirFullException) {
            return error(ErrorCode.RESOURCE_EXHAUSTED, t.getMessage());
        }
        if (t instanceof CorruptionException c) {
            return error(ErrorCode.STORAGE, "stored data is damaged: " + c.getMessage()
                    + "; run kvs-server --check to see all damage");
        }
        if (t instanceof java.nio.file.FileAlreadyExistsException exists) {
            // A backup's target: found by the store's backup, off the event loop.
            return error(ErrorCode.BAD_REQUEST, "backup directory " + exists.getFile()
                    + " exists already: give a new name (a backup never mixes with other files)");
        }
        if (t instanceof IOException && isDiskFull(t)) {
            return error(ErrorCode.STORAGE, "the disk is full (" + t.getMessage() + "), nothing was"
                    + " applied: free space on the disk of the data directory, then retry; reads go on");
        }
        if (t instanceof IOException) {
            return error(ErrorCode.STORAGE, "storage error, nothing was applied: " + t.getMessage());
        }
        if (t instanceof OutOfMemoryError) {
            return outOfMemory();
        }
        if (t instanceof IllegalArgumentException) {
            return error(ErrorCode.BAD_REQUEST, t.getMessage());
        }
        return error(ErrorCode.STORAGE, "internal error, nothing was applied: " + t);
    }

    /**
     * Whether a failure, or one of its causes, is the disk running out of space (ENOSPC). Java
     * gives no error code for it: the operating system's message is all there is.
     */
    static boolean isDiskFull(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c.getMessage() != null && c.getMessage().contains(DISK_FULL)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The error for bytes that could not be decoded into a request; the connection is closed
     * after it, since the stream's framing can no longer be trusted.
     */
    static Error decodeFailure(Throwable t) {
        if (t instanceof FrameOverBudgetException) {
            return error(ErrorCode.RESOURCE_EXHAUSTED, t.getMessage());
        }
        if (t instanceof TooLongFrameException) {
            return error(ErrorCode.TOO_LARGE, t.getMessage());
        }
        if (t instanceof CorruptedFrameException) {
            return error(ErrorCode.BAD_REQUEST, t.getMessage());
        }
        Throwable cause = t instanceof DecoderException && t.getCause() != null ? t.getCause() : t;
        if (cause instanceof InvalidProtocolBufferException) {
            return error(ErrorCode.BAD_REQUEST, "malformed request message: " + cause.getMessage());
        }
        return error(ErrorCode.BAD_REQUEST, "undecodable request: " + cause);
    }

    /** The error for a request whose response the server had not the memory to build or send. */
    static Error outOfMemory() {
        return error(ErrorCode.RESOURCE_EXHAUSTED, "the server ran out of memory answering this"
                + " request; retry later, or ask for smaller values");
    }

    static Error error(ErrorCode code, String message) {
        return Error.newBuilder().setCode(code).setMessage(message).build();
    }
}
