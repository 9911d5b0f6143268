package kvs.client.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Output that cannot be written fails the command: {@code kvs-client ... > /dev/full} exits 1. */
class ClientOutputTest {

    @TempDir
    Path dir;

    /** Like a file on a full disk: every write fails. */
    private static final class FullDisk extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            throw new IOException("No space left on device");
        }
    }

    @Test
    void outputThatFailed_turnsSuccessIntoFailure_withAMessage() {
        PrintStream out = new PrintStream(new FullDisk(), true, StandardCharsets.UTF_8);
        out.println("a value");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(1, ClientMain.outputChecked(0, out, new PrintStream(err, true, StandardCharsets.UTF_8)));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("cannot write to standard output"), err.toString());
    }

    @Test
    void outputThatWasWritten_leavesTheCodeAsItWas() {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(sink, true, StandardCharsets.UTF_8);
        out.println("a value");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
        assertEquals(0, ClientMain.outputChecked(0, out, errStream));
        assertEquals(2, ClientMain.outputChecked(2, out, errStream));
        assertEquals("", err.toString(StandardCharsets.UTF_8));
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"set", "get", "rm", "compact", "ping", "stats", "bench"})
    void version_onEverySubcommand(String subcommand) {
        for (String flag : new String[] {"-V", "--version"}) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code = ClientMain.commandLine(new java.io.ByteArrayInputStream(new byte[0]), out, err)
                    .execute(subcommand, flag);
            assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
            String printed = out.toString(StandardCharsets.UTF_8);
            assertTrue(printed.startsWith("kvs-client " + subcommand + " " + kvs.common.Version.get() + "\n")
                    || printed.startsWith("kvs-client " + subcommand + " " + kvs.common.Version.get() + "\r\n"),
                    subcommand + " " + flag + ": " + printed);
        }
    }

    /** The real program, its standard output on /dev/full (Linux), and on a file for contrast. */
    @Test
    void realProcess_printingToDevFull_exits1() throws Exception {
        File full = new File("/dev/full");
        assumeTrue(full.exists(), "no /dev/full on this system: skipped");
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), ClientMain.class.getName(), "--version");
        Path errFile = dir.resolve("err");
        Process p = new ProcessBuilder(cmd).redirectOutput(full).redirectError(errFile.toFile()).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(1, p.exitValue(), Files.readString(errFile));
        assertTrue(Files.readString(errFile).contains("cannot write to standard output"), Files.readString(errFile));

        Path outFile = dir.resolve("out");
        Process ok = new ProcessBuilder(cmd).redirectOutput(outFile.toFile()).redirectError(errFile.toFile()).start();
        assertTrue(ok.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, ok.exitValue(), Files.readString(errFile));
        assertTrue(Files.readString(outFile).contains("kvs-client"), Files.readString(outFile));
    }
}
