package kvs.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The keydir budget ({@link StoreOptions#maxKeydirBytes}): new keys refused, nothing lost. */
class KeydirBudgetTest {

    /** Room for the first page of entries (80 KiB) and about two thousand small keys. */
    private static final long BUDGET = 200_000;

    @TempDir
    Path dir;

    private static byte[] b(String s) {
        return s.getBytes(UTF_8);
    }

    /** Sets key0, key1, ... until the budget refuses one; returns how many were set. */
    private static int fill(Store s) throws IOException {
        for (int i = 0; i < 100_000; i++) {
            try {
                s.set(b("key" + i), b("v" + i));
            } catch (KeydirFullException full) {
                return i;
            }
        }
        throw new AssertionError("100,000 keys fit in a budget of " + BUDGET + " bytes");
    }

    @Test
    void set_ofANewKey_pastTheBudget_isRefused_andNothingIsWritten() throws IOException {
        try (Store s = Store.open(dir, StoreOptions.defaults().withMaxKeydirBytes(BUDGET))) {
            int held = fill(s);
            assertTrue(held > 1000, "keys held under the budget: " + held);
            assertTrue(s.keydir.heapBytes() <= BUDGET, "the budget is hard: " + s.keydir.heapBytes());
            long bytes = s.stats().totalBytes();
            KeydirFullException refused = assertThrows(KeydirFullException.class,
                    () -> s.set(b("one-more"), b("x")));
            assertEquals(BUDGET, refused.limit());
            assertTrue(refused.getMessage().contains(BUDGET + " bytes"), refused.getMessage());
            assertTrue(refused.getMessage().contains("--max-keydir-bytes"), refused.getMessage());
            assertEquals(bytes, s.stats().totalBytes(), "a refused set writes nothing");
            assertEquals(held, s.size());
            assertNull(s.get(b("one-more")));
            for (int i = 0; i < held; i++) {
                assertArrayEquals(b("v" + i), s.get(b("key" + i)), "key" + i);
            }
        }
    }

    @Test
    void setAll_nearTheBudget_declines_soThatEachSetGetsItsOwnAnswer() throws Exception {
        try (Store s = Store.open(dir, StoreOptions.defaults().withMaxKeydirBytes(BUDGET))) {
            int held = fill(s);
            List<byte[]> keys = List.of(b("key0"), b("brand-new"));
            List<java.nio.ByteBuffer> values = List.of(java.nio.ByteBuffer.wrap(b("x")), java.nio.ByteBuffer.wrap(b("y")));
            assertNull(s.trySetAllAsync(keys, values), "declined: it might pass the budget");
            assertArrayEquals(b("v0"), s.get(b("key0")), "nothing was written");
            assertEquals(held, s.size());
            s.trySetAsync(b("key0"), values.get(0)).get(); // an overwrite still goes
            assertThrows(KeydirFullException.class, () -> s.trySetAsync(b("brand-new"), values.get(1)));
            assertArrayEquals(b("x"), s.get(b("key0")));
        }
        try (Store s = Store.open(dir.resolve("second"),
                StoreOptions.defaults().withMaxKeydirBytes(BUDGET))) {
            s.trySetAllAsync(List.of(b("a"), b("b")), List.of(java.nio.ByteBuffer.wrap(b("1")),
                    java.nio.ByteBuffer.wrap(b("2")))).get(); // far from the budget, a batch goes
            assertArrayEquals(b("2"), s.get(b("b")));
            assertEquals(2, s.size());
        }
    }

    @Test
    void whenFull_existingKeysCanBeOverwrittenAndRemoved_andRemovingMakesRoom() throws IOException {
        try (Store s = Store.open(dir, StoreOptions.defaults().withMaxKeydirBytes(BUDGET))) {
            int held = fill(s);
            s.set(b("key0"), b("a new value, longer than the first"));
            assertArrayEquals(b("a new value, longer than the first"), s.get(b("key0")));
            assertThrows(KeydirFullException.class, () -> s.set(b("key" + held), b("v")));
            assertTrue(s.remove(b("key1")));
            s.set(b("key" + held), b("fits now")); // no longer than the key removed
            assertArrayEquals(b("fits now"), s.get(b("key" + held)));
            assertEquals(held, s.size());
        }
    }

    @Test
    void open_ofAStoreOverItsBudget_opensWithEverything_logsIt_andRefusesNewKeys() throws IOException {
        int n = 5000;
        try (Store s = Store.open(dir)) {
            for (int i = 0; i < n; i++) {
                s.set(b("key" + i), b("v" + i));
            }
        }
        List<String> log = new ArrayList<>();
        try (LogCapture capture = LogCapture.of(Store.class, log);
                Store s = Store.open(dir, StoreOptions.defaults().withMaxKeydirBytes(BUDGET))) {
            assertEquals(n, s.size(), "nothing on disk is dropped");
            for (int i = 0; i < n; i += 97) {
                assertArrayEquals(b("v" + i), s.get(b("key" + i)), "key" + i);
            }
            assertTrue(log.stream().anyMatch(l -> l.contains("over its budget of " + BUDGET)), log.toString());
            assertThrows(KeydirFullException.class, () -> s.set(b("new"), b("x")));
            s.set(b("key7"), b("overwritten"));
            assertArrayEquals(b("overwritten"), s.get(b("key7")));
            assertTrue(s.remove(b("key8")));
        }
    }

    @Test
    void unlimited_byDefault() {
        assertEquals(StoreOptions.UNLIMITED, StoreOptions.defaults().maxKeydirBytes());
        assertThrows(IllegalArgumentException.class, () -> StoreOptions.defaults().withMaxKeydirBytes(0));
    }
}
