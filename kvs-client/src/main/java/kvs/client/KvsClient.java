package kvs.client;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import kvs.common.Frames;
import kvs.common.HostPort;
import kvs.common.Limits;
import kvs.proto.Compact;
import kvs.proto.Count;
import kvs.proto.Exists;
import kvs.proto.Get;
import kvs.proto.Ping;
import kvs.proto.Request;
import kvs.proto.Response;
import kvs.proto.Rm;
import kvs.proto.Scan;
import kvs.proto.Set;
import kvs.proto.Stats;

/**
 * A connection to a kvs server: {@code set}, {@code get}, {@code remove}; {@code scan},
 * {@code count}, {@code exists}.
 *
 * <p>Thread-safe: calls from many threads are serialized on the one connection, one request in
 * flight at a time. It uses a plain blocking socket, so that a one-shot command pays for nothing
 * it does not use. If the connection fails or a response times out, the client is closed and
 * every later call fails: open a new one.
 *
 * <pre>{@code
 * try (KvsClient kvs = KvsClient.connect(HostPort.parse("127.0.0.1:4000"))) {
 *     kvs.set(key, value);
 *     byte[] v = kvs.get(key); // null if absent
 * }
 * }</pre>
 */
public final class KvsClient implements AutoCloseable {

    private final HostPort address;
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    /** The id of the last request sent; guarded by {@code this}. */
    private long lastId;
    /** Why the connection is unusable, or null; guarded by {@code this}. */
    private IOException broken;

