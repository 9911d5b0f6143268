package kvs.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import java.util.stream.Stream;
import kvs.common.HostPort;
import kvs.store.Store;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --pid-file}, through {@link KvsServer} in this process: written once listening, with
 * this process's PID; removed on close; a stale file replaced; someone else's file refused. A
 * running kvs-server in another process refusing the start: {@code ServerProcessTest}.
 */
@Timeout(60)
class PidFileTest {

    @TempDir
    Path dir;

    private final long self = ProcessHandle.current().pid();
    private final List<String> log = new CopyOnWriteArrayList<>();
    /** Held, so that its level is not lost with it to the collector. */
    private final Logger logger = Logger.getLogger(PidFile.class.getName());
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            log.add(new SimpleFormatter().formatMessage(r));
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void capture() {
        logger.setLevel(Level.INFO);
        logger.addHandler(capture);
    }

    @AfterEach
    void release() {
        logger.removeHandler(capture);
        logger.setLevel(null);
    }

    private KvsServer start(Path pidFile) throws IOException {
        return KvsServer.start(ServerConfig.of(new HostPort("127.0.0.1", 0), dir.resolve("data"))
                .withPidFile(pidFile));
    }

    @Test
    void whileRunning_holdsThisProcessesPid_andCloseRemovesIt() throws IOException {
        Path pid = dir.resolve("kvs.pid");
        try (KvsServer server = start(pid)) {
            assertEquals(self + "\n", Files.readString(pid));
            try (Stream<Path> files = Files.list(dir)) {
                assertEquals(List.of("data", "kvs.pid"), files.map(p -> p.getFileName().toString()).sorted()
                        .toList(), "no temporary file left beside it");
            }
        }
        assertTrue(Files.notExists(pid));
        assertEquals(List.of(), log);
    }

    @Test
    void aFileNamingAProcessThatIsGone_isReplaced_saySo() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        assertTrue(gone.waitFor(30, TimeUnit.SECONDS));
        Path pid = Files.writeString(dir.resolve("kvs.pid"), gone.pid() + "\n");
        try (KvsServer server = start(pid)) {
            assertEquals(self + "\n", Files.readString(pid));
            assertEquals(List.of("replaced the stale PID file " + pid + ": PID " + gone.pid() + " is not running"),
                    log);
        }
        assertTrue(Files.notExists(pid));
    }

    /** PIDs are reused: a live process that is not a kvs-server does not hold the file. */
    @Test
    void aFileNamingALiveProcessThatIsNoKvsServer_isReplaced() throws Exception {
        Process other = new ProcessBuilder("sleep", "60").start();
        try {
            Path pid = Files.writeString(dir.resolve("kvs.pid"), Long.toString(other.pid()));
            try (KvsServer server = start(pid)) {
                assertEquals(self + "\n", Files.readString(pid));
                assertEquals(1, log.size(), log.toString());
                assertTrue(log.get(0).startsWith("replaced the stale PID file " + pid + ": PID " + other.pid()
                        + " is not a kvs-server ("), log.get(0));
            }
        } finally {
            other.destroyForcibly();
            other.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** A container restarted under the same PID finds its own PID in the file. */
    @Test
    void aFileNamingThisProcess_orEmpty_isReplaced() throws IOException {
        Path pid = Files.writeString(dir.resolve("kvs.pid"), self + "\n");
        try (KvsServer server = start(pid)) {
            assertEquals(self + "\n", Files.readString(pid));
        }
        Files.writeString(pid, "");
        try (KvsServer server = start(pid)) {
            assertEquals(self + "\n", Files.readString(pid));
        }
        assertEquals(List.of("replaced the stale PID file " + pid + ": it named this process already, PID " + self,
                "replaced the stale PID file " + pid + ": it was empty"), log);
    }

    @Test
    void aFileThatHoldsSomethingElse_refusesTheStart_andIsLeftAlone() throws IOException {
        Path notPid = Files.writeString(dir.resolve("notes.txt"), "not a pid\n");
        IOException e = assertThrows(IOException.class, () -> start(notPid));
        assertEquals("PID file " + notPid + " holds something other than a PID: not replacing it; remove it,"
                + " or choose another --pid-file", e.getMessage());
        assertEquals("not a pid\n", Files.readString(notPid));
        assertTrue(Files.notExists(dir.resolve("data")), "refused before anything was created");
        Path tooLong = Files.writeString(dir.resolve("long.txt"), "1".repeat(40));
        assertThrows(IOException.class, () -> start(tooLong));
    }

    @Test
    void aPidFileThatCannotBeWritten_failsTheStart_leavingNothingRunning() throws IOException {
        Path pid = dir.resolve("missing").resolve("kvs.pid");
        IOException e = assertThrows(IOException.class, () -> start(pid));
        assertEquals("cannot write PID file " + pid + ": no such directory; check that the user running"
                + " kvs-server may write in " + pid.getParent() + " (ls -ld " + pid.getParent() + ")",
                e.getMessage());
        assertTrue(Files.notExists(dir.resolve("data")), "the data directory the start created is gone");
        Store.open(dir.resolve("data")).close(); // and the lock was released
    }

    /** A newer server may have taken the file over: a server that stops removes only its own. */
    @Test
    void close_leavesAFileThatNamesAnotherProcess() throws IOException {
        Path pid = dir.resolve("kvs.pid");
        try (KvsServer server = start(pid)) {
            Files.writeString(pid, "4242\n");
        }
        assertEquals("4242\n", Files.readString(pid));
        assertEquals(List.of("PID file " + pid + " is gone or names another process now: left as it is"), log);
    }
}
