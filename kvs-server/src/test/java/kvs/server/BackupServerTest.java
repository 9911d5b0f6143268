package kvs.server;

import static kvs.server.ServerTest.set;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import kvs.common.HostPort;
import kvs.proto.Backup;
import kvs.proto.ErrorCode;
import kvs.proto.Request;
import kvs.proto.Response;
import kvs.store.Store;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The backup request: a copy under --backup-root, and nowhere else. */
class BackupServerTest {

    @TempDir
    Path tmp;

    private static Request backup(long id, String name) {
        return Request.newBuilder().setId(id).setBackup(Backup.newBuilder().setDir(name)).build();
    }

    private KvsServer start(Path backupRoot) throws IOException {
        ServerConfig config = ServerConfig.of(new HostPort("127.0.0.1", 0), tmp.resolve("data"));
        return KvsServer.start(backupRoot == null ? config : config.withBackupRoot(backupRoot));
    }

    @Test
    void aBackupUnderTheRoot_opensAsAStoreWithTheWrites() throws IOException {
        Path root = Files.createDirectories(tmp.resolve("backups"));
        try (KvsServer server = start(root); RawSocket c = new RawSocket(server.localAddress())) {
            for (int i = 0; i < 100; i++) {
                assertEquals(Response.ResultCase.DONE, c.call(set(i, "key" + i, "value" + i)).getResultCase());
            }
            Response r = c.call(backup(200, "first"));
            assertEquals(Response.ResultCase.DONE, r.getResultCase(), r.toString());
            assertEquals(200, r.getId());
            assertEquals(Response.ResultCase.DONE, c.call(set(201, "later", "x")).getResultCase());
        }
        try (Store copy = Store.open(root.resolve("first"))) {
            assertEquals(100, copy.size());
            assertArrayEquals("value42".getBytes(StandardCharsets.UTF_8),
                    copy.get("key42".getBytes(StandardCharsets.UTF_8)));
        }
    }

    @Test
    void withoutABackupRoot_backupsAreRefused_sayingHowToTurnThemOn() throws IOException {
        try (KvsServer server = start(null); RawSocket c = new RawSocket(server.localAddress())) {
            Response r = c.call(backup(1, "b"));
            assertEquals(ErrorCode.BAD_REQUEST, r.getError().getCode());
            assertTrue(r.getError().getMessage().contains("--backup-root"), r.getError().getMessage());
        }
        assertFalse(Files.exists(tmp.resolve("b")));
    }

    @Test
    void namesThatLeaveTheRootOrExist_areRefused_andNothingIsWritten() throws IOException {
        Path root = Files.createDirectories(tmp.resolve("backups"));
        Files.createDirectories(root.resolve("taken"));
        try (KvsServer server = start(root); RawSocket c = new RawSocket(server.localAddress())) {
            c.call(set(1, "k", "v"));
            // A symbolic link inside the root, to a directory outside it.
            Files.createSymbolicLink(root.resolve("evil"), Files.createDirectories(tmp.resolve("outside")));
            String[][] cases = {
                {"../escaped", "is not a plain name"},
                {tmp.resolve("elsewhere").toString(), "is not a plain name"},
                {"", "is not a plain name"},
                {".", "is not a plain name"},
                {".hidden", "is not a plain name"},
                {"evil/x", "is not a plain name"},
                {"evil", "exists already"},
                {"taken", "exists already"},
            };
            long id = 10;
            for (String[] bad : cases) {
                Response r = c.call(backup(++id, bad[0]));
                assertEquals(ErrorCode.BAD_REQUEST, r.getError().getCode(), bad[0]);
                assertTrue(r.getError().getMessage().contains(bad[1]), bad[0] + ": " + r.getError().getMessage());
            }
        }
        assertFalse(Files.exists(tmp.resolve("escaped")));
        assertFalse(Files.exists(tmp.resolve("elsewhere")));
        try (var outside = Files.list(tmp.resolve("outside"))) {
            assertEquals(0, outside.count(), "nothing written through the link");
        }
        try (var inTaken = Files.list(root.resolve("taken"))) {
            assertEquals(0, inTaken.count());
        }
    }
}