    private KvsClient(HostPort address, Socket socket) throws IOException {
        this.address = address;
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        this.out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
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
        InetSocketAddress target = address.toSocketAddress();
        if (target.isUnresolved()) {
            throw new IOException("cannot connect to " + address + ": unknown host '"
                    + address.host() + "': check the name, or give an IP address (--addr 127.0.0.1:4000)");
        }
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.connect(target, (int) Math.min(Integer.MAX_VALUE, options.connectTimeout().toMillis()));
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, options.requestTimeout().toMillis()));
            return new KvsClient(address, socket);
        } catch (SocketTimeoutException e) {
            socket.close();
            throw new IOException("cannot connect to " + address + ": no answer within "
                    + options.connectTimeout().toMillis() + " ms: check that the host is up and the port"
                    + " open to you; on a slow network, raise --connect-timeout", e);
        } catch (java.net.ConnectException e) {
            socket.close();
            throw new IOException("cannot connect to " + address + ": " + e.getMessage() + ": is kvs-server"
                    + " running and listening there? (its log says where: 'listening on ...'; check --addr)", e);
        } catch (IOException e) {
            socket.close();
            throw new IOException("cannot connect to " + address + ": " + e.getMessage(), e);
        }
    }

    /** Sets {@code key} to {@code value}. */
    public void set(byte[] key, byte[] value) throws IOException {
        Response r = call(Request.newBuilder().setSet(Set.newBuilder()
                .setKey(wrap(key)).setValue(wrap(value))));
        if (r.getResultCase() != Response.ResultCase.DONE) {
            throw unexpected(r);
        }
    }

    /** The value of {@code key}, or {@code null} if the server does not hold it. */
    public byte[] get(byte[] key) throws IOException {
        Response r = call(Request.newBuilder().setGet(Get.newBuilder().setKey(wrap(key))));
        return switch (r.getResultCase()) {
            case VALUE -> r.getValue().getValue().toByteArray();
            case NOT_FOUND -> null;
            default -> throw unexpected(r);
        };
    }

    /** Removes {@code key}; returns whether the server held it. */
    public boolean remove(byte[] key) throws IOException {
        Response r = call(Request.newBuilder().setRm(Rm.newBuilder().setKey(wrap(key))));
        return switch (r.getResultCase()) {
            case DONE -> true;
            case NOT_FOUND -> false;
            default -> throw unexpected(r);
        };
    }

    /** Asks the server to compact its store now; returns when the compaction has finished. */
    public void compact() throws IOException {
        Response r = call(Request.newBuilder().setCompact(Compact.getDefaultInstance()));
        if (r.getResultCase() != Response.ResultCase.DONE) {
            throw unexpected(r);
        }
    }

    /** Asks the server whether it is there; returns normally if it answered. */
    public void ping() throws IOException {
        Response r = call(Request.newBuilder().setPing(Ping.getDefaultInstance()));
        if (r.getResultCase() != Response.ResultCase.DONE) {
            throw unexpected(r);
        }
    }

    /** The server's figures by name (docs/PROTOCOL.md, "Stats"), sorted by name. */
    public java.util.SortedMap<String, Long> stats() throws IOException {
        Response r = call(Request.newBuilder().setStats(Stats.getDefaultInstance()));
        if (r.getResultCase() != Response.ResultCase.STATS) {
            throw unexpected(r);
        }
        return new java.util.TreeMap<>(r.getStats().getValuesMap());
    }

    /** How many keys the server holds. */
    public long count() throws IOException {
        return counted(call(Request.newBuilder().setCount(Count.getDefaultInstance())));
    }

    /** How many of {@code keys} the server holds; a key given twice counts twice. At least one key. */
    public long exists(byte[]... keys) throws IOException {
        if (keys.length == 0) {
            throw new IllegalArgumentException("exists needs at least one key");
        }
        Exists.Builder e = Exists.newBuilder();
        for (byte[] k : keys) {
            e.addKeys(wrap(k));
        }
        return counted(call(Request.newBuilder().setExists(e)));
    }

    private long counted(Response r) throws IOException {
        if (r.getResultCase() != Response.ResultCase.COUNTED) {
            throw unexpected(r);
        }
        return r.getCounted().getCount();
    }

    /**
     * One page of a scan over the keys starting with {@code prefix} (empty: all): pass
     * {@code cursor} {@code null} for the first page, then each page's cursor until a page is
     * {@link KeyPage#done}. At most {@code limit} keys a page (0: the server's default); what a scan
     * sees is in docs/PROTOCOL.md, "Scan".
     */
    public KeyPage scanPage(byte[] cursor, byte[] prefix, int limit) throws IOException {
        Response r = call(Request.newBuilder().setScan(Scan.newBuilder()
                .setCursor(cursor == null ? ByteString.EMPTY : wrap(cursor))
                .setPrefix(wrap(prefix)).setLimit(limit)));
        if (r.getResultCase() != Response.ResultCase.SCAN_PAGE) {
            throw unexpected(r);
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
        return address;
    }

    @Override
    public synchronized void close() throws IOException {
        if (broken == null) {
            broken = new IOException("the client is closed");
        }
        socket.close();
    }

    /** Sends one request and reads its response; an {@code Error} response becomes an exception. */
    private synchronized Response call(Request.Builder request) throws IOException {
        if (broken != null) {
            throw new IOException("connection to " + address + " is unusable: " + broken.getMessage(),
                    broken);
        }
        long id = ++lastId;
        Response response;
        try {
            Frames.write(out, request.setId(id).build());
            out.flush();
            byte[] frame = Frames.read(in, Limits.MAX_RESPONSE_FRAME_BYTES);
            if (frame == null) {
                throw new EOFException("the server closed the connection");
            }
            response = Response.parseFrom(frame);
        } catch (SocketTimeoutException e) {
            throw fail(new IOException("no response from " + address + " within "
                    + socket.getSoTimeout() + " ms: the server may be overloaded or stuck, or busy with a long"
                    + " request of this connection (a compaction); raise --timeout to wait longer", e));
        } catch (InvalidProtocolBufferException | Frames.FrameException e) {
            throw fail(notKvs(e));
        } catch (EOFException e) {
            // Bytes that ended inside what a kvs frame declared: another protocol's reply, mostly.
            throw fail(e.getMessage() != null && e.getMessage().startsWith("stream ended inside")
                    ? notKvs(e) : new IOException("connection to " + address + " failed: " + e.getMessage(), e));
        } catch (IOException e) {
            throw fail(new IOException("connection to " + address + " failed: " + e.getMessage(), e));
        }
        if (response.getResultCase() == Response.ResultCase.ERROR) {
            if (response.getId() != id) {
                // An error with another id (0) means the server could not read the request.
                fail(new IOException("the server closed the connection"));
            }
            throw new ServerErrorException(response.getError().getCode(),
                    response.getError().getMessage());
        }
        if (response.getId() != id) {
            throw fail(new IOException("response id " + response.getId() + " does not match request id "
                    + id + " from " + address));
        }
        return response;
    }

    /** A reply that is not a kvs response: most likely not a kvs server at all. */
    private IOException notKvs(IOException e) {
        return new IOException(address + " does not answer in the kvs protocol (" + e.getMessage()
                + "): check that --addr is a kvs-server's --addr, not its --resp-addr (Redis protocol)"
                + " or another program's port", e);
    }

    private synchronized IOException fail(IOException e) {
        broken = e;
        try {
            socket.close();
        } catch (IOException c) {
            e.addSuppressed(c);
        }
        return e;
    }

    private IOException unexpected(Response r) {
        return fail(new IOException("unexpected response from " + address + ": " + r.getResultCase()));
    }

    private static ByteString wrap(byte[] bytes) {
        return UnsafeByteOperations.unsafeWrap(bytes);
    }
}
