package kvs.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import kvs.common.HostPort;
import kvs.proto.ErrorCode;
import kvs.proto.Get;
import kvs.proto.Request;
import kvs.proto.Response;
import kvs.store.Store;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a failed request logs: one line per expected failure, throttled per kind, with the count
 * held back; a stack trace only for a bug. The log is captured from java.util.logging, which
 * backs the server's {@link System.Logger}s.
 */
class FailureLogTest {

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    @TempDir
    Path dir;

    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    /** Where the server's and the store's loggers meet. */
    private final Logger logger = Logger.getLogger("kvs.server");
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            records.add(r);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private final AtomicLong now = new AtomicLong();
    private final FailureLog log = new FailureLog(new LogThrottle<>(SECOND, now::get));

    @BeforeEach
    void capture() {
        logger.addHandler(capture);
    }

    @AfterEach
    void release() {
        logger.removeHandler(capture);
    }

    /** A damaged record read a thousand times: one line, no trace; then the count, a second on. */
    @Test
    void damagedRecordReadRepeatedly_oneLineASecond_withTheCountHeldBack_noStackTrace() throws Exception {
        try (Store store = Store.open(dir)) {
            store.set(bytes("k"), bytes("a value to damage"));
            try (FileChannel data = FileChannel.open(dir.resolve("000000001.data"), StandardOpenOption.WRITE)) {
                data.write(ByteBuffer.wrap(new byte[] {'X'}), data.size() - 1);
            }
            StoreCommands commands = new StoreCommands(store,
                    ServerConfig.of(new HostPort("127.0.0.1", 0), dir), () -> false, new ServerStats(), log);
            for (int i = 1; i <= 1000; i++) {
                Response r = commands.handle(get(i)).get(10, TimeUnit.SECONDS);
                assertEquals(ErrorCode.STORAGE, r.getError().getCode(), r.toString());
            }
            assertEquals(1, records.size(), "one line for a thousand failures of one kind: " + messages());
            LogRecord first = records.get(0);
            assertEquals(Level.SEVERE, first.getLevel());
            assertNull(first.getThrown(), "an expected failure has no stack trace");
            assertTrue(first.getMessage().startsWith("request 1 (GET) failed: STORAGE: stored data is damaged"),
                    first.getMessage());

            now.addAndGet(5 * SECOND);
            commands.handle(get(1001)).get(10, TimeUnit.SECONDS);
            assertEquals(2, records.size());
            assertTrue(records.get(1).getMessage().endsWith("(and 999 more like it in the last 5 s)"),
                    records.get(1).getMessage());
        }
    }

    @Test
    void bug_loggedWithItsStackTrace_butThrottledToo() {
        NullPointerException bug = new NullPointerException("a bug");
        kvs.proto.Error error = ErrorMapper.storeFailure(bug);
        log.failed(get(7), bug, error);
        log.failed(get(8), bug, error);
        assertEquals(1, records.size());
        assertEquals(Level.SEVERE, records.get(0).getLevel());
        assertNotNull(records.get(0).getThrown());
        assertTrue(records.get(0).getMessage().contains("this is a bug"), records.get(0).getMessage());
    }

    @Test
    void differentKinds_eachGetsItsLine() {
        log.failed(get(1), new java.io.IOException("No space left on device"),
                ErrorMapper.storeFailure(new java.io.IOException("No space left on device")));
        log.failed(get(2), new IllegalArgumentException("bad key"),
                ErrorMapper.storeFailure(new IllegalArgumentException("bad key")));
        assertEquals(2, records.size());
        assertEquals(Level.SEVERE, records.get(0).getLevel());
        assertEquals(Level.WARNING, records.get(1).getLevel(), "bad input is the client's doing");
        assertTrue(records.get(1).getMessage().contains("BAD_REQUEST: bad key"), records.get(1).getMessage());
    }

    private List<String> messages() {
        return records.stream().limit(5).map(LogRecord::getMessage).toList();
    }

    private static Request get(long id) {
        return Request.newBuilder().setId(id).setGet(Get.newBuilder().setKey(ByteString.copyFromUtf8("k")))
                .build();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
