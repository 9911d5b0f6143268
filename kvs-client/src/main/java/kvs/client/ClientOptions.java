package kvs.client;

import java.time.Duration;

/**
 * How a {@link KvsClient} connects and waits.
 *
 * @param connectTimeout how long to wait for a connection
 * @param requestTimeout how long to wait for each response (between bytes, for a large one)
 */
public record ClientOptions(Duration connectTimeout, Duration requestTimeout) {

    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(3);
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);

    public ClientOptions {
        if (connectTimeout.isNegative() || requestTimeout.isNegative()) {
            throw new IllegalArgumentException("timeouts must not be negative");
        }
    }

    public static ClientOptions defaults() {
        return new ClientOptions(DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT);
    }
}
