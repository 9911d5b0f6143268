package kvs.server;

import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import kvs.proto.ClientTable;
import kvs.proto.ClientWrite;
import kvs.proto.ErrorCode;
import kvs.proto.LogEntry;
import kvs.proto.LogEntryResults;
import kvs.proto.Request;
import kvs.proto.Response;
import kvs.store.ScanPage;
import kvs.store.Store;
import kvs.store.SyncPolicy;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.LifeCycle;

/**
 * The Bitcask store as Ratis's state machine: each committed log entry is a kvs {@link Request}
 * (a write), applied to the store in log order, one at a time, on Ratis's apply thread; its
 * {@link Response} goes back to the member that took the request. Reads ({@link #query}) are
 * answered from the store once Ratis has made sure it is current (read index).
 *
 * <p>The store is not what makes entries durable: the Raft log is. A member's store is rebuilt at
 * each start from its newest snapshot (a backup of the store, made on the apply thread so that it
 * holds exactly the entries up to its index) and the log after it; so the store does not fsync.
 */
final class ReplicatedStateMachine extends BaseStateMachine {

    private static final System.Logger LOG = System.getLogger(ReplicatedStateMachine.class.getName());

    private final Store store;
    /** The store's clock: each entry is applied at its own time, the same on every member. */
    private final LogClock clock;
    private final StoreCommands local;
    private final RaftSnapshots snapshots = new RaftSnapshots();
    /** Stops this member: its store could not apply an entry that the others did. */
    private final Runnable halt;
    private volatile boolean halted;
    /**
     * Each client's last write applied, for its retries: the same on every member, since every
     * member applies the same entries in order. The least recently written of more than
     * {@link #CLIENTS_KEPT} clients are forgotten. Only the apply thread touches it.
     */
    private final java.util.LinkedHashMap<com.google.protobuf.ByteString, Applied> clients =
            new java.util.LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(java.util.Map.Entry<com.google.protobuf.ByteString, Applied> e) {
                    return size() > CLIENTS_KEPT;
                }
            };
    static final int CLIENTS_KEPT = 100_000;
    /** The client table's file in a snapshot directory. */
    static final String CLIENTS_FILE = "CLIENTS";

    /**
     * @param local applies requests to {@code store} directly (never refusing them for a
     *     shutdown: every member must apply every entry)
     */
    ReplicatedStateMachine(Store store, LogClock clock, StoreCommands local, Runnable halt) {
        this.store = store;
        this.clock = clock;
        this.local = local;
        this.halt = halt;
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage storage) throws IOException {
        getLifeCycle().startAndTransition(() -> {
            super.initialize(server, groupId, storage);
            snapshots.init(storage);
            SnapshotInfo latest = snapshots.getLatestSnapshot();
            if (latest != null) {
                // The store was restored from this snapshot before it was opened (Replication.start).
                loadClients(RaftSnapshots.latest(snapshotsDir()));
                updateLastAppliedTermIndex(latest.getTermIndex());
            }
        });
    }

    /** Before Ratis installs a snapshot from the leader: nothing is applied until {@link #reinitialize}. */
    @Override
    public synchronized void pause() {
        if (getLifeCycleState().isPausingOrPaused()) {
            return; // Ratis pauses again for each part of a snapshot sent in several
        }
        getLifeCycle().transition(LifeCycle.State.PAUSING);
        getLifeCycle().transition(LifeCycle.State.PAUSED);
    }

    @Override
    public StateMachineStorage getStateMachineStorage() {
        return snapshots;
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        var entry = trx.getLogEntry();
        TermIndex at = TermIndex.valueOf(entry);
        LogEntryResults.Builder results = LogEntryResults.newBuilder();
        try {
            LogEntry logEntry = LogEntry.parseFrom(entry.getStateMachineLogEntry().getLogData().toByteArray());
            clock.advanceTo(logEntry.getTimeMs());
            for (Request request : logEntry.getRequestsList()) {
                results.addResponses(apply(at, request));
            }
        } catch (InvalidProtocolBufferException e) {
            LOG.log(Level.ERROR, "log entry " + at + " is not a kvs log entry: " + e.getMessage());
            stop(at, null);
        }
        updateLastAppliedTermIndex(at);
        return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(results.build().toByteArray())));
    }

    /**
     * One write of an entry: applied to the store, unless it is a retry of the last write its
     * client applied (same client_id and seq), which is answered again as it was.
     */
    private Response apply(TermIndex at, Request request) {
        boolean identified = !request.getClientId().isEmpty() && request.getSeq() > 0;
        Applied last = identified ? clients.get(request.getClientId()) : null;
        if (last != null && last.seq == request.getSeq()) {
            return last.response;
        }
        if (last != null && request.getSeq() < last.seq) {
            return Response.newBuilder().setError(ErrorMapper.error(ErrorCode.BAD_REQUEST, "seq " + request.getSeq()
                    + " is older than this client's last write (" + last.seq + "): a retry arrives only"
                    + " for the newest write; nothing applied")).build();
        }
        Response response = halted ? null : local.handle(request).join();
        if (response == null || divergent(response)) {
            stop(at, response);
            response = Response.newBuilder().setError(ErrorMapper.error(ErrorCode.OUTCOME_UNKNOWN,
                    "the member that took this write stopped: its store could not apply it; the other"
                            + " members may have; retry with the same client_id and seq")).build();
        } else if (identified) {
            clients.put(request.getClientId(), new Applied(request.getSeq(), response));
        }
        return response;
    }

    /** A client's last write applied: its seq and what it answered. */
    private record Applied(long seq, Response response) {
    }

    /**
     * Whether a response says the store failed where another member's may not have: a storage
     * error (a full disk) or no memory. Every other error (a bad request, an incr of text) is the
     * same on every member, since all apply the same entries to the same state.
     */
    private static boolean divergent(Response r) {
        return r.hasError() && (r.getError().getCode() == ErrorCode.STORAGE
                || r.getError().getCode() == ErrorCode.RESOURCE_EXHAUSTED
                || r.getError().getCode() == ErrorCode.UNAVAILABLE);
    }

    private void stop(TermIndex at, Response response) {
        if (!halted) {
            halted = true;
            LOG.log(Level.ERROR, "this member stops: its store could not apply log entry " + at
                    + (response == null ? "" : " (" + response.getError().getMessage() + ")")
                    + ". The other members go on. Fix the cause (e.g. free disk space) and restart it:"
                    + " it rebuilds its store from its snapshot and the log");
            Thread t = new Thread(halt, "kvs-raft-halt");
            t.setDaemon(true);
            t.start();
        }
    }

    static Message message(Response response) {
        return Message.valueOf(ByteString.copyFrom(response.toByteArray()));
    }

    @Override
    public CompletableFuture<Message> query(Message request) {
        try {
            Request r = Request.parseFrom(request.getContent().toByteArray());
            return local.handle(r).thenApply(ReplicatedStateMachine::message);
        } catch (InvalidProtocolBufferException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * A backup of the store, on the apply thread: no entry is applied meanwhile, so it holds
     * exactly the entries up to the last applied. Sealed data files are hard links, so this is
     * quick; the log before it may then be dropped.
     */
    @Override
    public long takeSnapshot() throws IOException {
        TermIndex applied = getLastAppliedTermIndex();
        SnapshotInfo latest = snapshots.getLatestSnapshot();
        if (applied == null || applied.getIndex() < 0 || halted) {
            return RaftLog.INVALID_LOG_INDEX;
        }
        if (latest != null && latest.getIndex() >= applied.getIndex()) {
            return latest.getIndex();
        }
        Path target = snapshots.newSnapshotDir(applied);
        RaftSnapshots.deleteTree(target); // cut short by a crash: never sealed
        store.backup(target);
        saveClients(target);
        RaftSnapshots.seal(target);
        LOG.log(Level.INFO, "snapshot at log entry " + applied + " in " + target);
        return applied.getIndex();
    }

    /**
     * After Ratis installed a snapshot sent by the leader (this member was too far behind for the
     * log): the store is made to hold what the snapshot holds, key by key, and the entries after
     * it follow from the log.
     */
    @Override
    public synchronized void reinitialize() throws IOException {
        Path snapshot = RaftSnapshots.latest(snapshotsDir());
        if (snapshot != null) {
            loadClients(snapshot); // first: it sets the log's time, at which the snapshot's keys are read
            loadInto(snapshot, store);
            setLastAppliedTermIndex(RaftSnapshots.termIndex(snapshot));
            LOG.log(Level.INFO, "store loaded from the snapshot " + snapshot.getFileName() + " sent by the leader");
        }
        if (getLifeCycleState() == LifeCycle.State.PAUSED) {
            getLifeCycle().transition(LifeCycle.State.STARTING);
            getLifeCycle().transition(LifeCycle.State.RUNNING);
        }
    }

    /** The client table, beside the store's files in a snapshot, fsynced. */
    private void saveClients(Path snapshot) throws IOException {
        ClientTable.Builder table = ClientTable.newBuilder().setTimeMs(clock.millis());
        clients.forEach((id, applied) -> table.addWrites(ClientWrite.newBuilder().setClientId(id)
                .setSeq(applied.seq).setResponse(applied.response)));
        Path file = snapshot.resolve(CLIENTS_FILE);
        Files.write(file, table.build().toByteArray());
        try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }

    /** The client table a snapshot holds (none in one made before the table was kept). */
    private void loadClients(Path snapshot) throws IOException {
        clients.clear();
        Path file = snapshot.resolve(CLIENTS_FILE);
        if (Files.exists(file)) {
            ClientTable table = ClientTable.parseFrom(Files.readAllBytes(file));
            clock.advanceTo(table.getTimeMs());
            for (ClientWrite w : table.getWritesList()) {
                clients.put(w.getClientId(), new Applied(w.getSeq(), w.getResponse()));
            }
        }
    }

    private Path snapshotsDir() {
        return snapshots.newSnapshotDir(TermIndex.valueOf(0, 0)).getParent();
    }

    /**
     * Makes {@code store} hold what the backup {@code snapshot} holds: its keys with their values
     * and expiry times; every other key removed.
     */
    static void loadInto(Path snapshot, Store store) throws IOException {
        Path copy = Files.createTempDirectory(store.directory().getParent(), ".kvs-snapshot-load");
        try {
            Store.restoreBackup(snapshot, copy);
            Set<String> held = new HashSet<>();
            try (Store from = Store.open(copy, store.options().withSync(SyncPolicy.NEVER))) {
                for (ScanPage page = from.scan(0, new byte[0], 10_000); ; page = from.scan(page.cursor(),
                        new byte[0], 10_000)) {
                    for (byte[] key : page.keys()) {
                        byte[] value = from.get(key);
                        if (value != null) {
                            long at = from.expireTime(key);
                            store.set(key, value, at < 0 ? Store.NO_EXPIRY : at);
                            held.add(java.util.HexFormat.of().formatHex(key));
                        }
                    }
                    if (page.done()) {
                        break;
                    }
                }
            }
            for (ScanPage page = store.scan(0, new byte[0], 10_000); ; page = store.scan(page.cursor(),
                    new byte[0], 10_000)) {
                for (byte[] key : page.keys()) {
                    if (!held.contains(java.util.HexFormat.of().formatHex(key))) {
                        store.remove(key);
                    }
                }
                if (page.done()) {
                    break;
                }
            }
        } finally {
            RaftSnapshots.deleteTree(copy);
        }
    }
}
