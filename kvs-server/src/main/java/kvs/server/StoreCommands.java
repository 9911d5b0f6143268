package kvs.server;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BooleanSupplier;
import kvs.proto.Done;
import kvs.proto.Error;
import kvs.proto.ErrorCode;
import kvs.proto.NotApplied;
import kvs.proto.NotFound;
import kvs.proto.Request;
import kvs.proto.Response;
import kvs.proto.SetCondition;
import kvs.proto.StatsReply;
import kvs.proto.Value;
import kvs.store.Store;

/**
 * Applies one request to the store and builds its response: the protocol's commands, with no
 * Netty in sight. {@link #handleInline} is for event loops: it declines (returns {@code null})
 * whatever might wait on the disk; {@link #handle}, for store threads, takes anything. Stateless
 * and thread-safe.
 */
final class StoreCommands {

    /**
     * The largest record an event loop reads or writes itself: a larger value is copied,
     * checksummed and moved on a store thread, so that it never holds up the loop's other
     * connections.
     */
    static final int INLINE_RECORD_BYTES = 64 * 1024;

    private static final Response.Builder DONE = Response.newBuilder().setDone(Done.getDefaultInstance());
    private static final Response.Builder NOT_FOUND =
            Response.newBuilder().setNotFound(NotFound.getDefaultInstance());

    private final Store store;
    private final ServerConfig config;
    private final BooleanSupplier closing;
    private final ServerStats stats;
    private final FailureLog failures;
    /** A replicated member's (docs/REPLICATION.md), or null: a single server. */
    private volatile Replication replication;
    /** With {@link #replication}: applies requests to the store itself, for reads and the log. */
    private StoreCommands local;

    StoreCommands(Store store, ServerConfig config, BooleanSupplier closing, ServerStats stats) {
        this(store, config, closing, stats, new FailureLog(LogThrottle.perSecond()));
    }

    StoreCommands(Store store, ServerConfig config, BooleanSupplier closing, ServerStats stats,
            FailureLog failures) {
        this.failures = failures;
        this.store = store;
        this.config = config;
        this.closing = closing;
        this.stats = stats;
    }

    /**
     * Makes this a replicated member's: writes go through {@code replication}'s log, reads are
     * confirmed by it, and {@code local} applies them to the store.
     */
    void replicate(Replication replication, StoreCommands local) {
        this.local = local;
        this.replication = replication;
    }

    /**
     * The response to one request. Gets are answered at once; sets and removes once they are
     * durable as the store's sync policy promises. The future never fails: failures are errors.
     */
    CompletableFuture<Response> handle(Request request) {
        return apply(request, true);
    }

    /**
     * {@link #handle} on a thread that must not wait on the disk: {@code null}, having done
     * nothing, for a request that might (a value over {@link #INLINE_RECORD_BYTES}, a write that
     * would seal the active file); the caller then hands it to a store thread. A returned future
     * may still be pending: a write waiting for its fsync, a compaction.
     */
    CompletableFuture<Response> handleInline(Request request) {
        return apply(request, false);
    }

    /**
     * Whether {@code request} is a set small enough for {@link #handleInlineSets}: the event
     * loop gathers such sets, one after another, to write them together.
     */
    static boolean isSmallSet(Request request) {
        return request.getCommandCase() == Request.CommandCase.SET
                && request.getSet().getCondition() == SetCondition.SET_ALWAYS
                && !request.getSet().getReturnPrevious()
                && !ExpiryRequests.hasExpiry(request.getSet())
                && request.getSet().getKey().size() + request.getSet().getValue().size() <= INLINE_RECORD_BYTES;
    }

