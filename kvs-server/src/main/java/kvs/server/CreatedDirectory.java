package kvs.server;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The part of a data directory's path that a start is about to create, so that a start that
 * fails removes it again: a mistyped {@code --dir} with an address in use must not leave a new,
 * empty store behind. What it removes was created by this start, which never listened, so it
 * holds no one's data: the lock file and an empty first data file at most.
 */
final class CreatedDirectory {

    private static final System.Logger LOG = System.getLogger(CreatedDirectory.class.getName());

    /** The outermost directory of the path that did not exist, or null if the whole path did. */
    private final Path top;

    private CreatedDirectory(Path top) {
        this.top = top;
    }

    /** Notes which part of {@code dir}'s path does not exist yet. */
    static CreatedDirectory before(Path dir) {
        Path top = null;
        for (Path p = dir.toAbsolutePath().normalize(); p != null && Files.notExists(p); p = p.getParent()) {
            top = p;
        }
        return new CreatedDirectory(top);
    }

    /** Removes what was created since {@link #before}; a failure to is added to {@code cause}. */
    void remove(Exception cause) {
        if (top == null || !Files.isDirectory(top)) {
            return;
        }
        try {
            Files.walkFileTree(top, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    if (e != null) {
                        throw e;
                    }
                    Files.delete(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            LOG.log(Level.WARNING, "the start failed, and removing the directory it created, {0},"
                    + " failed too: {1}", top, e.getMessage());
            cause.addSuppressed(e);
        }
    }
}
