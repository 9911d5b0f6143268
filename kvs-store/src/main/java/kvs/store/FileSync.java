package kvs.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** fsync of a directory, so that files created, renamed or deleted in it stay so after a crash. */
final class FileSync {

    private FileSync() {
    }

    static void directory(Path dir) throws IOException {
        directory(StorageIo.real(), dir);
    }

    static void directory(StorageIo io, Path dir) throws IOException {
        fsync(io, dir);
    }

    /** fsync of a file or directory, opened for reading (Linux syncs through any descriptor). */
    static void fsync(StorageIo io, Path path) throws IOException {
        try (FileChannel ch = io.open(path, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
