package kvs.server;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import kvs.proto.Counted;
import kvs.proto.Error;
import kvs.proto.ErrorCode;
import kvs.proto.Expire;
import kvs.proto.Request;
import kvs.proto.Response;
import kvs.proto.Set;
import kvs.store.Store;

/**
 * The expiry of the kvs protocol (docs/PROTOCOL.md, "Expiry") applied to the store: a Set's
 * {@code ttl_ms}/{@code expire_at_ms}/{@code keep_ttl} as the store's {@code expireAt}, and the
 * {@code Expire}, {@code Persist} and {@code Ttl} requests. Relative times are turned into
 * absolute ones here, on the store's clock, when the request is applied. Stateless.
 */
final class ExpiryRequests {

    private ExpiryRequests() {
    }

    /** Whether {@code set} carries an expiry (so is not a plain set). */
    static boolean hasExpiry(Set set) {
        return set.getTtlMs() != 0 || set.getExpireAtMs() != 0 || set.getKeepTtl();
    }

    /**
     * A Set's expiry fields checked: at most one, and each a time the store can hold, a ttl added
     * to {@code now}, the store's clock, included.
     */
    static Error validate(Set set, long now) {
        int given = (set.getTtlMs() != 0 ? 1 : 0) + (set.getExpireAtMs() != 0 ? 1 : 0) + (set.getKeepTtl() ? 1 : 0);
        if (given > 1) {
            return ErrorMapper.error(ErrorCode.BAD_REQUEST, "a set takes at most one of ttl_ms, expire_at_ms"
                    + " and keep_ttl");
        }
        return validTimes(set.getTtlMs(), set.getExpireAtMs(), now);
    }

    static Error validate(Expire expire, long now) {
        if ((expire.getTtlMs() != 0) == (expire.getAtMs() != 0)) {
            return ErrorMapper.error(ErrorCode.BAD_REQUEST, "an expire takes exactly one of ttl_ms and at_ms,"
                    + " nonzero");
        }
        return validTimes(expire.getTtlMs(), expire.getAtMs(), now);
    }

    /** uint64 on the wire, a long in the store: a value over 2^63 - 1 reads as negative here. */
    private static Error validTimes(long ttlMs, long atMs, long now) {
        if (ttlMs < 0 || atMs < 0) {
            return ErrorMapper.error(ErrorCode.BAD_REQUEST, "invalid expire time: "
                    + (ttlMs < 0 ? "ttl_ms " + Long.toUnsignedString(ttlMs) : "time " + Long.toUnsignedString(atMs))
                    + " ms is over 2^63 - 1");
        }
        return ttlMs > Long.MAX_VALUE - now ? ErrorMapper.error(ErrorCode.BAD_REQUEST, overflow(ttlMs, now)) : null;
    }

    private static String overflow(long ttlMs, long now) {
        return "invalid expire time: ttl_ms " + ttlMs + " added to the server's clock (" + now + ") is over 2^63 - 1 ms";
    }

    /**
     * The store's {@code expireAt} for a validated {@code set}: {@link Store#NO_EXPIRY},
     * {@link Store#KEEP_EXPIRY}, its time, or its ttl from the store's clock now.
     *
     * @throws IllegalArgumentException (a BAD_REQUEST) if the ttl added to the clock overflows
     */
    static long expireAt(Store store, Set set) {
        if (set.getKeepTtl()) {
            return Store.KEEP_EXPIRY;
        }
        if (set.getExpireAtMs() != 0) {
            return set.getExpireAtMs();
        }
        return set.getTtlMs() == 0 ? Store.NO_EXPIRY : fromNow(store, set.getTtlMs());
    }

    private static long fromNow(Store store, long ttlMs) {
        long now = store.now();
        if (ttlMs > Long.MAX_VALUE - now) {
            throw new IllegalArgumentException(overflow(ttlMs, now)); // validated a moment ago: rare
        }
        return now + ttlMs;
    }

    /**
     * Expire: Counted 1 if the key was there, 0 if not; null to be retried on a store thread (the
     * store writes the value again with its new expiry, so a large one is not for an event loop).
     */
    static CompletableFuture<Response> expire(Store store, Request request, boolean mayWait) throws IOException {
        Expire e = request.getExpire();
        long at = e.getAtMs() != 0 ? e.getAtMs() : fromNow(store, e.getTtlMs());
        return counted(request.getId(), store.expireAsync(e.getKey().toByteArray(), at, mayWait,
                StoreCommands.INLINE_RECORD_BYTES));
    }

    /** Persist: Counted 1 if the key had an expiry, 0 if not; null to be retried on a store thread. */
    static CompletableFuture<Response> persist(Store store, Request request, boolean mayWait) throws IOException {
        return counted(request.getId(), store.persistAsync(request.getPersist().getKey().toByteArray(), mayWait,
                StoreCommands.INLINE_RECORD_BYTES));
    }

    /** Ttl: the ms left (or the time, if absolute), -1 for no expiry, -2 for no key; from the keydir. */
    static Response ttl(Store store, Request request) {
        byte[] key = request.getTtl().getKey().toByteArray();
        long value = request.getTtl().getAbsolute() ? store.expireTime(key) : store.pttl(key);
        return Response.newBuilder().setId(request.getId())
                .setInteger(kvs.proto.Integer.newBuilder().setValue(value)).build();
    }

    private static CompletableFuture<Response> counted(long id, CompletableFuture<Boolean> done) {
        return done == null ? null : done.thenApply(yes -> Response.newBuilder().setId(id)
                .setCounted(Counted.newBuilder().setCount(yes ? 1 : 0)).build());
    }
}
