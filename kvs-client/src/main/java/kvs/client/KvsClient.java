package kvs.client;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import kvs.common.HostPort;
import kvs.proto.Backup;
import kvs.proto.Compact;
import kvs.proto.Count;
import kvs.proto.Exists;
import kvs.proto.Expire;
import kvs.proto.Incr;
import kvs.proto.Persist;
import kvs.proto.Ping;
import kvs.proto.Request;
import kvs.proto.Response;
import kvs.proto.Scan;
import kvs.proto.Set;
import kvs.proto.SetCondition;
import kvs.proto.Stats;

/**
 * A connection to a kvs server: {@code set}, {@code get}, {@code remove}; conditional sets and
 * {@code incr}, each atomic on the server; expiry ({@code set} with an {@link Expiry},
 * {@code expire}, {@code persist}, {@code ttl}); atomic {@link #batch}es of sets and removes;
 * {@code scan}, {@code count}, {@code exists}.
 *
 * <p>Thread-safe: calls from many threads are serialized on the one connection, one call at a
 * time; {@link #getAll} pipelines its requests on it ({@link Connection}). It uses a plain
 * blocking socket, so that a one-shot command pays for nothing it does not use. If the connection
 * fails or a response times out, the client is closed and every later call fails: open a new one.
 *
 * <pre>{@code
 * try (KvsClient kvs = KvsClient.connect(HostPort.parse("127.0.0.1:4000"))) {
 *     kvs.set(key, value);
 *     byte[] v = kvs.get(key); // null if absent
 * }
 * }</pre>
 */
public final class KvsClient implements AutoCloseable {

    /** The connection, to a server or the members of a group; guarded by {@code this}. */
    private final Session session;
    /** Whether {@link #close} closes the connection: false for a {@link #borrowed} handle. */
    private final boolean owner;

    private KvsClient(Session session, boolean owner) {
        this.session = session;
        this.owner = owner;
    }

    /**
     * A handle on this client's connection that {@link #close} leaves open: for code that
     * closes what it is given (a command run in a shell session, say) while the session goes on.
     * Use it from the thread that uses this client, not beside it.
     */
    public KvsClient borrowed() {
        return new KvsClient(session, false);
    }

    public static KvsClient connect(HostPort address) throws IOException {
        return connect(address, ClientOptions.defaults());
    }

    /**
     * Connects to a server.
     *
     * @throws IOException naming the address and the cause if no connection can be made
     */
    public static KvsClient connect(HostPort address, ClientOptions options) throws IOException {
        return connect(List.of(address), options);
    }

    /**
     * Connects to the first of {@code members} that answers: the members of a replicated group
     * (docs/REPLICATION.md), or one server. Calls then follow the group's leader: to the address a
     * member that is not the leader names, or to the next member; a write is retried there with
     * the same client id and number, so that it is applied at most once, within the request
     * timeout. A write still unanswered then throws {@link OutcomeUnknownException}.
     *
     * @throws IOException naming the last address tried and the cause if none connects
     */
    public static KvsClient connect(List<HostPort> members, ClientOptions options) throws IOException {
        return new KvsClient(Session.connect(members, options), true);
    }

    /** Sets {@code key} to {@code value}. */
    public synchronized void set(byte[] key, byte[] value) throws IOException {
        connection().expectDone(call(Requests.set(key, value)));
    }

    /**
     * Sets {@code key} to {@code value}, expiring {@code ttl} after the server applies it, by the
     * server's clock.
     *
     * @throws IllegalArgumentException if {@code ttl} is under 1 ms
     */
    public void set(byte[] key, byte[] value, Duration ttl) throws IOException {
        set(key, value, Expiry.after(ttl));
    }

    /**
     * Sets {@code key} to {@code value}, expiring at {@code instant} by the server's clock (one
     * already past removes the key at once).
     *
     * @throws IllegalArgumentException if {@code instant} is not after the Unix epoch
     */
    public void setExpiringAt(byte[] key, byte[] value, Instant instant) throws IOException {
        set(key, value, Expiry.at(instant));
    }

    /** Sets {@code key} to {@code value} with {@code expiry} ({@link Expiry#KEEP}: the key's own). */
    public synchronized void set(byte[] key, byte[] value, Expiry expiry) throws IOException {
        connection().expectDone(call(Request.newBuilder().setSet(expiry.applyTo(plainSet(key, value)))));
    }

