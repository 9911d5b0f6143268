package kvs.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;

/**
 * The seam through which the store opens the files it writes: data files, hint files and the
 * directory it fsyncs. Every append, truncation and fsync of the store goes through a channel
 * this returns, so an implementation sees each of them, in order, and can make any of them fail.
 *
 * <p>The default, {@link #real()}, is {@link FileChannel#open}. Other implementations are a hook
 * for tests (observe every {@code force()}, fail a write with "No space left on device", hold or
 * fail an fsync), passed in with {@link StoreOptions#withIo}; it is public so that server tests
 * can pass one in too. Files the store only reads are opened directly.
 */
@FunctionalInterface
public interface StorageIo {

    /** Opens {@code path} as {@link FileChannel#open(Path, OpenOption...)} does. */
    FileChannel open(Path path, OpenOption... options) throws IOException;

    /** The file system itself. */
    static StorageIo real() {
        return RealIo.INSTANCE;
    }
}
