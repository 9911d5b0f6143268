package kvs.server;

import java.nio.file.Path;
import java.time.Duration;
import kvs.common.HostPort;
import kvs.common.Limits;
import kvs.store.StoreOptions;

/**
 * Everything a {@link KvsServer} is started with; {@code kvs-server}'s flags fill it in.
 *
 * @param address where to listen (port 0: any free port)
 * @param dir the data directory, created if missing
 * @param maxKeyBytes the largest key accepted, at most {@link Limits#MAX_KEY_BYTES}
 * @param maxValueBytes the largest value accepted
 * @param drainTimeout how long shutdown waits for requests already received to be answered
 * @param store how the store is run
 * @param salvage open the store keeping every record that checks out, rather than refusing to
 *     open a damaged one
 * @param idleTimeout a connection that sends nothing (or stops mid-frame) for this long, while
 *     no answer is due to it, is closed
 * @param maxConnections connections beyond this many are refused with {@code UNAVAILABLE}
 * @param maxPendingBytes server-wide, the most bytes held in requests still being received, and
 *     (apart) in responses not yet sent
 * @param respAddress where to listen for RESP (Redis protocol) clients too, or null for nowhere
 * @param pidFile where to write this process's PID once listening (removed on close), or null
 *     for nowhere; see {@link PidFile}
 * @param backupRoot the directory a backup request may write into (each into a new directory of
 *     it), or null: backups over the network are off
 * @param raft this server's part in a replicated group (docs/REPLICATION.md), or null: a single
 *     server
 */
public record ServerConfig(HostPort address, Path dir, int maxKeyBytes, int maxValueBytes,
        Duration drainTimeout, StoreOptions store, boolean salvage, Duration idleTimeout,
        int maxConnections, long maxPendingBytes, HostPort respAddress, Path pidFile, Path backupRoot,
        RaftOptions raft) {

    public static final HostPort DEFAULT_ADDRESS = new HostPort("127.0.0.1", 4000);
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(300);
    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
    public static final long DEFAULT_MAX_PENDING_BYTES = 256L * 1024 * 1024;

    public ServerConfig {
        if (maxKeyBytes < 1 || maxKeyBytes > Limits.MAX_KEY_BYTES) {
            throw new IllegalArgumentException("the key limit must be 1 to " + Limits.MAX_KEY_BYTES
                    + " bytes, got " + maxKeyBytes);
        }
        if (maxValueBytes < 0) {
            throw new IllegalArgumentException("the value limit must not be negative");
        }
        if (idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("the idle timeout must be positive");
        }
        if (maxConnections < 1) {
            throw new IllegalArgumentException("the connection limit must be at least 1");
        }
        if (maxPendingBytes < 1) {
            throw new IllegalArgumentException("the pending bytes limit must be at least 1 byte");
        }
    }

    /** Defaults everywhere but the address and the directory. */
    public static ServerConfig of(HostPort address, Path dir) {
        return new ServerConfig(address, dir, Limits.MAX_KEY_BYTES, Limits.DEFAULT_MAX_VALUE_BYTES,
                DEFAULT_DRAIN_TIMEOUT, StoreOptions.defaults(), false, DEFAULT_IDLE_TIMEOUT,
                DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_PENDING_BYTES, null, null, null, null);
    }

    public int maxFrameBytes() {
        return Limits.maxFrameBytes(maxKeyBytes, maxValueBytes);
    }

    public ServerConfig withMaxValueBytes(int bytes) {
        return new ServerConfig(address, dir, maxKeyBytes, bytes, drainTimeout, store, salvage,
                idleTimeout, maxConnections, maxPendingBytes, respAddress, pidFile, backupRoot, raft);
    }

    public ServerConfig withStore(StoreOptions options) {
        return new ServerConfig(address, dir, maxKeyBytes, maxValueBytes, drainTimeout, options, salvage,
                idleTimeout, maxConnections, maxPendingBytes, respAddress, pidFile, backupRoot, raft);
    }

    public ServerConfig withMaxKeyBytes(int bytes) {
        return new ServerConfig(address, dir, bytes, maxValueBytes, drainTimeout, store, salvage,
                idleTimeout, maxConnections, maxPendingBytes, respAddress, pidFile, backupRoot, raft);
    }

    public ServerConfig withIdleTimeout(Duration timeout) {
        return new ServerConfig(address, dir, maxKeyBytes, maxValueBytes, drainTimeout, store, salvage,
                timeout, maxConnections, maxPendingBytes, respAddress, pidFile, backupRoot, raft);
    }

    public ServerConfig withMaxConnections(int n) {
        return new ServerConfig(address, dir, maxKeyBytes, maxValueBytes, drainTimeout, store, salvage,
                idleTimeout, n, maxPendingBytes, respAddress, pidFile, backupRoot, raft);
    }

    public ServerConfig withMaxPendingBytes(long bytes) {
        return new ServerConfig(address, dir, maxKeyBytes, maxValueBytes, drainTimeout, store, salvage,
                idleTimeout, maxConnections, bytes, respAddress, pidFile, backupRoot, raft);
    }

    public ServerConfig withRespAddress(HostPort resp) {
        return new ServerConfig(address, dir, maxKeyBytes, maxValueBytes, drainTimeout, store, salvage,
                idleTimeout, maxConnections, maxPendingBytes, resp, pidFile, backupRoot, raft);
    }

    public ServerConfig withPidFile(Path file) {
        return new ServerConfig(address, dir, maxKeyBytes, maxValueBytes, drainTimeout, store, salvage,
                idleTimeout, maxConnections, maxPendingBytes, respAddress, file, backupRoot, raft);
    }

    public ServerConfig withBackupRoot(Path root) {
        return new ServerConfig(address, dir, maxKeyBytes, maxValueBytes, drainTimeout, store, salvage,
                idleTimeout, maxConnections, maxPendingBytes, respAddress, pidFile, root, raft);
    }

    public ServerConfig withRaft(RaftOptions options) {
        return new ServerConfig(address, dir, maxKeyBytes, maxValueBytes, drainTimeout, store, salvage,
                idleTimeout, maxConnections, maxPendingBytes, respAddress, pidFile, backupRoot, options);
    }
}