    /**
     * Sets each key of {@code pairs} to its value, in the map's order (a later pair of one key
     * wins), with one {@code SetMany} request: all are applied, or, if the server refuses any
     * (too large, a storage error), none. Readers may see some keys set before others
     * (docs/PROTOCOL.md, "SetMany").
     */
    public synchronized void setAll(Map<byte[], byte[]> pairs) throws IOException {
        connection().expectDone(call(Requests.setMany(pairs)));
    }

    /** Sets {@code key} to {@code value} only if the server does not hold it; returns whether it did. */
    public boolean setIfAbsent(byte[] key, byte[] value) throws IOException {
        return setIfAbsent(key, value, Expiry.NONE);
    }

    /** {@link #setIfAbsent(byte[], byte[])} with an expiry (Redis's {@code SET NX EX}). */
    public synchronized boolean setIfAbsent(byte[] key, byte[] value, Expiry expiry) throws IOException {
        return setIf(expiry.applyTo(plainSet(key, value)).setCondition(SetCondition.SET_IF_ABSENT));
    }

    /** Sets {@code key} to {@code value} only if the server holds it; returns whether it did. */
    public boolean setIfPresent(byte[] key, byte[] value) throws IOException {
        return setIfPresent(key, value, Expiry.NONE);
    }

    /** {@link #setIfPresent(byte[], byte[])} with an expiry ({@link Expiry#KEEP}: the key's own). */
    public synchronized boolean setIfPresent(byte[] key, byte[] value, Expiry expiry) throws IOException {
        return setIf(expiry.applyTo(plainSet(key, value)).setCondition(SetCondition.SET_IF_PRESENT));
    }

    /**
     * Sets {@code key} to {@code value} only if its value now is {@code expected}, byte for byte
     * (a missing key matches nothing): checked and written atomically by the server. Returns
     * whether it did.
     */
    public boolean compareAndSet(byte[] key, byte[] expected, byte[] value) throws IOException {
        return compareAndSet(key, expected, value, Expiry.NONE);
    }

    /** {@link #compareAndSet(byte[], byte[], byte[])} with an expiry. */
    public synchronized boolean compareAndSet(byte[] key, byte[] expected, byte[] value, Expiry expiry)
            throws IOException {
        return setIf(expiry.applyTo(plainSet(key, value)).setCondition(SetCondition.SET_IF_EQUAL)
                .setExpected(Requests.wrap(expected)));
    }

    private static Set.Builder plainSet(byte[] key, byte[] value) {
        return Set.newBuilder().setKey(Requests.wrap(key)).setValue(Requests.wrap(value));
    }

    /**
     * Gives {@code key} an expiry {@code ttl} from now, by the server's clock, replacing any it
     * had. Returns whether the key was there (if not, nothing is written).
     *
     * @throws IllegalArgumentException if {@code ttl} is under 1 ms
     */
    public synchronized boolean expire(byte[] key, Duration ttl) throws IOException {
        return counted(call(Request.newBuilder().setExpire(
                Expire.newBuilder().setKey(Requests.wrap(key)).setTtlMs(Expiry.ttlMillis(ttl))))) == 1;
    }

    /**
     * Gives {@code key} an expiry at {@code instant}, by the server's clock, replacing any it had;
     * an instant already past removes the key. Returns whether the key was there.
     *
     * @throws IllegalArgumentException if {@code instant} is not after the Unix epoch
     */
    public synchronized boolean expireAt(byte[] key, Instant instant) throws IOException {
        return counted(call(Request.newBuilder().setExpire(
                Expire.newBuilder().setKey(Requests.wrap(key)).setAtMs(Expiry.epochMillis(instant))))) == 1;
    }

    /** Removes {@code key}'s expiry; returns whether it had one (false: absent, or had none). */
    public synchronized boolean persist(byte[] key) throws IOException {
        return counted(call(Request.newBuilder().setPersist(Persist.newBuilder().setKey(Requests.wrap(key))))) == 1;
    }

    /** {@code key}'s time to live by the server's clock: missing, no expiry, or the time left. */
    public synchronized KeyTtl ttl(byte[] key) throws IOException {
        Response r = call(Request.newBuilder().setTtl(kvs.proto.Ttl.newBuilder().setKey(Requests.wrap(key))));
        if (r.getResultCase() != Response.ResultCase.INTEGER) {
            throw connection().unexpected(r);
        }
        try {
            return KeyTtl.ofMillis(r.getInteger().getValue());
        } catch (IllegalArgumentException e) {
            throw connection().unexpected(r);
        }
    }