    /**
     * Applies several small sets ({@link #isSmallSet}) on an event loop, appended to the store with
     * one write: their responses, in order; or {@code null}, having done nothing, if they would
     * have to wait for a seal (then each goes its own way, through {@link #handleInline}).
     */
    List<CompletableFuture<Response>> handleInlineSets(List<Request> sets) {
        if (replication != null) {
            return null; // each through the log, in turn
        }
        List<CompletableFuture<Response>> responses = new ArrayList<>(sets.size());
        List<Request> valid = new ArrayList<>(sets.size());
        List<byte[]> keys = new ArrayList<>(sets.size());
        List<ByteBuffer> values = new ArrayList<>(sets.size());
        for (Request r : sets) {
            Error invalid = closing.getAsBoolean() ? ErrorMapper.error(ErrorCode.UNAVAILABLE,
                    "the server is shutting down; retry after it restarts") : validate(r);
            responses.add(invalid == null ? null : done(error(r.getId(), invalid)));
            if (invalid == null) {
                valid.add(r);
                keys.add(r.getSet().getKey().toByteArray());
                values.add(r.getSet().getValue().asReadOnlyByteBuffer());
            }
        }
        CompletableFuture<Void> written;
        try {
            written = store.trySetAllAsync(keys, values);
            if (written == null) {
                return null;
            }
        } catch (IOException | RuntimeException e) {
            written = CompletableFuture.failedFuture(e);
        }
        int v = 0;
        for (int i = 0; i < responses.size(); i++) {
            if (responses.get(i) == null) {
                Request r = valid.get(v++);
                long id = r.getId();
                CompletableFuture<Response> f = written.thenApply(x -> DONE.clone().setId(id).build());
                responses.set(i, f.isDone() && !f.isCompletedExceptionally() ? f
                        : f.exceptionally(e -> failed(r, e instanceof CompletionException c ? c.getCause() : e)));
            }
        }
        return responses;
    }

