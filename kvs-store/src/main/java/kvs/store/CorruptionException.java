package kvs.store;

import java.io.IOException;
import java.nio.file.Path;

/** Damage in a store file: which file, at which offset, and what is wrong. */
public final class CorruptionException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final long offset;

    public CorruptionException(Path file, long offset, String reason) {
        super(file + " at offset " + offset + ": " + reason);
        this.file = file;
        this.offset = offset;
    }

    public Path file() {
        return file;
    }

    public long offset() {
        return offset;
    }
}
