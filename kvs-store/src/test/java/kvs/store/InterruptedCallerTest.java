package kvs.store;

import static kvs.store.StoreTest.b;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A caller whose thread is interrupted does not close the store's files for everyone: a
 * {@link java.nio.channels.FileChannel} closes itself when an interrupted thread uses it, so
 * {@link Segment} sets the interrupt aside around each call, and gives it back.
 */
class InterruptedCallerTest {

    @TempDir
    Path dir;

    @AfterEach
    void clearInterrupt() {
        Thread.interrupted();
    }

    @Test
    void setAndGet_byAnInterruptedThread_work_keepTheInterrupt_andLeaveTheFilesOpen() throws IOException {
        try (Store s = Store.open(dir, StoreOptions.defaults().withSync(SyncPolicy.NEVER))) {
            s.set(b("before"), b("0"));
            Thread.currentThread().interrupt();
            s.set(b("k"), b("1"));
            assertArrayEquals(b("0"), s.get(b("before")));
            assertTrue(Thread.interrupted(), "the caller's interrupt is given back");
            s.set(b("after"), b("2"));
            assertArrayEquals(b("1"), s.get(b("k")));
            assertArrayEquals(b("2"), s.get(b("after")));
        }
        try (Store s = Store.open(dir)) {
            assertArrayEquals(b("1"), s.get(b("k")));
            assertArrayEquals(b("2"), s.get(b("after")));
        }
    }
}
