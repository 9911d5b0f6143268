package kvs.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@link Store#backup}: a copy made while the store serves opens to a point in its history. */
class BackupTest {

    /** Small files, so that a store spans many; compaction only when asked. */
    private static final StoreOptions SMALL = StoreOptions.defaults().withMaxSegmentBytes(4096)
            .withCompactMinBytes(Long.MAX_VALUE / 2);

    @TempDir
    Path tmp;

    private static byte[] b(String s) {
        return s.getBytes(UTF_8);
    }

    @Test
    void theCopyOpensToTheStoresContents_andTheStoreGoesOn() throws IOException {
        Path target = tmp.resolve("backup");
        try (Store store = Store.open(tmp.resolve("data"), SMALL)) {
            for (int i = 0; i < 300; i++) {
                store.set(b("key" + i), b("value" + i + "-".repeat(i % 40)));
            }
            for (int i = 0; i < 300; i += 3) {
                store.remove(b("key" + i));
            }
            store.backup(target);
            store.set(b("after"), b("not in the backup"));
            store.set(b("key1"), b("changed after"));
            assertArrayEquals(b("changed after"), store.get(b("key1")));
        }
        assertFalse(Files.exists(target.resolve("LOCK")), "a backup holds no lock file of its own");
        // Hints were linked or written too: every data file of the copy has its hint.
        try (var files = Files.list(target)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String name = f.getFileName().toString();
                if (name.endsWith(".data")) {
                    assertTrue(Files.exists(target.resolve(name.replace(".data", ".hint"))), name);
                }
            }
        }
        try (Store copy = Store.open(target, SMALL)) {
            assertEquals(200, copy.size());
            for (int i = 0; i < 300; i++) {
                byte[] v = copy.get(b("key" + i));
                if (i % 3 == 0) {
                    assertNull(v, "key" + i);
                } else {
                    assertArrayEquals(b("value" + i + "-".repeat(i % 40)), v, "key" + i);
                }
            }
            assertNull(copy.get(b("after")));
        }
    }

    @Test
    void anExistingTarget_isRefusedAndLeftAlone() throws IOException {
        Path target = Files.createDirectories(tmp.resolve("backup"));
        Files.writeString(target.resolve("mine.txt"), "someone's file");
        try (Store store = Store.open(tmp.resolve("data"), SMALL)) {
            store.set(b("k"), b("v"));
            assertThrows(FileAlreadyExistsException.class, () -> store.backup(target));
            assertArrayEquals(b("v"), store.get(b("k")));
        }
        assertEquals("someone's file", Files.readString(target.resolve("mine.txt")));
        try (var files = Files.list(target)) {
            assertEquals(1, files.count());
        }
    }

    @Test
    void anEmptyStore_backsUpToAnEmptyStore() throws IOException {
        Path target = tmp.resolve("backup");
        try (Store store = Store.open(tmp.resolve("data"), SMALL)) {
            store.backup(target);
        }
        try (Store copy = Store.open(target, SMALL)) {
            assertEquals(0, copy.size());
        }
    }

    /**
     * Writers and a compaction run through the backup: every write acknowledged before the backup
     * began is in the copy, with that value or a newer one (values count up per key).
     */
    @Test
    @Timeout(120)
    void underWritesAndCompaction_everyWriteAcknowledgedBeforeIsInTheCopy() throws Exception {
        Path target = tmp.resolve("backup");
        int keys = 200;
        Map<Integer, Integer> acknowledged = new ConcurrentHashMap<>();
        AtomicBoolean stop = new AtomicBoolean();
        try (Store store = Store.open(tmp.resolve("data"), SMALL)) {
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    for (int n = 0; n < 200_000 && !stop.get(); n++) {
                        int k = n % keys;
                        store.set(b("key" + k), b(Integer.toString(n)));
                        acknowledged.put(k, n);
                    }
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            // Let the writer fill a few files, then start a compaction and back up beside it.
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (acknowledged.size() < keys && System.nanoTime() < deadline && !writer.isDone()) {
                Thread.onSpinWait();
            }
            CompletableFuture<Void> compaction = store.compactAsync();
            Map<Integer, Integer> before = new HashMap<>(acknowledged);
            store.backup(target);
            stop.set(true);
            writer.get();
            compaction.get();
            assertEquals(keys, before.size(), "the writer wrote every key before the backup");

            try (Store copy = Store.open(target, SMALL)) {
                assertEquals(keys, copy.size());
                for (Map.Entry<Integer, Integer> e : before.entrySet()) {
                    byte[] v = copy.get(b("key" + e.getKey()));
                    assertNotNull(v, "key" + e.getKey());
                    int inCopy = Integer.parseInt(new String(v, UTF_8));
                    assertTrue(inCopy >= e.getValue(), "key" + e.getKey() + ": " + inCopy + " in the copy, "
                            + e.getValue() + " acknowledged before the backup");
                    assertTrue(inCopy % keys == e.getKey(), "a value of this key");
                }
            }
        }
    }

    /**
     * Under a writer, the active file holds records again by the time the backup copies: only the
     * length noted with the seal is copied, so every file of the copy is whole (no torn tail), and
     * no file of the copy is the store's own active file (it would grow with later writes).
     */
    @Test
    @Timeout(120)
    void underAWriter_theCopysFilesAreWhole_andNoneGrowsAfterwards() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        StoreOptions options = StoreOptions.defaults().withMaxSegmentBytes(64 * 1024)
                .withCompactMinBytes(Long.MAX_VALUE / 2);
        try (Store store = Store.open(tmp.resolve("data"), options)) {
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    for (int n = 0; n < 1_000_000 && !stop.get(); n++) {
                        store.set(b("key" + (n % 50)), b("value " + n));
                    }
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            Map<Path, Long> sizes = new HashMap<>();
            for (int round = 0; round < 10 && !writer.isDone(); round++) {
                Path target = tmp.resolve("backup" + round);
                store.backup(target);
                try (var files = Files.list(target)) {
                    for (Path f : (Iterable<Path>) files::iterator) {
                        sizes.put(f, Files.size(f));
                        if (f.getFileName().toString().endsWith(".data")) {
                            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
                                assertNull(SegmentScanner.scan(ch, (offset, size, seq, type, key, expiry) -> { }),
                                        f + " is whole");
                            }
                        }
                    }
                }
            }
            Thread.sleep(50); // a window for the writer to append to any file shared by mistake
            stop.set(true);
            writer.get();
            for (Map.Entry<Path, Long> e : sizes.entrySet()) {
                assertEquals(e.getValue(), Files.size(e.getKey()), e.getKey() + " changed after its backup");
            }
        }
    }

    @Test
    void aBackupCutShortEarlier_isReplaced_andNeverLooksWhole() throws IOException {
        Path target = tmp.resolve("backup");
        Path leftover = Files.createDirectories(tmp.resolve(".backup.partial"));
        Files.writeString(leftover.resolve("000000007.data"), "half of a file");
        try (Store store = Store.open(tmp.resolve("data"), SMALL)) {
            store.set(b("k"), b("v"));
            store.backup(target);
        }
        assertFalse(Files.exists(leftover));
        assertFalse(Files.exists(target.resolve("000000007.data")));
        try (Store copy = Store.open(target, SMALL)) {
            assertArrayEquals(b("v"), copy.get(b("k")));
        }
    }
}