    private CompletableFuture<Response> apply(Request request, boolean mayWait) {
        long id = request.getId();
        if (closing.getAsBoolean()) {
            return done(error(id, ErrorMapper.error(ErrorCode.UNAVAILABLE,
                    "the server is shutting down; retry after it restarts")));
        }
        Error invalid = validate(request);
        if (invalid != null) {
            return done(error(id, invalid));
        }
        Replication replicated = replication;
        if (replicated != null) {
            if (Replication.isWrite(request)) {
                return replicated.write(request);
            }
            if (Replication.isRead(request)) {
                return request.getStaleRead() ? local.apply(request, mayWait) : replicated.read(request, local);
            }
        }
        try {
            CompletableFuture<Response> r = switch (request.getCommandCase()) {
                case SET -> {
                    if (request.getSet().getCondition() != SetCondition.SET_ALWAYS
                            || request.getSet().getReturnPrevious()) {
                        yield setIf(request, mayWait);
                    }
                    byte[] key = request.getSet().getKey().toByteArray();
                    ByteString value = request.getSet().getValue();
                    long expireAt = ExpiryRequests.expireAt(store, request.getSet());
                    CompletableFuture<Void> written;
                    if (mayWait) {
                        written = store.setAsync(key, value.asReadOnlyByteBuffer(), expireAt);
                    } else if (key.length + value.size() > INLINE_RECORD_BYTES) {
                        written = null;
                    } else {
                        written = store.trySetAsync(key, value.asReadOnlyByteBuffer(), expireAt);
                    }
                    yield written == null ? null : written.thenApply(v -> DONE.clone().setId(id).build());
                }
                case GET -> {
                    byte[] key = request.getGet().getKey().toByteArray();
                    byte[] value = mayWait ? store.get(key) : store.getAtMost(key, INLINE_RECORD_BYTES);
                    if (Store.isOverLimit(value)) {
                        yield null;
                    }
                    yield done(valueOrNotFound(id, value));
                }
                case RM -> {
                    byte[] key = request.getRm().getKey().toByteArray();
                    if (request.getRm().getReturnPrevious()) {
                        CompletableFuture<byte[]> removed =
                                store.removeAndGetAsync(key, mayWait, INLINE_RECORD_BYTES);
                        yield removed == null ? null : removed.thenApply(v -> valueOrNotFound(id, v));
                    }
                    CompletableFuture<Boolean> removed = mayWait ? store.removeAsync(key) : store.tryRemoveAsync(key);
                    yield removed == null ? null : removed.thenApply(found -> found
                            ? DONE.clone().setId(id).build()
                            : NOT_FOUND.clone().setId(id).build());
                }
                case SET_MANY -> {
                    List<kvs.proto.Set> sets = request.getSetMany().getSetsList();
                    List<byte[]> keys = new ArrayList<>(sets.size());
                    List<ByteBuffer> values = new ArrayList<>(sets.size());
                    long bytes = 0;
                    for (kvs.proto.Set set : sets) {
                        keys.add(set.getKey().toByteArray());
                        values.add(set.getValue().asReadOnlyByteBuffer());
                        bytes += set.getKey().size() + set.getValue().size();
                    }
                    CompletableFuture<Void> written = mayWait ? store.setAllAsync(keys, values)
                            : bytes > INLINE_RECORD_BYTES ? null : store.trySetAllAsync(keys, values);
                    yield written == null ? null : written.thenApply(v -> DONE.clone().setId(id).build());
                }
                case INCR -> {
                    // The stored integer is at most 20 bytes, so an event loop may read it.
                    CompletableFuture<Long> sum = store.incrAsync(request.getIncr().getKey().toByteArray(),
                            request.getIncr().getBy(), mayWait);
                    yield sum == null ? null : sum.thenApply(v -> Response.newBuilder().setId(id)
                            .setInteger(kvs.proto.Integer.newBuilder().setValue(v)).build());
                }
                case EXPIRE -> ExpiryRequests.expire(store, request, mayWait);
                case PERSIST -> ExpiryRequests.persist(store, request, mayWait);
                case TTL -> done(ExpiryRequests.ttl(store, request));
                case BATCH -> !mayWait && BatchRequests.bytes(request.getBatch()) > INLINE_RECORD_BYTES ? null
                        : BatchRequests.apply(store, request, mayWait);
                case COMPACT -> store.compactAsync().thenApply(v -> DONE.clone().setId(id).build());
                case BACKUP -> store.backupAsync(backupTarget(request.getBackup().getDir()))
                        .thenApply(v -> DONE.clone().setId(id).build());
                case PING -> done(DONE.clone().setId(id).build());
                case SCAN -> done(KeyQueries.scan(store, id, request.getScan()));
                case COUNT -> done(KeyQueries.counted(id, store.size()));
                case EXISTS -> {
                    List<byte[]> keys = KeyQueries.existsKeys(request, mayWait);
                    yield keys == null ? null : done(KeyQueries.counted(id, store.exists(keys)));
                }
                case STATS -> done(Response.newBuilder().setId(id).setStats(
                        StatsReply.newBuilder().putAllValues(stats.snapshot(store.stats()))).build());
                case CLUSTER_STATUS -> done(replicated.status(id));
                case COMMAND_NOT_SET -> throw new AssertionError("validated");
            };
            if (r == null) {
                return null;
            }
            if (r.isDone() && !r.isCompletedExceptionally()) {
                return r;
            }
            return r.exceptionally(e -> failed(request, e instanceof CompletionException c ? c.getCause() : e));
        } catch (IOException | RuntimeException e) {
            return done(failed(request, e));
        }
    }

