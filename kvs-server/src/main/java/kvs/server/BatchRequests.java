package kvs.server;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import kvs.proto.Batch;
import kvs.proto.BatchWrite;
import kvs.proto.Done;
import kvs.proto.Error;
import kvs.proto.ErrorCode;
import kvs.proto.Request;
import kvs.proto.Response;
import kvs.proto.Set;
import kvs.proto.SetCondition;
import kvs.store.Store;
import kvs.store.Write;

/**
 * The kvs protocol's {@code Batch} (docs/PROTOCOL.md) applied to the store as one
 * {@link Store#batchAsync}: all of its writes or none, for readers and for crashes. Stateless.
 */
final class BatchRequests {

    private BatchRequests() {
    }

    /**
     * Checks what the store would refuse, write by write: a set as {@code validateSet} checks a
     * Set (key and value limits), with no condition, previous value, expected value or kept
     * expiry, its ttl counted from {@code now}; a remove as {@code validateKey} checks a key,
     * without return_previous.
     */
    static Error validate(Batch batch, long now, Function<Set, Error> validateSet,
            Function<com.google.protobuf.ByteString, Error> validateKey) {
        if (batch.getWritesCount() == 0) {
            return ErrorMapper.error(ErrorCode.BAD_REQUEST, "a batch with no writes");
        }
        for (int i = 0; i < batch.getWritesCount(); i++) {
            BatchWrite w = batch.getWrites(i);
            Error invalid = switch (w.getOpCase()) {
                case SET -> {
                    Set s = w.getSet();
                    if (s.getCondition() != SetCondition.SET_ALWAYS || s.getReturnPrevious()
                            || !s.getExpected().isEmpty() || s.getKeepTtl()) {
                        yield ErrorMapper.error(ErrorCode.BAD_REQUEST, "a batch's set takes a key, a value and"
                                + " ttl_ms or expire_at_ms: no condition, return_previous, expected or keep_ttl");
                    }
                    Error e = ExpiryRequests.validate(s, now);
                    yield e != null ? e : validateSet.apply(s);
                }
                case RM -> w.getRm().getReturnPrevious()
                        ? ErrorMapper.error(ErrorCode.BAD_REQUEST, "a batch's rm takes no return_previous")
                        : validateKey.apply(w.getRm().getKey());
                case OP_NOT_SET -> ErrorMapper.error(ErrorCode.BAD_REQUEST, "batch write " + i
                        + " has no op this server knows: send set or rm");
            };
            if (invalid != null) {
                return invalid;
            }
        }
        return null;
    }

    /** The bytes of keys and values a validated batch writes. */
    static long bytes(Batch batch) {
        long bytes = 0;
        for (BatchWrite w : batch.getWritesList()) {
            bytes += w.hasSet() ? w.getSet().getKey().size() + w.getSet().getValue().size() : w.getRm().getKey().size();
        }
        return bytes;
    }

    /** Applies a validated batch: Done once all is applied; null to be retried on a store thread. */
    static CompletableFuture<Response> apply(Store store, Request request, boolean mayWait) throws IOException {
        Batch batch = request.getBatch();
        List<Write> writes = new ArrayList<>(batch.getWritesCount());
        for (BatchWrite w : batch.getWritesList()) {
            if (w.hasSet()) {
                Set s = w.getSet();
                writes.add(new Write.Put(s.getKey().toByteArray(), s.getValue().asReadOnlyByteBuffer(),
                        ExpiryRequests.expireAt(store, s)));
            } else {
                writes.add(new Write.Remove(w.getRm().getKey().toByteArray()));
            }
        }
        CompletableFuture<boolean[]> applied = store.batchAsync(writes, mayWait);
        long id = request.getId();
        return applied == null ? null : applied.thenApply(found -> Response.newBuilder().setId(id)
                .setDone(Done.getDefaultInstance()).build());
    }
}
