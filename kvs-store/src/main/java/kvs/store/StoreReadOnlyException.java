package kvs.store;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;

/**
 * A write refused because an fsync failed earlier: the store keeps serving reads but refuses
 * every write until it is reopened, since after a failed fsync the kernel may have dropped
 * written pages, and no later fsync can tell which.
 */
public final class StoreReadOnlyException extends IOException {
    private static final long serialVersionUID = 1L;

    StoreReadOnlyException(Path file, Instant when, IOException cause) {
        super("the store is read-only since an fsync of " + file + " failed at " + when + ": "
                + cause.getMessage() + "; reads go on; restart the server to recover (opening"
                + " replays the files)", cause);
    }
}
