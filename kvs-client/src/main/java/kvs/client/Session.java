package kvs.client;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.List;
import kvs.common.HostPort;
import kvs.proto.ErrorCode;
import kvs.proto.Request;
import kvs.proto.Response;

/**
 * A {@link KvsClient}'s connection, to one server or to the members of a replicated group
 * (docs/REPLICATION.md). To a group, it follows the leader: a member that answers {@code
 * NOT_LEADER} names the leader, or the next member is tried; a lost connection or {@code
 * OUTCOME_UNKNOWN} is retried on the next leader, the write carrying the same client id and
 * number, so that it is applied at most once. All within the client's request timeout; a write
 * still unanswered then is reported as {@link OutcomeUnknownException}, never as failed.
 * Not thread-safe: {@link KvsClient} serializes calls.
 */
final class Session {

    /** Attempts a call makes at most, whatever its time: a bound on every loop. */
    private static final int MAX_ATTEMPTS = 200;
    private static final long PAUSE_MS = 50;

    private final List<HostPort> members;
    private final ClientOptions options;
    private final ByteString clientId;
    private Connection connection;
    private HostPort target;
    /** Whether writes carry the client id and a number, and calls follow the leader. */
    private boolean grouped;
    private long seq;

    private Session(List<HostPort> members, ClientOptions options, Connection connection) {
        this.members = List.copyOf(members);
        this.options = options;
        this.connection = connection;
        this.target = connection.address();
        this.grouped = members.size() > 1;
        byte[] id = new byte[16];
        new SecureRandom().nextBytes(id);
        this.clientId = ByteString.copyFrom(id);
    }

    /**
     * Connects to the first of {@code members} that answers.
     *
     * @throws IOException the last member's failure to connect, if none does
     */
    static Session connect(List<HostPort> members, ClientOptions options) throws IOException {
        if (members.isEmpty()) {
            throw new IllegalArgumentException("no server address");
        }
        IOException last = null;
        for (HostPort m : members) {
            try {
                return new Session(members, options, Connection.connect(m, options));
            } catch (IOException e) {
                if (last != null) {
                    e.addSuppressed(last);
                }
                last = e;
            }
        }
        throw last;
    }

    /** The connection now: for reading responses, and for pipelining to a single server. */
    Connection connection() {
        return connection;
    }

    /** Whether calls may move between members (a group): then nothing is pipelined. */
    boolean grouped() {
        return grouped;
    }

    /** Sends {@code request} and reads its response; an {@code Error} becomes an exception. */
    Response call(Request.Builder request) throws IOException {
        if (!grouped) {
            try {
                connection.send(request);
                return connection.receive();
            } catch (ServerErrorException e) {
                if (e.code() != ErrorCode.NOT_LEADER) {
                    throw e;
                }
                grouped = true; // a member of a group after all: nothing was applied, follow it
                target = leaderOrNext(e);
            }
        }
        return groupCall(request);
    }

    private Response groupCall(Request.Builder request) throws IOException {
        boolean write = isWrite(request);
        if (write) {
            request.setClientId(clientId).setSeq(++seq);
        }
        long deadline = System.nanoTime() + options.requestTimeout().toNanos();
        boolean mayHaveApplied = false;
        IOException last = null;
        java.util.Map<HostPort, String> heard = new java.util.LinkedHashMap<>();
        for (int attempt = 0; attempt < MAX_ATTEMPTS && System.nanoTime() < deadline; attempt++) {
            boolean sent = false;
            try {
                // Only the call's time left: a member that never answers must not keep it longer.
                long leftMs = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
                Connection c = connectionTo(target, leftMs);
                c.responseTimeout(leftMs);
                c.send(request);
                sent = true;
                return c.receive();
            } catch (ServerErrorException e) {
                last = e;
                heard.put(target, e.getMessage());
                switch (e.code()) {
                    case NOT_LEADER -> target = leaderOrNext(e);
                    case OUTCOME_UNKNOWN -> {
                        mayHaveApplied = true;
                        target = leaderOrNext(e);
                    }
                    case UNAVAILABLE -> {
                        // A leader just elected, or a member shutting down: wait, then the next one.
                        target = attempt % 4 == 3 ? next(target) : target;
                    }
                    case RESOURCE_EXHAUSTED -> {
                        // Refused before the log (a member's memory budget): it settles nothing
                        // about an earlier attempt that may have applied, so that one's retry goes on.
                        if (!mayHaveApplied) {
                            throw e;
                        }
                    }
                    default -> throw e;
                }
            } catch (IOException e) {
                // No connection, or it failed: a write sent may have been applied.
                last = e;
                heard.put(target, e.getMessage());
                mayHaveApplied |= sent && write;
                dropConnection();
                target = next(target);
            }
            pause();
        }
        if (mayHaveApplied) {
            throw new OutcomeUnknownException("the write may or may not have been applied: no member answered"
                    + " for sure within " + options.requestTimeout().toMillis() + " ms (last: "
                    + (last == null ? "none" : last.getMessage()) + "); it is applied at most once: read the key"
                    + " to find out", last);
        }
        if (heard.size() > 1) {
            StringBuilder b = new StringBuilder("no member of the group took the request within "
                    + options.requestTimeout().toMillis() + " ms (is a majority of the members up?); last heard:");
            heard.forEach((m, what) -> b.append("\n  ").append(m).append(": ").append(what));
            throw new IOException(b.toString(), last);
        }
        throw last != null ? last : new IOException("no member of " + members + " answered within "
                + options.requestTimeout().toMillis() + " ms");
    }

    private static boolean isWrite(Request.Builder r) {
        return switch (r.getCommandCase()) {
            case SET, RM, SET_MANY, INCR, EXPIRE, PERSIST, BATCH -> true;
            default -> false;
        };
    }

    private HostPort leaderOrNext(ServerErrorException e) {
        if (!e.leaderAddress().isEmpty()) {
            try {
                return HostPort.parse(e.leaderAddress());
            } catch (IllegalArgumentException unparsable) {
                return next(target);
            }
        }
        return next(target);
    }

    /** The member after {@code m} in the list (the first if {@code m} is not in it). */
    private HostPort next(HostPort m) {
        int i = members.indexOf(m);
        return members.get((i + 1) % members.size());
    }

    private Connection connectionTo(HostPort address, long leftMs) throws IOException {
        if (connection != null && connection.address().equals(address) && connection.usable()) {
            return connection;
        }
        dropConnection();
        connection = Connection.connect(address, new ClientOptions(java.time.Duration.ofMillis(
                options.connectTimeout().isZero() ? leftMs : Math.min(options.connectTimeout().toMillis(), leftMs)),
                options.requestTimeout()));
        return connection;
    }

    private void dropConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (IOException ignored) {
                // it was failing anyway
            }
        }
    }

    private static void pause() throws IOException {
        try {
            Thread.sleep(PAUSE_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while finding the leader");
        }
    }

    void close() throws IOException {
        connection.close();
    }
}
