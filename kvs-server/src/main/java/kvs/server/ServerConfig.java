package kvs.server;

import java.nio.file.Path;
import java.time.Duration;
import kvs.common.HostPort;
import kvs.common.Limits;
import kvs.server.store.StoreOptions;

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
 */
public record ServerConfig(HostPort address, Path dir, int maxKeyBytes, int maxValueBytes,
        Duration drainTimeout, StoreOptions store, boolean salvage) {

    public static final HostPort DEFAULT_ADDRESS = new HostPort("127.0.0.1", 4000);
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(10);

    public ServerConfig {
        if (maxKeyBytes < 1 || maxKeyBytes > Limits.MAX_KEY_BYTES) {
            throw new IllegalArgumentException("the key limit must be 1 to " + Limits.MAX_KEY_BYTES
                    + " bytes, got " + maxKeyBytes);
        }
        if (maxValueBytes < 0) {
            throw new IllegalArgumentException("the value limit must not be negative");
        }
    }

    /** Defaults everywhere but the address and the directory. */
    public static ServerConfig of(HostPort address, Path dir) {
        return new ServerConfig(address, dir, Limits.MAX_KEY_BYTES, Limits.DEFAULT_MAX_VALUE_BYTES,
                DEFAULT_DRAIN_TIMEOUT, StoreOptions.defaults(), false);
    }

    public int maxFrameBytes() {
        return Limits.maxFrameBytes(maxKeyBytes, maxValueBytes);
    }

    public ServerConfig withMaxValueBytes(int bytes) {
        return new ServerConfig(address, dir, maxKeyBytes, bytes, drainTimeout, store, salvage);
    }

    public ServerConfig withStore(StoreOptions options) {
        return new ServerConfig(address, dir, maxKeyBytes, maxValueBytes, drainTimeout, options, salvage);
    }
}
