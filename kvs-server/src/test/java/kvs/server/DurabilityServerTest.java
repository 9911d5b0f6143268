package kvs.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import kvs.common.HostPort;
import kvs.proto.ErrorCode;
import kvs.proto.Request;
import kvs.proto.Response;
import kvs.proto.Stats;
import kvs.store.FaultyIo;
import kvs.store.Store;
import kvs.store.StoreOptions;
import kvs.store.SyncPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Durability and storage failures as a client sees them: a real socket, and a store whose file
 * I/O the test observes and breaks through {@link FaultyIo}.
 */
class DurabilityServerTest {

    @TempDir
    Path dir;
    final FaultyIo io = new FaultyIo();
    KvsServer server;

    private RawSocket start(SyncPolicy sync) throws IOException {
        server = KvsServer.start(ServerConfig.of(new HostPort("127.0.0.1", 0), dir)
                .withStore(StoreOptions.defaults().withSync(sync).withIo(io)));
        return new RawSocket(server.localAddress());
    }

    @AfterEach
    void stop() throws IOException {
        io.releaseAll();
        io.spaceLeft(Long.MAX_VALUE);
        io.failForces(p -> false, null);
        if (server != null) {
            server.close();
        }
    }

    @Test
    void syncAlways_aSetIsAnsweredOnlyOnceItsFsyncHasReturned() throws Exception {
        try (RawSocket c = start(SyncPolicy.ALWAYS)) {
            int opening = io.forcesDone();
            io.holdForces();
            c.send(ServerTest.set(1, "k", "v"));
            assertTrue(io.awaitForcesEntered(opening + 1, Duration.ofSeconds(30)), "no fsync began");
            c.socket.setSoTimeout(1000);
            assertThrows(SocketTimeoutException.class, c::read,
                    "the SET was answered while the fsync of its write had not returned");
            c.socket.setSoTimeout(30_000);
            io.release(1);
            assertEquals(Response.ResultCase.DONE, c.read().getResultCase());
            Path data = dir.resolve("000000001.data");
            assertEquals(io.writtenEnd(data), io.syncedEnd(data), "the answer came after the fsync");
        }
    }

    @Test
    void diskFull_setGetsAStorageErrorSayingSo_readsGoOn_andSetsSucceedOnceSpaceIsBack() throws Exception {
        try (RawSocket c = start(SyncPolicy.INTERVAL)) {
            assertEquals(Response.ResultCase.DONE, c.call(ServerTest.set(1, "a", "1")).getResultCase());
            io.spaceLeft(5);
            Response full = c.call(ServerTest.set(2, "b", "2"));
            assertEquals(ErrorCode.STORAGE, full.getError().getCode());
            assertTrue(full.getError().getMessage().contains("the disk is full"), full.toString());
            assertEquals(ByteString.copyFromUtf8("1"), c.call(ServerTest.get(3, "a")).getValue().getValue());
            assertEquals(Response.ResultCase.NOT_FOUND, c.call(ServerTest.get(4, "b")).getResultCase());
            io.spaceLeft(Long.MAX_VALUE);
            assertEquals(Response.ResultCase.DONE, c.call(ServerTest.set(5, "b", "2")).getResultCase());
            assertEquals(ByteString.copyFromUtf8("2"), c.call(ServerTest.get(6, "b")).getValue().getValue());
        }
    }

    @Test
    void failedFsync_writesAreRefusedNamingIt_readsGoOn_statsShowIt_andARestartClearsIt() throws Exception {
        try (RawSocket c = start(SyncPolicy.ALWAYS)) {
            assertEquals(Response.ResultCase.DONE, c.call(ServerTest.set(1, "a", "1")).getResultCase());
            io.failForces(p -> p.getFileName().toString().endsWith(".data"),
                    new IOException("Input/output error"));
            Response unsure = c.call(ServerTest.set(2, "b", "2"));
            assertEquals(ErrorCode.STORAGE, unsure.getError().getCode());
            assertTrue(unsure.getError().getMessage().contains("may not survive"), unsure.toString());
            io.failForces(p -> false, null);
            Response refused = c.call(ServerTest.set(3, "c", "3"));
            assertEquals(ErrorCode.STORAGE, refused.getError().getCode());
            String m = refused.getError().getMessage();
            assertTrue(m.contains("read-only") && m.contains("Input/output error") && m.contains("restart"), m);
            assertEquals(ByteString.copyFromUtf8("1"), c.call(ServerTest.get(4, "a")).getValue().getValue());
            assertEquals(1L, stats(c, 5).getStats().getValuesOrThrow("read_only"));
        }
        server.close();
        try (RawSocket c = start(SyncPolicy.ALWAYS)) {
            assertEquals(0L, stats(c, 1).getStats().getValuesOrThrow("read_only"));
            assertEquals(Response.ResultCase.DONE, c.call(ServerTest.set(2, "c", "3")).getResultCase());
        }
    }

    @Test
    void shutdownOnAFullDisk_isClean_andKeepsEveryAcknowledgedWrite() throws Exception {
        try (RawSocket c = start(SyncPolicy.ALWAYS)) {
            for (int i = 1; i <= 10; i++) {
                assertEquals(Response.ResultCase.DONE, c.call(ServerTest.set(i, "k" + i, "v" + i))
                        .getResultCase());
            }
        }
        io.spaceLeft(0); // the active file's hint cannot be written
        server.close();
        assertNull(server.closeFailure(), "kvs-server would exit 1");
        server = null;
        try (Stream<Path> files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.toString().endsWith(".hint") || p.toString().endsWith(".tmp")));
        }
        try (Store s = Store.open(dir)) {
            for (int i = 1; i <= 10; i++) {
                assertEquals("v" + i, new String(s.get(("k" + i).getBytes())));
            }
        }
    }

    @Test
    void sigterm_whenTheActiveFilesHintCannotBeWritten_exits0_andKeepsEveryWrite() throws Exception {
        try (ServerProcess process = ServerProcess.start(dir, "--sync", "always")) {
            try (RawSocket c = new RawSocket(process.address)) {
                for (int i = 1; i <= 10; i++) {
                    assertEquals(Response.ResultCase.DONE, c.call(ServerTest.set(i, "k" + i, "v" + i))
                            .getResultCase());
                }
            }
            // A directory where the hint is written first: creating it fails, as on a full disk.
            Path blocker = dir.resolve("000000001.hint.tmp");
            Files.createDirectories(blocker.resolve("x"));
            process.process.toHandle().destroy(); // SIGTERM
            assertEquals(0, process.waitFor(30), process.log());
            assertTrue(process.log().contains("could not write hint file"), process.log());
            Files.delete(blocker.resolve("x"));
            Files.delete(blocker);
        }
        try (Store s = Store.open(dir)) {
            for (int i = 1; i <= 10; i++) {
                assertEquals("v" + i, new String(s.get(("k" + i).getBytes())));
            }
        }
    }

    private static Response stats(RawSocket c, long id) throws IOException {
        return c.call(Request.newBuilder().setId(id).setStats(Stats.getDefaultInstance()).build());
    }
}
