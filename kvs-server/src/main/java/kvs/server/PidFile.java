package kvs.server;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * {@code --pid-file}: this process's id and a newline, written once the server listens and
 * removed when it stops, for init scripts and monitors that signal the server by PID.
 *
 * <p>A PID file is a note, not a lock: the data directory's lock is what keeps two servers off
 * one store. So the check at start is kept simple. A file naming a running kvs-server other
 * than this process refuses the start. A file naming a process that is gone, one that is not a
 * kvs-server (PIDs are reused after a crash or a reboot), or this very process (a container
 * restarted under the same PID) is stale, and replaced with a log line. A file that holds
 * anything but a PID is someone else's, and refuses the start rather than being overwritten.
 * Two servers starting at the same moment can both pass the check; the last to write wins.
 *
 * <p>Written under a temporary name and renamed, so that a reader never sees half a PID. Not
 * fsynced: after a power loss the process it names is gone anyway. Removed only if it still
 * names this process, so a server that stops never removes a newer server's file.
 */
final class PidFile implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(PidFile.class.getName());

    /** More than any PID file holds ("4194304\n" is 8 bytes): a longer file is not one. */
    private static final int MAX_BYTES = 32;
    private static final Pattern PID = Pattern.compile("[0-9]{1,18}");
    /** Linux's longest command line is 2 MiB; a kvs-server shows itself well before this. */
    private static final int MAX_COMMAND_LINE_BYTES = 256 * 1024;
    /** How a kvs-server's command line shows it: its main class, or its jar ({@code -jar}). */
    private static final Pattern SERVER_JAR = Pattern.compile("(.*/)?kvs-server[^/]*\\.jar");

    private final Path path;
    private final long pid;
    /** Why the file found at start is being replaced, for the log; null if there was none. */
    private final String replacing;
    private boolean written;

    private PidFile(Path path, long pid, String replacing) {
        this.path = path;
        this.pid = pid;
        this.replacing = replacing;
    }

    /**
     * Checks {@code path} before a start, writing nothing.
     *
     * @throws IOException if it names a running kvs-server other than this process, holds
     *     something other than a PID, or cannot be read; the message says what to do
     */
    static PidFile claim(Path path) throws IOException {
        if (path.getFileName() == null) {
            throw new IOException("--pid-file " + path + " names no file");
        }
        long self = ProcessHandle.current().pid();
        String text = read(path);
        if (text == null) {
            return new PidFile(path, self, null);
        }
        if (text.isEmpty()) {
            return new PidFile(path, self, "it was empty");
        }
        if (!PID.matcher(text).matches()) {
            throw new IOException("PID file " + path + " holds something other than a PID: not"
                    + " replacing it; remove it, or choose another --pid-file");
        }
        long named = Long.parseLong(text);
        if (named == self) {
            return new PidFile(path, self, "it named this process already, PID " + named);
        }
        Optional<ProcessHandle> live = ProcessHandle.of(named).filter(ProcessHandle::isAlive);
        if (live.isEmpty()) {
            return new PidFile(path, self, "PID " + named + " is not running");
        }
        List<String> words = commandLine(live.get());
        if (words.isEmpty()) {
            throw new IOException("PID file " + path + " names PID " + named + ", which is running,"
                    + " but whose command line cannot be seen (another user's process?): if it is"
                    + " not a kvs-server, remove " + path);
        }
        if (isKvsServer(words)) {
            throw new IOException("PID file " + path + " names PID " + named + ", a kvs-server that"
                    + " is running: stop it first (kill -TERM " + named + "), or choose another"
                    + " --pid-file");
        }
        return new PidFile(path, self, "PID " + named + " is not a kvs-server (" + words.get(0) + ")");
    }

    /** Writes this process's PID, replacing whatever {@link #claim} found. */
    void write() throws IOException {
        Path tmp = path.resolveSibling("." + path.getFileName() + "." + pid + ".tmp");
        try {
            Files.writeString(tmp, pid + "\n", StandardCharsets.US_ASCII);
            Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException again) {
                e.addSuppressed(again);
            }
            Path dir = path.toAbsolutePath().getParent();
            throw new IOException("cannot write PID file " + path + ": " + reason(e) + "; check that"
                    + " the user running kvs-server may write in " + dir + " (ls -ld " + dir + ")");
        }
        written = true;
        if (replacing != null) {
            LOG.log(Level.INFO, "replaced the stale PID file {0}: {1}", path, replacing);
        }
    }

    /** Removes the file if this process wrote it and it still names this process. */
    @Override
    public void close() {
        if (!written) {
            return;
        }
        try {
            String text = read(path);
            if (String.valueOf(pid).equals(text)) {
                Files.delete(path);
            } else {
                LOG.log(Level.INFO, "PID file {0} is gone or names another process now: left as it is",
                        path);
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "could not remove PID file {0}: {1}", path, e.getMessage());
        }
    }

    /** The file's text without surrounding white space, or null if there is no file. */
    private static String read(Path path) throws IOException {
        byte[] bytes;
        try (InputStream in = Files.newInputStream(path)) {
            bytes = in.readNBytes(MAX_BYTES + 1);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new IOException("cannot read PID file " + path + ": " + reason(e));
        }
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        return bytes.length > MAX_BYTES ? text : text.strip(); // too long to match PID, stripped or not
    }

    /**
     * The command line of a process, as words; empty if it cannot be seen. From
     * {@code /proc/PID/cmdline} where there is one (Linux): the JDK's {@link ProcessHandle.Info}
     * gives no arguments at all for a command line longer than 4096 bytes, which a JVM with a
     * long class path has.
     */
    private static List<String> commandLine(ProcessHandle process) {
        try (InputStream in = Files.newInputStream(Path.of("/proc", Long.toString(process.pid()), "cmdline"))) {
            String all = new String(in.readNBytes(MAX_COMMAND_LINE_BYTES), StandardCharsets.UTF_8);
            if (!all.isEmpty()) {
                return List.of(all.split("\0"));
            }
        } catch (IOException e) {
            // No /proc (not Linux), or the process is gone: what the JDK can tell.
        }
        ProcessHandle.Info info = process.info();
        List<String> words = new ArrayList<>();
        info.command().ifPresent(words::add);
        info.arguments().ifPresent(args -> words.addAll(List.of(args)));
        if (words.size() < 2) {
            words.clear();
            info.commandLine().ifPresent(line -> words.addAll(List.of(line.split(" "))));
        }
        return words;
    }

    private static boolean isKvsServer(List<String> words) {
        return words.stream().anyMatch(w -> w.equals(ServerMain.class.getName())
                || SERVER_JAR.matcher(w).matches());
    }

    /** The JDK's exceptions for a path say only the path; this says what went wrong. */
    private static String reason(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "no such directory";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getMessage();
    }
}
