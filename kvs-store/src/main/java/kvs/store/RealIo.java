package kvs.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;

/** {@link StorageIo#real()}: the file system, one instance, so that equal options compare equal. */
enum RealIo implements StorageIo {
    INSTANCE;

    @Override
    public FileChannel open(Path path, OpenOption... options) throws IOException {
        return FileChannel.open(path, options);
    }

    @Override
    public String toString() {
        return "real";
    }
}
