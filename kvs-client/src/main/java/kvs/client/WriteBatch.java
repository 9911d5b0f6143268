package kvs.client;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import kvs.proto.Batch;
import kvs.proto.BatchWrite;
import kvs.proto.Request;
import kvs.proto.Rm;
import kvs.proto.Set;

/**
 * Sets and removes sent as one {@code Batch} ({@link KvsClient#batch}): the server applies them
 * all or none, for readers and for crashes, in the order given (docs/PROTOCOL.md, "Batch").
 *
 * <pre>{@code
 * kvs.batch().set(a, v1).set(b, v2, Duration.ofSeconds(10)).remove(c).apply();
 * }</pre>
 *
 * <p>The byte arrays are wrapped, not copied: do not change them before {@link #apply}. Not
 * thread-safe; one batch, one thread.
 */
public final class WriteBatch {

    /** The client {@link #apply} sends it on; null for one made by {@link Requests#batch}. */
    private final KvsClient client;
    private final Batch.Builder writes = Batch.newBuilder();

    WriteBatch(KvsClient client) {
        this.client = client;
    }

    /** Sets {@code key} to {@code value}, with no expiry. */
    public WriteBatch set(byte[] key, byte[] value) {
        return set(key, value, Expiry.NONE);
    }

    /** Sets {@code key} to {@code value}, expiring {@code ttl} after the server applies the batch. */
    public WriteBatch set(byte[] key, byte[] value, Duration ttl) {
        return set(key, value, Expiry.after(ttl));
    }

    /** Sets {@code key} to {@code value}, expiring at {@code instant} by the server's clock. */
    public WriteBatch setExpiringAt(byte[] key, byte[] value, Instant instant) {
        return set(key, value, Expiry.at(instant));
    }

    /**
     * Sets {@code key} to {@code value} with {@code expiry}.
     *
     * @throws IllegalArgumentException for {@link Expiry#KEEP}, which a batch does not take
     */
    public WriteBatch set(byte[] key, byte[] value, Expiry expiry) {
        if (expiry == Expiry.KEEP) {
            throw new IllegalArgumentException("a batch's set does not keep an expiry: give none, a ttl or a time");
        }
        writes.addWrites(BatchWrite.newBuilder().setSet(
                expiry.applyTo(Set.newBuilder().setKey(Requests.wrap(key)).setValue(Requests.wrap(value)))));
        return this;
    }

    /** Removes {@code key} (nothing if it is absent). */
    public WriteBatch remove(byte[] key) {
        writes.addWrites(BatchWrite.newBuilder().setRm(Rm.newBuilder().setKey(Requests.wrap(key))));
        return this;
    }

    /** The writes added so far. */
    public int size() {
        return writes.getWritesCount();
    }

    /**
     * Sends the writes as one request; returns once the server has applied them all. On an error
     * none is applied.
     *
     * @throws IllegalStateException if there are no writes (the server refuses an empty batch)
     * @throws ServerErrorException if the server refused the batch (a key or value too large, the
     *     batch over the store's largest record, a storage error): nothing was applied
     */
    public void apply() throws IOException {
        if (client == null) {
            throw new IllegalStateException("this batch has no client: send its request() on a connection");
        }
        client.apply(this);
    }

    /**
     * The {@code Batch} request of the writes added so far, for callers that pipeline requests on
     * a {@link Connection} themselves.
     *
     * @throws IllegalStateException if there are no writes (the server refuses an empty batch)
     */
    public Request.Builder request() {
        if (writes.getWritesCount() == 0) {
            throw new IllegalStateException("an empty batch: add a set or a remove first");
        }
        return Request.newBuilder().setBatch(writes.clone());
    }
}
