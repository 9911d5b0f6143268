package kvs.client;

import java.time.Duration;

/**
 * A key's time to live, as the server's {@code Ttl} answers it ({@link KvsClient#ttl}): the key
 * is {@link Missing}, has {@link NoExpiry}, or {@link Expiring} with this much time left by the
 * server's clock.
 */
public sealed interface KeyTtl {

    /** The key is absent (or has expired). */
    record Missing() implements KeyTtl {
    }

    /** The key is there and never expires. */
    record NoExpiry() implements KeyTtl {
    }

    /** The key is there and expires after {@code left} (zero or more), by the server's clock. */
    record Expiring(Duration left) implements KeyTtl {
    }

    /** The answer a {@code Ttl} gives in milliseconds: -2 absent, -1 no expiry, else the time left. */
    static KeyTtl ofMillis(long ms) {
        if (ms == -2) {
            return new Missing();
        }
        if (ms == -1) {
            return new NoExpiry();
        }
        if (ms < 0) {
            throw new IllegalArgumentException("a ttl of " + ms + " ms is none of -2, -1 or a time left");
        }
        return new Expiring(Duration.ofMillis(ms));
    }
}
