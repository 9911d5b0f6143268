package kvs.server;

import java.io.Closeable;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import kvs.common.HostPort;
import kvs.proto.BatchWrite;
import kvs.proto.ClusterStatusReply;
import kvs.proto.Error;
import kvs.proto.ErrorCode;
import kvs.proto.LogEntry;
import kvs.proto.LogEntryResults;
import kvs.proto.Member;
import kvs.proto.Request;
import kvs.proto.Response;
import kvs.store.Store;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.proto.RaftProtos.CommitInfoProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/**
 * A server's membership of a replicated group (docs/REPLICATION.md): a Ratis server whose state
 * machine is the store. Writes go through the Raft log and are answered once applied; reads are
 * answered after Ratis's read index has made sure this member is the leader and its store current,
 * or at once from the store when the request allows a stale read.
 */
final class Replication implements Closeable {

    private static final System.Logger LOG = System.getLogger(Replication.class.getName());
    /** One group per server, always the same id: members find each other by their peers list. */
    static final UUID GROUP = UUID.nameUUIDFromBytes("kvs-group".getBytes(StandardCharsets.UTF_8));

    private final RaftOptions options;
    private final RaftServer server;
    private final RaftGroupId groupId = RaftGroupId.valueOf(GROUP);
    private final RaftPeerId selfId;
    /** The identity of this member's log entries and reads in Ratis: its own, numbered in turn. */
    private final ClientId ownClientId = ClientId.randomId();
    private final AtomicLong ownCallIds = new AtomicLong();
    /** Entries this member has proposed and not yet seen applied: more wait to go together. */
    private static final int MAX_ENTRIES_IN_FLIGHT = 2;
    /** Writes go together in one entry up to this many bytes (a larger write goes alone). */
    private static final long MAX_ENTRY_BYTES = 1024 * 1024;
    /** Writes waiting for an entry; guarded by {@code this}. */
    private final java.util.ArrayDeque<Pending> pending = new java.util.ArrayDeque<>();
    private int inFlight;

    /** This member's own clock, the leader's time for the entries it proposes. */
    private final java.time.Clock wallClock;
    /** The newest time this member gave an entry: entries it proposes never go back in time. */
    private long lastProposedTime;
    /** Proposes an empty entry when the log has been idle a second, so that the log's time moves. */
    private final java.util.concurrent.ScheduledExecutorService ticker;

    /** Whether the store holds keys that expire: only then need the log's time move when idle. */
    private final java.util.function.BooleanSupplier expiring;

