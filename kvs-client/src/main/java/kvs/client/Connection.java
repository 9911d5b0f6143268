package kvs.client;

import com.google.protobuf.InvalidProtocolBufferException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayDeque;
import kvs.common.Frames;
import kvs.common.HostPort;
import kvs.common.Limits;
import kvs.proto.Request;
import kvs.proto.Response;

/**
 * One connection to a kvs server on which requests are pipelined: {@link #send} writes a request
 * (buffered), {@link #receive} reads the response to the oldest request still unanswered. The
 * server answers in request order (docs/PROTOCOL.md), so every response must carry the id of
 * the oldest request in flight; one that does not breaks the connection.
 *
 * <p>The caller bounds what is in flight: it sends only while {@link #full} is false, and
 * receives otherwise. Why a bound at all: the socket is blocking and one thread both writes and
 * reads, so while it writes it reads nothing; were it to write without end, the server's
 * unsent responses would pile up until the server stopped reading this connection, and both
 * would wait on each other. A window of {@link #MAX_IN_FLIGHT} requests and
 * {@link #MAX_BYTES_IN_FLIGHT} request bytes keeps what is unanswered within the sockets'
 * buffers for small requests, and a request larger than that is still sent once the window
 * has room. Once full, the window stays full until half of it has been answered: sending one
 * request for each response read would flush, and so write to the socket, once a request.
 *
 * <p>Not thread-safe: {@link KvsClient} serialises its callers. If the connection fails or a
 * response times out, the connection is closed and every later call fails with the cause.
 */
public final class Connection implements AutoCloseable {

    /** Requests in flight at most before {@link #full} says to receive. */
    public static final int MAX_IN_FLIGHT = 256;
    /** Request bytes in flight at most before {@link #full} says to receive. */
    public static final long MAX_BYTES_IN_FLIGHT = 1024 * 1024;

    private final HostPort address;
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    /** Ids and frame sizes of the requests sent and not yet answered, oldest first. */
    private final ArrayDeque<long[]> inFlight = new ArrayDeque<>();
    private long bytesInFlight;
    /** Whether the window filled and less than half of it has been answered since. */
    private boolean full;
    /** Whether requests have been written since the last flush. */
    private boolean unflushed;
    private long lastId;
    /** Why the connection is unusable, or null. */
    private IOException broken;

    private Connection(HostPort address, Socket socket) throws IOException {
        this.address = address;
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        this.out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
    }

    /**
     * Connects to a server.
     *
     * @throws IOException naming the address and the cause if no connection can be made
     */
    public static Connection connect(HostPort address, ClientOptions options) throws IOException {
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
            return new Connection(address, socket);
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

    /** Waits at most {@code ms} (at least 1) for each response from now on. */
    void responseTimeout(long ms) throws IOException {
        socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, ms)));
    }

    public HostPort address() {
        return address;
    }

    /** Whether the window is full: receive before sending more. */
    public boolean full() {
        return full;
    }

    /** Requests sent and not yet answered. */
    public int inFlight() {
        return inFlight.size();
    }

    /**
     * Writes {@code request} with the next id (buffered: {@link #receive} flushes); returns the id.
     * Does not look at the window: the caller does, with {@link #full}.
     */
    public long send(Request.Builder request) throws IOException {
        checkUsable();
        long id = ++lastId;
        Request r = request.setId(id).build();
        try {
            Frames.write(out, r);
        } catch (IOException e) {
            throw fail(new IOException("connection to " + address + " failed: " + e.getMessage(), e));
        }
        int size = r.getSerializedSize() + Frames.MAX_VARINT32_BYTES;
        inFlight.add(new long[] {id, size});
        bytesInFlight += size;
        full |= inFlight.size() >= MAX_IN_FLIGHT || bytesInFlight >= MAX_BYTES_IN_FLIGHT;
        unflushed = true;
        return id;
    }

    /**
     * The response to the oldest request in flight, flushing what was sent first.
     *
     * @throws ServerErrorException if the server answered it with an {@code Error}: that request
     *     was not applied, and the connection stays usable
     * @throws IOException if the connection failed (it is closed then)
     * @throws IllegalStateException if no request is in flight
     */
    public Response receive() throws IOException {
        checkUsable();
        long[] oldest = inFlight.peek();
        if (oldest == null) {
            throw new IllegalStateException("no request in flight");
        }
        long id = oldest[0];
        Response response;
        try {
            if (unflushed) {
                out.flush();
                unflushed = false;
            }
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
        if (response.getResultCase() == Response.ResultCase.ERROR && response.getId() != id) {
            // An error with another id (0) means the server could not read a request, and closes.
            fail(new IOException("the server closed the connection"));
            throw new ServerErrorException(response.getError().getCode(), response.getError().getMessage(),
                    response.getError().getLeaderAddr());
        }
        if (response.getId() != id) {
            throw fail(new IOException("response id " + response.getId() + " does not match request id "
                    + id + " from " + address));
        }
        inFlight.remove();
        bytesInFlight -= oldest[1];
        if (full && inFlight.size() <= MAX_IN_FLIGHT / 2 && bytesInFlight <= MAX_BYTES_IN_FLIGHT / 2) {
            full = false;
        }
        if (response.getResultCase() == Response.ResultCase.ERROR) {
            throw new ServerErrorException(response.getError().getCode(), response.getError().getMessage(),
                    response.getError().getLeaderAddr());
        }
        return response;
    }

    /** A {@code Set}'s, {@code SetMany}'s, {@code Compact}'s or {@code Ping}'s response: {@code Done}. */
    public void expectDone(Response r) throws IOException {
        if (r.getResultCase() != Response.ResultCase.DONE) {
            throw unexpected(r);
        }
    }

    /** A {@code Get}'s response: the value, or {@code null} for {@code NotFound}. */
    public byte[] value(Response r) throws IOException {
        return switch (r.getResultCase()) {
            case VALUE -> r.getValue().getValue().toByteArray();
            case NOT_FOUND -> null;
            default -> throw unexpected(r);
        };
    }

    /** An {@code Rm}'s response: whether the key was there. */
    public boolean removed(Response r) throws IOException {
        return switch (r.getResultCase()) {
            case DONE -> true;
            case NOT_FOUND -> false;
            default -> throw unexpected(r);
        };
    }

    /** Breaks the connection for a response it cannot use: a reply of a kind the request has not. */
    public IOException unexpected(Response r) {
        return fail(new IOException("unexpected response from " + address + ": " + r.getResultCase()));
    }

    @Override
    public void close() throws IOException {
        if (broken == null) {
            broken = new IOException("the client is closed");
        }
        socket.close();
    }

    /** Whether requests can still be sent: it has neither failed nor been closed. */
    public boolean usable() {
        return broken == null;
    }

    private void checkUsable() throws IOException {
        if (broken != null) {
            throw new IOException("connection to " + address + " is unusable: " + broken.getMessage(),
                    broken);
        }
    }

    /** A reply that is not a kvs response: most likely not a kvs server at all. */
    private IOException notKvs(IOException e) {
        return new IOException(address + " does not answer in the kvs protocol (" + e.getMessage()
                + "): check that --addr is a kvs-server's --addr, not its --resp-addr (Redis protocol)"
                + " or another program's port", e);
    }

    private <E extends IOException> E fail(E e) {
        broken = e;
        try {
            socket.close();
        } catch (IOException c) {
            e.addSuppressed(c);
        }
        return e;
    }
}
