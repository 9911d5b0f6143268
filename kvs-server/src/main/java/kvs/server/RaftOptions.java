package kvs.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import kvs.common.HostPort;

/**
 * How a server takes part in a replicated group (docs/REPLICATION.md): its own id, every
 * member's, and Raft's timings. {@code kvs-server --raft-id n1 --raft-peers
 * n1=127.0.0.1:5001/127.0.0.1:4001,n2=...} fills it in.
 *
 * @param selfId this member's id, one of {@code peers}
 * @param peers every member of the group, this one included, in a fixed order
 * @param electionTimeout the shortest time a follower waits for the leader before standing for
 *     election (Ratis waits between this and twice this)
 * @param snapshotEvery a snapshot is taken after this many log entries have been applied since the
 *     last one, and the log before it may be dropped
 * @param requestTimeout how long a write or linearizable read waits for a majority before it is
 *     answered OUTCOME_UNKNOWN (a write) or UNAVAILABLE (a read)
 * @param logSegmentBytes the size at which a Raft log file is closed and the next begun: only closed
 *     files are dropped after a snapshot
 */
public record RaftOptions(String selfId, List<Peer> peers, Duration electionTimeout, long snapshotEvery,
        Duration requestTimeout, long logSegmentBytes) {

    public static final Duration DEFAULT_ELECTION_TIMEOUT = Duration.ofMillis(1000);
    public static final long DEFAULT_SNAPSHOT_EVERY = 100_000;
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(5);
    public static final long DEFAULT_LOG_SEGMENT_BYTES = 8L * 1024 * 1024;
    /**
     * The largest value a group takes: an entry goes to the followers whole, in one message, and a
     * 20 MB one held heartbeats back long enough to set off elections over and over (measured).
     */
    public static final int MAX_VALUE_BYTES = 4 * 1024 * 1024;

    /**
     * One member: its id, the address its Raft traffic goes to, and the address its clients use
     * (null if not given: a follower then cannot tell a client where the leader is).
     */
    public record Peer(String id, HostPort raftAddress, HostPort clientAddress) {
    }

    public RaftOptions {
        peers = List.copyOf(peers);
        if (peers.stream().noneMatch(p -> p.id().equals(selfId))) {
            throw new IllegalArgumentException("--raft-id " + selfId + " is not one of --raft-peers ("
                    + String.join(", ", peers.stream().map(Peer::id).toList()) + ")");
        }
        if (electionTimeout.toMillis() < 50) {
            throw new IllegalArgumentException("the election timeout must be at least 50ms, got "
                    + electionTimeout.toMillis() + "ms");
        }
        if (logSegmentBytes < 1024 || logSegmentBytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a Raft log file must be 1KiB to 2GiB, got " + logSegmentBytes);
        }
        if (snapshotEvery < 1) {
            throw new IllegalArgumentException("a snapshot must be taken every 1 entry or more, got " + snapshotEvery);
        }
    }

    /** {@code selfId} in the group {@code peers} describes, with the default timings. */
    public static RaftOptions of(String selfId, String peers) {
        return new RaftOptions(selfId, parsePeers(peers), DEFAULT_ELECTION_TIMEOUT, DEFAULT_SNAPSHOT_EVERY,
                DEFAULT_REQUEST_TIMEOUT, DEFAULT_LOG_SEGMENT_BYTES);
    }

    public RaftOptions withElectionTimeout(Duration timeout) {
        return new RaftOptions(selfId, peers, timeout, snapshotEvery, requestTimeout, logSegmentBytes);
    }

    public RaftOptions withSnapshotEvery(long entries) {
        return new RaftOptions(selfId, peers, electionTimeout, entries, requestTimeout, logSegmentBytes);
    }

    public RaftOptions withRequestTimeout(Duration timeout) {
        return new RaftOptions(selfId, peers, electionTimeout, snapshotEvery, timeout, logSegmentBytes);
    }

    public RaftOptions withLogSegmentBytes(long bytes) {
        return new RaftOptions(selfId, peers, electionTimeout, snapshotEvery, requestTimeout, bytes);
    }

    /** This member. */
    public Peer self() {
        return peers.stream().filter(p -> p.id().equals(selfId)).findFirst().orElseThrow();
    }

    /**
     * Parses {@code ID=RAFT_HOST:PORT[/CLIENT_HOST:PORT],...}: ids of letters, digits, '-' and '_',
     * each once, and no address twice.
     *
     * @throws IllegalArgumentException saying which part is wrong and what is expected
     */
    public static List<Peer> parsePeers(String text) {
        List<Peer> peers = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        Set<HostPort> addresses = new HashSet<>();
        for (String part : text.split(",", -1)) {
            String p = part.strip();
            int eq = p.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("'" + p + "' is not ID=HOST:PORT: give each member as"
                        + " n1=127.0.0.1:5001 (its Raft address), or n1=127.0.0.1:5001/127.0.0.1:4001"
                        + " (and the address its clients use), separated by commas");
            }
            String id = p.substring(0, eq);
            if (!id.matches("[A-Za-z0-9_-]{1,64}")) {
                throw new IllegalArgumentException("member id '" + id + "' must be 1 to 64 letters, digits,"
                        + " '-' or '_'");
            }
            if (!ids.add(id)) {
                throw new IllegalArgumentException("member id '" + id + "' is given twice");
            }
            String[] addrs = p.substring(eq + 1).split("/", -1);
            if (addrs.length > 2) {
                throw new IllegalArgumentException("member " + id + ": '" + p.substring(eq + 1) + "' has more"
                        + " than two addresses; give RAFT_HOST:PORT or RAFT_HOST:PORT/CLIENT_HOST:PORT");
            }
            HostPort raft = address(id, addrs[0]);
            HostPort client = addrs.length == 2 ? address(id, addrs[1]) : null;
            for (HostPort a : client == null ? List.of(raft) : List.of(raft, client)) {
                if (!addresses.add(a)) {
                    throw new IllegalArgumentException("address " + a + " is given twice");
                }
            }
            peers.add(new Peer(id, raft, client));
        }
        return peers;
    }

    private static HostPort address(String id, String text) {
        try {
            HostPort a = HostPort.parse(text);
            if (a.port() == 0) {
                throw new IllegalArgumentException("port 0 cannot be reached by other members");
            }
            return a;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("member " + id + ": " + e.getMessage(), e);
        }
    }
}
