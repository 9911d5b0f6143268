package kvs.client;

import java.time.Duration;
import java.time.Instant;
import kvs.proto.Set;

/**
 * The expiry a set gives its key (docs/PROTOCOL.md, "Expiry"): {@link #NONE} (the key never
 * expires: a plain set clears an expiry, as Redis's SET does), {@link #after} a time to live
 * counted on the server's clock, {@link #at} an instant, or {@link #KEEP} the key's expiry as it
 * is. Checked when made, so that a bad one fails in the caller, not on the server.
 */
public final class Expiry {

    /** The key never expires. */
    public static final Expiry NONE = new Expiry(0, 0, false);
    /** The key keeps the expiry it has, if any (Redis's KEEPTTL). */
    public static final Expiry KEEP = new Expiry(0, 0, true);

    private final long ttlMillis;
    private final long atMillis;
    private final boolean keep;

    private Expiry(long ttlMillis, long atMillis, boolean keep) {
        this.ttlMillis = ttlMillis;
        this.atMillis = atMillis;
        this.keep = keep;
    }

    /**
     * Expires {@code ttl} after the server applies the write, by the server's clock.
     *
     * @throws IllegalArgumentException if {@code ttl} is under 1 ms (the protocol counts whole
     *     milliseconds, and 0 means no expiry)
     */
    public static Expiry after(Duration ttl) {
        return new Expiry(ttlMillis(ttl), 0, false);
    }

    /**
     * Expires at {@code instant}, by the server's clock; one already past removes the key at once.
     *
     * @throws IllegalArgumentException if {@code instant} is not after the Unix epoch (the
     *     protocol counts milliseconds since it, and 0 means no expiry)
     */
    public static Expiry at(Instant instant) {
        return new Expiry(0, epochMillis(instant), false);
    }

    /** {@code ttl} in whole milliseconds, at least 1. */
    static long ttlMillis(Duration ttl) {
        long ms;
        try {
            ms = ttl.toMillis();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("a time to live of " + ttl + " is too long", e);
        }
        if (ms < 1) {
            throw new IllegalArgumentException("a time to live is at least 1 ms, not " + ttl);
        }
        return ms;
    }

    /** {@code instant} in milliseconds since the Unix epoch, at least 1. */
    static long epochMillis(Instant instant) {
        long ms;
        try {
            ms = instant.toEpochMilli();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("expiry time " + instant + " is out of range", e);
        }
        if (ms < 1) {
            throw new IllegalArgumentException("an expiry time is after the Unix epoch, not " + instant);
        }
        return ms;
    }

    /** Writes this expiry into {@code set}. */
    Set.Builder applyTo(Set.Builder set) {
        return set.setTtlMs(ttlMillis).setExpireAtMs(atMillis).setKeepTtl(keep);
    }

    @Override
    public String toString() {
        return keep ? "keep" : ttlMillis > 0 ? "after " + ttlMillis + " ms"
                : atMillis > 0 ? "at " + Instant.ofEpochMilli(atMillis) : "none";
    }
}
