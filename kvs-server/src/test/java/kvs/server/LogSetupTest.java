package kvs.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link LogSetup}: the level and the file that {@code --log-level} and {@code --log-file} set. */
class LogSetupTest {

    @TempDir
    Path dir;

    private final System.Logger log = System.getLogger(LogSetupTest.class.getName());

    @AfterEach
    void backToStderr() throws IOException {
        LogSetup.configure(LogSetup.LogLevel.INFO, null);
    }

    @Test
    void configure_warnToAFile_writesWarningsAndErrorsOnly_oneLineEach() throws IOException {
        Path file = dir.resolve("kvs.log");
        LogSetup.configure(LogSetup.LogLevel.WARN, file);
        log.log(Level.DEBUG, "a debug line");
        log.log(Level.INFO, "an info line");
        log.log(Level.WARNING, "a warning line");
        log.log(Level.ERROR, "an error line");
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        assertEquals(2, lines.size(), lines.toString());
        assertTrue(lines.get(0).endsWith(" WARN  a warning line"), lines.get(0));
        assertTrue(lines.get(1).endsWith(" ERROR an error line"), lines.get(1));
    }

    @Test
    void configure_sameFileAgain_appends_andDebugShowsDebugLines() throws IOException {
        Path file = dir.resolve("kvs.log");
        LogSetup.configure(LogSetup.LogLevel.ERROR, file);
        log.log(Level.WARNING, "not written at error level");
        log.log(Level.ERROR, "first run");
        LogSetup.configure(LogSetup.LogLevel.DEBUG, file);
        log.log(Level.DEBUG, "second run");
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        assertEquals(2, lines.size(), lines.toString());
        assertTrue(lines.get(0).endsWith("ERROR first run"), lines.get(0));
        assertTrue(lines.get(1).endsWith("DEBUG second run"), lines.get(1));
    }

    @Test
    void configure_fileInAMissingDirectory_failsSayingWhatToDo() {
        Path file = dir.resolve("no-such-dir").resolve("kvs.log");
        IOException e = assertThrows(IOException.class, () -> LogSetup.configure(LogSetup.LogLevel.INFO, file));
        assertTrue(e.getMessage().startsWith("cannot open log file " + file), e.getMessage());
        assertTrue(e.getMessage().contains("leave out --log-file"), e.getMessage());
        assertFalse(Files.exists(file));
    }

    @Test
    void parse_acceptsAnyCase_refusesOthersNamingTheChoices() {
        assertEquals(LogSetup.LogLevel.WARN, LogSetup.LogLevel.parse("Warn"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LogSetup.LogLevel.parse("verbose"));
        assertTrue(e.getMessage().contains("error, warn, info or debug"), e.getMessage());
    }
}