    /** A conditional set (compare-and-set among them), or one that answers with the previous value. */
    private CompletableFuture<Response> setIf(Request request, boolean mayWait) throws IOException {
        long id = request.getId();
        kvs.proto.Set set = request.getSet();
        Store.Condition condition = switch (set.getCondition()) {
            case SET_IF_ABSENT -> Store.Condition.IF_ABSENT;
            case SET_IF_PRESENT -> Store.Condition.IF_PRESENT;
            default -> Store.Condition.ALWAYS;
        };
        byte[] key = set.getKey().toByteArray();
        if (!mayWait && key.length + set.getValue().size() > INLINE_RECORD_BYTES) {
            return null;
        }
        ByteBuffer value = set.getValue().asReadOnlyByteBuffer();
        long expireAt = ExpiryRequests.expireAt(store, set);
        CompletableFuture<Store.Outcome> written = set.getCondition() == SetCondition.SET_IF_EQUAL
                ? store.compareAndSetAsync(key, set.getExpected().toByteArray(), value, expireAt,
                        set.getReturnPrevious(), mayWait, INLINE_RECORD_BYTES)
                : store.setIfAsync(key, value, condition, expireAt, set.getReturnPrevious(), mayWait,
                        INLINE_RECORD_BYTES);
        if (written == null) {
            return null;
        }
        return written.thenApply(o -> set.getReturnPrevious() ? valueOrNotFound(id, o.previous())
                : o.applied() ? DONE.clone().setId(id).build()
                : Response.newBuilder().setId(id).setNotApplied(NotApplied.getDefaultInstance()).build());
    }

    private static Response valueOrNotFound(long id, byte[] value) {
        return value == null ? NOT_FOUND.clone().setId(id).build()
                : Response.newBuilder().setId(id).setValue(
                        Value.newBuilder().setValue(UnsafeByteOperations.unsafeWrap(value))).build();
    }

    private Response failed(Request request, Throwable e) {
        Error error = ErrorMapper.storeFailure(e);
        if (!(e instanceof kvs.store.StoreClosedException)) {
            failures.failed(request, e, error);
        }
        return error(request.getId(), error);
    }

    private static CompletableFuture<Response> done(Response r) {
        return CompletableFuture.completedFuture(r);
    }

    /** Checks what the store would refuse, so its refusals reach the client as protocol errors. */
    private Error validate(Request request) {
        if (!request.getClientId().isEmpty() && request.getClientId().size() != 16) {
            return ErrorMapper.error(ErrorCode.BAD_REQUEST, "client_id must be 16 bytes (random, chosen once"
                    + " by a client), or empty; got " + request.getClientId().size());
        }
        ByteString key;
        switch (request.getCommandCase()) {
            case CLUSTER_STATUS -> {
                return replication != null ? null : ErrorMapper.error(ErrorCode.BAD_REQUEST, "this server is"
                        + " not a member of a replicated group: start it with --raft-id and --raft-peers");
            }
            case SET -> {
                if (request.getSet().getCondition() == SetCondition.UNRECOGNIZED) {
                    return ErrorMapper.error(ErrorCode.BAD_REQUEST, "set condition "
                            + request.getSet().getConditionValue() + " is unknown to this server");
                }
                if (!request.getSet().getExpected().isEmpty()
                        && request.getSet().getCondition() != SetCondition.SET_IF_EQUAL) {
                    return ErrorMapper.error(ErrorCode.BAD_REQUEST, "set has an expected value but its"
                            + " condition is " + request.getSet().getCondition() + ": expected is for SET_IF_EQUAL");
                }
                Error invalid = ExpiryRequests.validate(request.getSet(), store.now());
                return invalid != null ? invalid : validateSet(request.getSet());
            }
            case SET_MANY -> {
                if (request.getSetMany().getSetsCount() == 0) {
                    return ErrorMapper.error(ErrorCode.BAD_REQUEST, "set_many with no sets");
                }
                for (kvs.proto.Set set : request.getSetMany().getSetsList()) {
                    if (set.getCondition() != SetCondition.SET_ALWAYS || set.getReturnPrevious()
                            || !set.getExpected().isEmpty() || ExpiryRequests.hasExpiry(set)) {
                        return ErrorMapper.error(ErrorCode.BAD_REQUEST, "set_many takes plain sets:"
                                + " no condition, no return_previous, no expected, no expiry");
                    }
                    Error invalid = validateSet(set);
                    if (invalid != null) {
                        return invalid;
                    }
                }
                return null;
            }
            case GET -> key = request.getGet().getKey();
            case RM -> key = request.getRm().getKey();
            case INCR -> key = request.getIncr().getKey();
            case PERSIST -> key = request.getPersist().getKey();
            case TTL -> key = request.getTtl().getKey();
            case EXPIRE -> {
                Error invalid = ExpiryRequests.validate(request.getExpire(), store.now());
                return invalid != null ? invalid : validateKey(request.getExpire().getKey());
            }
            case BATCH -> {
                return BatchRequests.validate(request.getBatch(), store.now(), this::validateSet, this::validateKey);
            }
            case EXISTS -> {
                Error invalid = KeyQueries.validate(request);
                // Each key as a get's: a key over the limit is refused, not hashed on an event loop.
                for (int i = 0; invalid == null && i < request.getExists().getKeysCount(); i++) {
                    invalid = validateKey(request.getExists().getKeys(i));
                }
                return invalid;
            }
            case COMPACT, PING, STATS, SCAN, COUNT -> {
                return KeyQueries.validate(request);
            }
            case BACKUP -> {
                return validateBackup(request.getBackup().getDir());
            }
            default -> {
                return ErrorMapper.error(ErrorCode.BAD_REQUEST, "request " + request.getId()
                        + " has no command this server knows; send one of set, get, rm, set_many,"
                        + " incr, expire, persist, ttl, batch, compact, backup, ping, stats, scan, count, exists");
            }
        }
        return validateKey(key);
    }

