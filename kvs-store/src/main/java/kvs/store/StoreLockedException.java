package kvs.store;

import java.io.IOException;
import java.nio.file.Path;

/** The store directory is already open, by this process or another. */
public final class StoreLockedException extends IOException {
    private static final long serialVersionUID = 1L;

    public StoreLockedException(Path dir) {
        super("data directory " + dir + " is in use by another kvs process (or another store in"
                + " this one); stop it, or choose another directory");
    }
}