    /**
     * A batch of sets and removes to {@link WriteBatch#apply} as one: all or none, for readers
     * and for crashes.
     */
    public WriteBatch batch() {
        return new WriteBatch(this);
    }

    /**
     * Applies {@code batch}, made apart from this client ({@link Requests#batch}), as
     * {@link WriteBatch#apply} does.
     *
     * @throws IllegalStateException if it has no writes
     */
    public synchronized void apply(WriteBatch batch) throws IOException {
        connection().expectDone(call(batch.request()));
    }

    private boolean setIf(Set.Builder set) throws IOException {
        Response r = call(Request.newBuilder().setSet(set));
        return switch (r.getResultCase()) {
            case DONE -> true;
            case NOT_APPLIED -> false;
            default -> throw connection().unexpected(r);
        };
    }

    /**
     * Adds {@code by} to {@code key}'s value, a decimal integer of 64 bits (a missing key counts as
     * 0), atomically on the server; returns the new value.
     *
     * @throws ServerErrorException ({@code BAD_REQUEST}) if the value is not such an integer, or
     *     the sum would overflow; nothing is written
     */
    public synchronized long incr(byte[] key, long by) throws IOException {
        Response r = call(Request.newBuilder().setIncr(Incr.newBuilder().setKey(Requests.wrap(key)).setBy(by)));
        if (r.getResultCase() != Response.ResultCase.INTEGER) {
            throw connection().unexpected(r);
        }
        return r.getInteger().getValue();
    }

    /**
     * The value of {@code key} as the member this client is connected to holds it now, or {@code
     * null}: for a replicated group, a stale read that any member answers from its own state,
     * which may be behind the leader (docs/REPLICATION.md). For a single server, as {@link #get}.
     */
    public synchronized byte[] getStale(byte[] key) throws IOException {
        return connection().value(call(Requests.get(key).setStaleRead(true)));
    }

    /** The value of {@code key}, or {@code null} if the server does not hold it. */
    public synchronized byte[] get(byte[] key) throws IOException {
        return connection().value(call(Requests.get(key)));
    }

    /**
     * The values of {@code keys}, in their order, {@code null} for a key the server does not
     * hold. One {@code Get} a key, pipelined on the connection: a round trip for the lot, not one
     * a key. Each get is answered on its own, so a key set meanwhile by another client may be
     * seen old or new independently of the others.
     *
     * @throws ServerErrorException the first error the server answered (a key over its limit):
     *     the rest of the gets already sent are read and dropped, and the connection stays usable
     */
    public synchronized List<byte[]> getAll(byte[]... keys) throws IOException {
        List<byte[]> values = new ArrayList<>(keys.length);
        if (session.grouped()) {
            for (byte[] key : keys) {
                values.add(get(key)); // each may go to another member: one at a time
            }
            return values;
        }
        Connection connection = session.connection();
        int sent = 0;
        while (values.size() < keys.length) {
            if (sent < keys.length && !connection.full()) {
                connection.send(Requests.get(keys[sent++]));
                continue;
            }
            try {
                values.add(connection().value(connection.receive()));
            } catch (ServerErrorException e) {
                drain(e);
                throw e;
            }
        }
        return values;
    }

    /** Reads the responses still in flight after {@code first}, so that the next call gets its own. */
    private void drain(ServerErrorException first) throws IOException {
        Connection connection = session.connection();
        while (connection.inFlight() > 0) {
            try {
                connection.receive();
            } catch (ServerErrorException e) {
                first.addSuppressed(e);
            }
        }
    }

    /** Removes {@code key}; returns whether the server held it. */
    public synchronized boolean remove(byte[] key) throws IOException {
        return connection().removed(call(Requests.rm(key)));
    }

    /** Asks the server to compact its store now; returns when the compaction has finished. */
    public synchronized void compact() throws IOException {
        connection().expectDone(call(Request.newBuilder().setCompact(Compact.getDefaultInstance())));
    }

    /**
     * Asks the server to back its store up into a new directory {@code name} under its
     * {@code --backup-root}; returns when the copy is written and fsynced. The copy opens as a
     * store (kvs-server --dir) holding every write acknowledged before the call.
     */
    public synchronized void backup(String name) throws IOException {
        connection().expectDone(call(Request.newBuilder().setBackup(Backup.newBuilder().setDir(name))));
    }