    /** Where a backup named {@code name} goes: a new directory directly inside {@code --backup-root}. */
    private Path backupTarget(String name) {
        return config.backupRoot().toAbsolutePath().normalize().resolve(name);
    }

    /**
     * A backup name is one plain file name: no separator (nor "." or ".."), so that it cannot lead
     * out of the root, through a symbolic link inside it included; not beginning with "." (the
     * root's hidden names are backups in progress). A client must not choose where the server
     * writes.
     */
    private Error validateBackup(String name) {
        if (config.backupRoot() == null) {
            return ErrorMapper.error(ErrorCode.BAD_REQUEST, "backups are off on this server: start"
                    + " kvs-server with --backup-root DIR to let clients back up into new directories of DIR");
        }
        Path root = config.backupRoot().toAbsolutePath().normalize();
        if (name.isEmpty() || name.startsWith(".") || name.indexOf('/') >= 0 || name.indexOf('\\') >= 0
                || name.indexOf('\0') >= 0 || name.length() > 255) {
            return ErrorMapper.error(ErrorCode.BAD_REQUEST, "backup name '" + name + "' is not a plain"
                    + " name for a new directory in the backup root " + root + ": give one such as"
                    + " kvs-2026-12-07 (no '/', not beginning with '.')");
        }
        return null; // whether it exists is the store's backup to find: no file system call on an event loop
    }

    /** The store's clock: ms since the epoch, as expiry times count them. */
    long now() {
        return store.now();
    }

    private Error validateSet(kvs.proto.Set set) {
        int valueSize = set.getValue().size();
        if (valueSize > config.maxValueBytes()) {
            return ErrorMapper.error(ErrorCode.TOO_LARGE, "value of " + valueSize
                    + " bytes is over the limit of " + config.maxValueBytes() + " bytes");
        }
        return validateKey(set.getKey());
    }

    private Error validateKey(ByteString key) {
        if (key.isEmpty()) {
            return ErrorMapper.error(ErrorCode.BAD_REQUEST, "empty key: a key is 1 to "
                    + config.maxKeyBytes() + " bytes");
        }
        if (key.size() > config.maxKeyBytes()) {
            return ErrorMapper.error(ErrorCode.TOO_LARGE, "key of " + key.size()
                    + " bytes is over the limit of " + config.maxKeyBytes() + " bytes");
        }
        return null;
    }

    static Response error(long id, Error e) {
        return Response.newBuilder().setId(id).setError(e).build();
    }
}
