package kvs.store;

import java.io.IOException;

/**
 * A write was applied (it is in the file, and visible to reads) but the fsync that was to make
 * it durable failed: whether it survives power loss is unknown.
 */
public final class DurabilityUnknownException extends IOException {
    private static final long serialVersionUID = 1L;

    public DurabilityUnknownException(IOException cause) {
        super("the write was applied, but the fsync that was to make it durable failed ("
                + cause.getMessage() + "); it may not survive a power loss", cause);
    }
}