    private Replication(RaftOptions options, RaftServer server, java.time.Clock wallClock,
            java.util.function.BooleanSupplier expiring) {
        this.options = options;
        this.server = server;
        this.selfId = RaftPeerId.valueOf(options.selfId());
        this.wallClock = wallClock;
        this.expiring = expiring;
        this.ticker = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kvs-raft-ticker");
            t.setDaemon(true);
            return t;
        });
        ticker.scheduleWithFixedDelay(this::tick, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
    }

    /** How often an idle leader moves the log's time on: expiry lags the leader's clock by at most this. */
    static final long TICK_MS = 1000;

    /** On an idle leader of a store with keys that expire, an entry of no writes, carrying only the time. */
    private void tick() {
        boolean propose;
        synchronized (this) {
            propose = expiring.getAsBoolean() && leader() && inFlight == 0 && pending.isEmpty()
                    && wallClock.millis() - lastProposedTime >= TICK_MS;
            if (propose) {
                inFlight++;
            }
        }
        if (propose) {
            propose(List.of());
        }
    }

    /**
     * Where a member's files go under its {@code --dir}: the store in {@code store/}, Ratis's log
     * and snapshots in {@code raft/}.
     */
    static Path storeDir(Path dir) {
        return dir.resolve("store");
    }

    static Path raftDir(Path dir) {
        return dir.resolve("raft");
    }

    /**
     * Rebuilds the store directory from the newest snapshot (nothing if there is none: the log then
     * holds every entry), before the store is opened: the store does not fsync, so what it held
     * at a crash is not to be trusted, and the entries after the snapshot are applied again.
     */
    static void restoreStore(Path dir) throws IOException {
        Path snapshot = RaftSnapshots.latest(RaftSnapshots.stateMachineDir(raftDir(dir), GROUP));
        Path storeDir = storeDir(dir);
        if (snapshot == null) {
            RaftSnapshots.deleteTree(storeDir);
            java.nio.file.Files.createDirectories(storeDir);
        } else {
            Store.restoreBackup(snapshot, storeDir);
        }
    }

    /** Starts this member; it joins (or forms, with the others) the group its options name. */
    static Replication start(RaftOptions options, Path dir, Store store, LogClock logClock,
            java.time.Clock wallClock, StoreCommands local, Runnable halt) throws IOException {
        RaftProperties p = new RaftProperties();
        RaftConfigKeys.Rpc.setType(p, SupportedRpcType.GRPC);
        HostPort self = options.self().raftAddress();
        GrpcConfigKeys.Server.setHost(p, self.host());
        GrpcConfigKeys.Server.setPort(p, self.port());
        // Heartbeats on a channel of their own, so that a large entry on its way does not hold
        // them back past the election timeout (and depose a leader that is only busy).
        GrpcConfigKeys.Server.setHeartbeatChannel(p, true);
        RaftServerConfigKeys.setStorageDir(p, List.of(raftDir(dir).toFile()));
        long election = options.electionTimeout().toMillis();
        RaftServerConfigKeys.Rpc.setTimeoutMin(p, TimeDuration.valueOf(election, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(p, TimeDuration.valueOf(2 * election, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setRequestTimeout(p, TimeDuration.valueOf(Math.max(3000, 3 * election),
                TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, options.snapshotEvery());
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
        RaftServerConfigKeys.Log.setPurgeGap(p, (int) Math.min(Integer.MAX_VALUE, Math.max(1, options.snapshotEvery())));
        RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf(options.logSegmentBytes()));
        RaftServerConfigKeys.Log.Appender.setInstallSnapshotEnabled(p, true);
        // Room for the largest entry: one request of RaftOptions.MAX_VALUE_BYTES, and its frame.
        RaftServerConfigKeys.Log.Appender.setBufferByteLimit(p, SizeInBytes.valueOf(8L * 1024 * 1024));
        RaftServerConfigKeys.Log.setWriteBufferSize(p, SizeInBytes.valueOf(8L * 1024 * 1024 + 8));
        GrpcConfigKeys.setMessageSizeMax(p, SizeInBytes.valueOf(32L * 1024 * 1024));
        RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
        RaftServerConfigKeys.RetryCache.setExpiryTime(p, TimeDuration.valueOf(5, TimeUnit.MINUTES));

        List<RaftPeer> peers = new ArrayList<>();
        for (RaftOptions.Peer peer : options.peers()) {
            RaftPeer.Builder b = RaftPeer.newBuilder().setId(peer.id()).setAddress(peer.raftAddress().toString());
            if (peer.clientAddress() != null) {
                b.setClientAddress(peer.clientAddress().toString());
            }
            peers.add(b.build());
        }
        RaftGroup group = RaftGroup.valueOf(RaftGroupId.valueOf(GROUP), peers);
        boolean fresh = RaftSnapshots.latest(RaftSnapshots.stateMachineDir(raftDir(dir), GROUP)) == null
                && !java.nio.file.Files.exists(raftDir(dir).resolve(GROUP.toString()));
        ReplicatedStateMachine machine = new ReplicatedStateMachine(store, logClock, local, halt);
        RaftServer server = RaftServer.newBuilder()
                .setServerId(RaftPeerId.valueOf(options.selfId()))
                .setGroup(group)
                .setProperties(p)
                .setStateMachine(machine)
                .setOption(fresh ? RaftStorage.StartupOption.FORMAT : RaftStorage.StartupOption.RECOVER)
                .build();
        server.start();
        LOG.log(Level.INFO, "member " + options.selfId() + " of " + peers.size() + " started, Raft on " + self);
        return new Replication(options, server, wallClock, () -> store.stats().keysWithExpiry() > 0);
    }

    /** Whether {@code request} changes the store, so goes through the log. */
    static boolean isWrite(Request request) {
        return switch (request.getCommandCase()) {
            case SET, RM, SET_MANY, INCR, EXPIRE, PERSIST, BATCH -> true;
            default -> false;
        };
    }

    /** Whether {@code request} reads the store, so must see every write acknowledged before it. */
    static boolean isRead(Request request) {
        return switch (request.getCommandCase()) {
            case GET, EXISTS, SCAN, COUNT, TTL -> true;
            default -> false;
        };
    }

    /**
     * Sends a validated write through the log; completes with the store's response once it is
     * applied on this member. Relative expiry times become absolute here, on this member's clock,
     * so that every member applies the same times. Writes that arrive while earlier entries are on
     * their way go together into the next entry: Raft's cost is paid once for them all.
     */
    CompletableFuture<Response> write(Request request) {
        long id = request.getId();
        if (!leader()) {
            return CompletableFuture.completedFuture(notLeader(id, "writes go to the leader"));
        }
        Pending p = new Pending(absoluteTimes(request, wallClock.millis()), new CompletableFuture<>());
        List<Pending> batch;
        synchronized (this) {
            pending.add(p);
            batch = inFlight < MAX_ENTRIES_IN_FLIGHT ? takeBatch() : null;
        }
        if (batch != null) {
            propose(batch);
        }
        return p.done;
    }

    /** A write waiting for its entry to be applied. */
    private record Pending(Request request, CompletableFuture<Response> done) {
    }

    /** Takes the writes waiting, up to an entry's worth, as one more entry in flight; null if none wait. */
    private List<Pending> takeBatch() {
        if (pending.isEmpty()) {
            return null;
        }
        List<Pending> batch = new ArrayList<>();
        long bytes = 0;
        while (!pending.isEmpty() && (batch.isEmpty() || bytes + pending.peekFirst().request.getSerializedSize()
                <= MAX_ENTRY_BYTES)) {
            Pending next = pending.removeFirst();
            bytes += next.request.getSerializedSize();
            batch.add(next);
        }
        inFlight++;
        return batch;
    }

    /** Appends {@code batch} to the log as one entry; each write gets its own response. */
    private void propose(List<Pending> batch) {
        LogEntry.Builder entry = LogEntry.newBuilder();
        for (Pending p : batch) {
            entry.addRequests(p.request);
        }
        synchronized (this) {
            lastProposedTime = Math.max(lastProposedTime, wallClock.millis());
            entry.setTimeMs(lastProposedTime);
        }
        submit(ownClientId, ownCallIds.incrementAndGet(), entry.build().toByteArray(),
                RaftClientRequest.writeRequestType())
                .whenComplete((reply, failure) -> {
                    for (int i = 0; i < batch.size(); i++) {
                        Pending p = batch.get(i);
                        p.done.complete(outcome(p.request.getId(), i, reply, failure));
                    }
                    List<Pending> next;
                    synchronized (this) {
                        inFlight--;
                        next = takeBatch();
                    }
                    if (next != null) {
                        propose(next);
                    }
                });
    }

    /** What the write at {@code index} of an entry gets, given how the entry fared. */
    private Response outcome(long id, int index, RaftClientReply reply, Throwable failure) {
        if (failure != null) {
            return error(id, ErrorCode.OUTCOME_UNKNOWN, unknown(failure)
                    + "; the write may or may not apply: retry with the same client_id and seq");
        }
        if (reply.isSuccess()) {
            try {
                return LogEntryResults.parseFrom(reply.getMessage().getContent().toByteArray())
                        .getResponses(index).toBuilder().setId(id).build();
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                throw new IllegalStateException("a member answered with a message that is not a kvs log entry's"
                        + " results", e);
            }
        }
        if (reply.getLeaderNotReadyException() != null) {
            // Refused before it was appended: a new leader first applies its predecessor's entries.
            return error(id, ErrorCode.UNAVAILABLE, "the leader was just elected and is catching up; retry");
        }
        return notLeaderOrUnknown(id, reply);
    }

    /**
     * A read: at once from the store if stale reads are allowed, else after Ratis's read index
     * (this member is the leader, and has applied every entry committed when the read arrived).
     */
    CompletableFuture<Response> read(Request request, StoreCommands local) {
        long id = request.getId();
        if (request.getStaleRead()) {
            return local.handle(request);
        }
        if (!leader()) {
            return CompletableFuture.completedFuture(notLeader(id, "linearizable reads go to the leader;"
                    + " set stale_read to read any member's own state"));
        }
        return submit(ownClientId, ownCallIds.incrementAndGet(), request.toByteArray(),
                RaftClientRequest.readRequestType())
                .handle((reply, failure) -> {
                    if (failure != null) {
                        return error(id, ErrorCode.UNAVAILABLE, "no majority confirmed this member's lead: "
                                + unknown(failure) + "; retry");
                    }
                    if (reply.isSuccess()) {
                        return withId(reply, id);
                    }
                    return reply.getNotLeaderException() != null ? notLeader(id, reply)
                            : error(id, ErrorCode.UNAVAILABLE, "the read could not be confirmed: "
                                    + reply.getException() + "; retry");
                });
    }

    private CompletableFuture<RaftClientReply> submit(ClientId client, long call, byte[] message,
            RaftClientRequest.Type type) {
        RaftClientRequest r = RaftClientRequest.newBuilder()
                .setClientId(client)
                .setServerId(selfId)
                .setGroupId(groupId)
                .setCallId(call)
                .setMessage(Message.valueOf(ByteString.copyFrom(message)))
                .setType(type)
                .build();
        try {
            return server.submitClientRequestAsync(r)
                    .orTimeout(options.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private static String unknown(Throwable failure) {
        Throwable t = failure instanceof java.util.concurrent.CompletionException c && c.getCause() != null
                ? c.getCause() : failure;
        return t instanceof TimeoutException ? "no majority answered in time" : String.valueOf(t.getMessage());
    }

    private static Response withId(RaftClientReply reply, long id) {
        try {
            return Response.parseFrom(reply.getMessage().getContent().toByteArray()).toBuilder().setId(id).build();
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalStateException("a member answered with a message that is not a kvs response", e);
        }
    }

    /**
     * A write refused after it was submitted: if this member lost the lead meanwhile, the entry may
     * still be committed by the next leader, so its outcome is unknown.
     */
    private Response notLeaderOrUnknown(long id, RaftClientReply reply) {
        String leader = leaderAddress(reply.getNotLeaderException() == null ? null
                : reply.getNotLeaderException().getSuggestedLeader());
        Error.Builder e = Error.newBuilder().setCode(ErrorCode.OUTCOME_UNKNOWN)
                .setMessage("this member lost the lead while the write was in flight: it may or may not"
                        + " apply; retry with the same client_id and seq (a retry applies at most once)"
                        + (reply.getException() == null ? "" : " (" + reply.getException().getMessage() + ")"));
        if (leader != null) {
            e.setLeaderAddr(leader);
        }
        return Response.newBuilder().setId(id).setError(e).build();
    }

    private Response notLeader(long id, RaftClientReply reply) {
        return notLeader(id, leaderAddress(reply.getNotLeaderException().getSuggestedLeader()), "");
    }

    private Response notLeader(long id, String why) {
        return notLeader(id, leaderAddress(leaderPeer()), why);
    }

    private Response notLeader(long id, String leader, String why) {
        Error.Builder e = Error.newBuilder().setCode(ErrorCode.NOT_LEADER).setMessage("member " + options.selfId()
                + " is not the leader" + (why.isEmpty() ? "" : ": " + why) + "; "
                + (leader == null ? "no leader is known now (an election may be under way): try another member"
                        : "the leader is at " + leader));
        if (leader != null) {
            e.setLeaderAddr(leader);
        }
        return Response.newBuilder().setId(id).setError(e).build();
    }

    private static Response error(long id, ErrorCode code, String message) {
        return Response.newBuilder().setId(id).setError(ErrorMapper.error(code, message)).build();
    }

    private boolean leader() {
        try {
            return server.getDivision(groupId).getInfo().isLeader();
        } catch (IOException e) {
            return false;
        }
    }

    private RaftPeer leaderPeer() {
        try {
            var division = server.getDivision(groupId);
            RaftPeerId leader = division.getInfo().getLeaderId();
            return leader == null ? null : division.getRaftConf().getPeer(leader);
        } catch (IOException e) {
            return null;
        }
    }

    private static String leaderAddress(RaftPeer leader) {
        return leader == null || leader.getClientAddress() == null || leader.getClientAddress().isEmpty()
                ? null : leader.getClientAddress();
    }

    /** The group as this member sees it. */
    Response status(long id) throws IOException {
        var division = server.getDivision(groupId);
        var info = division.getInfo();
        RaftPeerId leader = info.getLeaderId();
        ClusterStatusReply.Builder b = ClusterStatusReply.newBuilder().setGroupId(GROUP.toString())
                .setSelfId(options.selfId()).setTerm(info.getCurrentTerm());
        if (leader != null) {
            b.setLeaderId(leader.toString());
        }
        java.util.Map<String, Long> applied = new java.util.HashMap<>();
        for (CommitInfoProto c : division.getCommitInfos()) {
            applied.put(RaftPeerId.valueOf(c.getServer().getId()).toString(), c.getCommitIndex());
        }
        applied.put(options.selfId(), info.getLastAppliedIndex());
        for (RaftOptions.Peer peer : options.peers()) {
            b.addMembers(Member.newBuilder().setId(peer.id()).setRaftAddr(peer.raftAddress().toString())
                    .setClientAddr(peer.clientAddress() == null ? "" : peer.clientAddress().toString())
                    .setAppliedIndex(applied.getOrDefault(peer.id(), 0L))
                    .setLeader(leader != null && leader.toString().equals(peer.id())));
        }
        return Response.newBuilder().setId(id).setClusterStatus(b).build();
    }

    /** {@code request} with every relative expiry made absolute from {@code now}. */
    static Request absoluteTimes(Request request, long now) {
        return switch (request.getCommandCase()) {
            case SET -> request.getSet().getTtlMs() == 0 ? request : request.toBuilder().setSet(
                    request.getSet().toBuilder().setTtlMs(0).setExpireAtMs(now + request.getSet().getTtlMs())).build();
            case EXPIRE -> request.getExpire().getTtlMs() == 0 ? request : request.toBuilder().setExpire(
                    request.getExpire().toBuilder().setTtlMs(0).setAtMs(now + request.getExpire().getTtlMs())).build();
            case BATCH -> {
                Request.Builder b = request.toBuilder();
                for (int i = 0; i < b.getBatch().getWritesCount(); i++) {
                    BatchWrite w = b.getBatch().getWrites(i);
                    if (w.hasSet() && w.getSet().getTtlMs() != 0) {
                        b.getBatchBuilder().setWrites(i, w.toBuilder().setSet(w.getSet().toBuilder().setTtlMs(0)
                                .setExpireAtMs(now + w.getSet().getTtlMs())));
                    }
                }
                yield b.build();
            }
            default -> request;
        };
    }

    @Override
    public void close() throws IOException {
        ticker.shutdownNow();
        server.close();
    }
}