    /**
     * A replicated member's view of its group: members, leader, term, each one's applied index
     * (docs/REPLICATION.md). A single server answers BAD_REQUEST ({@link ServerErrorException}).
     */
    public synchronized kvs.proto.ClusterStatusReply clusterStatus() throws IOException {
        Response r = call(Request.newBuilder().setClusterStatus(kvs.proto.ClusterStatus.getDefaultInstance()));
        if (r.getResultCase() != Response.ResultCase.CLUSTER_STATUS) {
            throw connection().unexpected(r);
        }
        return r.getClusterStatus();
    }

    /** Asks the server whether it is there; returns normally if it answered. */
    public synchronized void ping() throws IOException {
        connection().expectDone(call(Request.newBuilder().setPing(Ping.getDefaultInstance())));
    }

    /** The server's figures by name (docs/PROTOCOL.md, "Stats"), sorted by name. */
    public synchronized java.util.SortedMap<String, Long> stats() throws IOException {
        Response r = call(Request.newBuilder().setStats(Stats.getDefaultInstance()));
        if (r.getResultCase() != Response.ResultCase.STATS) {
            throw connection().unexpected(r);
        }
        return new java.util.TreeMap<>(r.getStats().getValuesMap());
    }

    /** How many keys the server holds. */
    public synchronized long count() throws IOException {
        return counted(call(Request.newBuilder().setCount(Count.getDefaultInstance())));
    }

    /** How many of {@code keys} the server holds; a key given twice counts twice. At least one key. */
    public synchronized long exists(byte[]... keys) throws IOException {
        if (keys.length == 0) {
            throw new IllegalArgumentException("exists needs at least one key");
        }
        Exists.Builder e = Exists.newBuilder();
        for (byte[] k : keys) {
            e.addKeys(Requests.wrap(k));
        }
        return counted(call(Request.newBuilder().setExists(e)));
    }

    private long counted(Response r) throws IOException {
        if (r.getResultCase() != Response.ResultCase.COUNTED) {
            throw connection().unexpected(r);
        }
        return r.getCounted().getCount();
    }

    /**
     * One page of a scan over the keys starting with {@code prefix} (empty: all): pass
     * {@code cursor} {@code null} for the first page, then each page's cursor until a page is
     * {@link KeyPage#done}. At most {@code limit} keys a page (0: the server's default); what a scan
     * sees is in docs/PROTOCOL.md, "Scan".
     */
    public synchronized KeyPage scanPage(byte[] cursor, byte[] prefix, int limit) throws IOException {
        Response r = call(Request.newBuilder().setScan(Scan.newBuilder()
                .setCursor(cursor == null ? ByteString.EMPTY : Requests.wrap(cursor))
                .setPrefix(Requests.wrap(prefix)).setLimit(limit)));
        if (r.getResultCase() != Response.ResultCase.SCAN_PAGE) {
            throw connection().unexpected(r);
        }
        List<byte[]> keys = new ArrayList<>(r.getScanPage().getKeysCount());
        for (ByteString k : r.getScanPage().getKeysList()) {
            keys.add(k.toByteArray());
        }
        ByteString next = r.getScanPage().getCursor();
        return new KeyPage(keys, next.isEmpty() ? null : next.toByteArray());
    }

    /**
     * Every key starting with {@code prefix}, fetched {@code limit} a page as the iteration
     * reaches them ({@link #scanPage}). Each iteration is a new scan. A failure to fetch a page is
     * thrown from {@code hasNext} as an {@link UncheckedIOException}.
     */
    public Iterable<byte[]> scan(byte[] prefix, int limit) {
        return () -> new Iterator<>() {
            private KeyPage page;
            private int next;

            @Override
            public boolean hasNext() {
                while (page == null || (next == page.keys().size() && !page.done())) {
                    try {
                        page = scanPage(page == null ? null : page.cursor(), prefix, limit);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    next = 0;
                }
                return next < page.keys().size();
            }

            @Override
            public byte[] next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return page.keys().get(next++);
            }
        };
    }

    public HostPort address() {
        return session.connection().address();
    }

    @Override
    public synchronized void close() throws IOException {
        if (owner) {
            session.close();
        }
    }

    /** Sends one request and reads its response; an {@code Error} response becomes an exception. */
    private synchronized Response call(Request.Builder request) throws IOException {
        return session.call(request);
    }

    /** The connection now, whose methods read responses. */
    private Connection connection() {
        return session.connection();
    }
}
