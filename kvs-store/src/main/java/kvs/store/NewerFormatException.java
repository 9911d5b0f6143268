package kvs.store;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A data file of a format version newer than this build reads: written by a newer kvs. Never
 * damage: a store holding one refuses to open (salvage included, which would set the file aside
 * and lose its records), {@code --check} reports it, and nothing is changed.
 */
public final class NewerFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final int version;

    public NewerFormatException(Path file, int version) {
        super(file + " is format version " + version + ", written by a newer kvs; this build reads"
                + " versions up to " + RecordFormat.VERSION + ". Nothing was changed: run the kvs"
                + " version that wrote it, or a newer one");
        this.file = file;
        this.version = version;
    }

    public Path file() {
        return file;
    }

    public int version() {
        return version;
    }
}
