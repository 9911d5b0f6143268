package kvs.client.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether this process's standard error is a terminal, for {@code bench}'s progress line, which
 * redraws itself with carriage returns that would garble a log file.
 *
 * <p>Java 17 has only {@link System#console()}, which answers for standard input and output: with
 * {@code 2> log} it still says "a terminal". On Linux, {@code /proc/self/fd/2} names the device;
 * elsewhere the console is the best guess there is.
 */
final class Terminal {

    private Terminal() {
    }

    static boolean stderrIsTerminal() {
        try {
            return isTerminalDevice(Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString());
        } catch (IOException | UnsupportedOperationException | SecurityException noProc) {
            return System.console() != null;
        }
    }

    /** Whether a file descriptor's target ({@code /dev/pts/3}, {@code pipe:[812]}, a file) is a terminal. */
    static boolean isTerminalDevice(String target) {
        return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
    }
}
