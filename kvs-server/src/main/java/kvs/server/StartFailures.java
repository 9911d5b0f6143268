package kvs.server;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The one place where a file-system failure that stops {@code kvs-server} becomes a message an
 * operator can act on. The JDK's {@link FileSystemException}s say only the path (a bare
 * {@code /x/y} for permission denied); this says what was being done to which file of the
 * data directory (creating it, opening it, locking it, opening a data file), why it failed, and
 * what to look at.
 */
final class StartFailures {

    /** What was being done, two ways: "permission denied creating ..." and "cannot create ...". */
    private record Operation(String doing, String infinitive, String object, String look) {
    }

    private StartFailures() {
    }

    /**
     * The message for {@code e}, which stopped a server (or {@code --check}) on data directory
     * {@code dir}: without the {@code kvs-server: } prefix.
     */
    static String describe(IOException e, Path dir) {
        if (e.getCause() instanceof AccessDeniedException denied) {
            return describe(denied, dir); // a data file the loader could not read, say
        }
        if (!(e instanceof FileSystemException f) || f.getFile() == null) {
            return e.getMessage();
        }
        Path file = Path.of(f.getFile()).toAbsolutePath().normalize();
        Operation op = dir == null ? null : operation(file, dir.toAbsolutePath().normalize());
        if (op == null) {
            if (e instanceof NoSuchFileException) {
                return "no such file or directory: " + file;
            }
            if (e instanceof AccessDeniedException) {
                return "permission denied: " + file + ": check that the user running kvs-server may"
                        + " read and write it (ls -ld " + file + ")";
            }
            return e.getMessage();
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied " + op.doing() + " " + op.object() + ": check that the user"
                    + " running kvs-server may " + (op.infinitive().equals("create") ? "write there"
                    : "read and write it") + " (" + op.look() + ")";
        }
        String reason = f.getReason() != null ? f.getReason() : e.getClass().getSimpleName();
        return "cannot " + op.infinitive() + " " + op.object() + ": " + reason + "; check it ("
                + op.look() + "), or choose another --dir";
    }

    /** What the failure on {@code file} was doing to data directory {@code dir}, or null. */
    private static Operation operation(Path file, Path dir) {
        if (file.equals(dir.resolve("LOCK"))) {
            return new Operation("locking", "lock", "data directory " + dir + " (file " + file + ")",
                    "ls -l " + file);
        }
        if (dir.startsWith(file) && !Files.isDirectory(file)) {
            Path parent = file.getParent() == null ? file : file.getParent();
            return new Operation("creating", "create", "data directory " + dir, "ls -ld " + parent);
        }
        if (file.equals(dir)) {
            return new Operation("opening", "open", "data directory " + dir, "ls -ld " + dir);
        }
        if (dir.equals(file.getParent())) {
            return new Operation("opening", "open", "data file " + file, "ls -l " + file);
        }
        return null;
    }
}
