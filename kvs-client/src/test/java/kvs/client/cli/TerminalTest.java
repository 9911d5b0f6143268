package kvs.client.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** stderr is a terminal when its file descriptor names a terminal device, whatever stdout is. */
class TerminalTest {

    @Test
    void terminalDevices_areTerminals_pipesAndFilesAreNot() {
        assertTrue(Terminal.isTerminalDevice("/dev/pts/3"));
        assertTrue(Terminal.isTerminalDevice("/dev/tty1"));
        assertTrue(Terminal.isTerminalDevice("/dev/console"));
        assertFalse(Terminal.isTerminalDevice("pipe:[81234]"));
        assertFalse(Terminal.isTerminalDevice("/tmp/bench.log"));
        assertFalse(Terminal.isTerminalDevice("/dev/null"));
    }

    @Test
    void stderrIsTerminal_notUnderTheTestRunner() {
        // Surefire's forked JVM writes its stderr to a pipe.
        assertFalse(Terminal.stderrIsTerminal());
    }
}
