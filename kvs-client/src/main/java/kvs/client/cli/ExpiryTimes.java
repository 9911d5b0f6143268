package kvs.client.cli;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import kvs.client.Expiry;
import kvs.client.KeyTtl;
import kvs.common.Units;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * How the client's command line writes expiry: a time to live ({@code 10s}, {@code 500ms},
 * {@code 2m}, {@code 1h}, {@code 1d}, or a bare number of seconds, as Redis's EXPIRE takes it), an
 * instant ({@code 2026-12-31T00:00:00Z}, ISO-8601 with an offset), and a time left as {@code ttl}
 * prints it ({@code 9998ms}: whole milliseconds, which {@code --ttl} and {@code expire} read
 * back).
 */
final class ExpiryTimes {

    static final String TTL_FORMS = "a whole number of seconds (10), or a number with a unit:"
            + " 500ms, 10s, 2m, 1h, 1d; at least 1ms";
    static final String INSTANT_FORMS = "an ISO-8601 instant with its offset, e.g. 2026-12-31T00:00:00Z"
            + " or 2026-12-31T01:00:00+01:00";

    private ExpiryTimes() {
    }

    /**
     * A time to live: a bare integer is seconds, anything else {@link Units#parseDuration}'s.
     *
     * @throws IllegalArgumentException naming {@code text} and the accepted forms, for garbage,
     *     0, or less than a millisecond
     */
    static Duration parseTtl(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        Duration d;
        try {
            d = !t.isEmpty() && t.chars().allMatch(Character::isDigit) ? Duration.ofSeconds(Long.parseLong(t))
                    : Units.parseDuration(t);
            d.toMillis(); // the protocol's milliseconds must hold it
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new IllegalArgumentException("invalid time to live '" + text + "': give " + TTL_FORMS, e);
        }
        if (d.compareTo(Duration.ofMillis(1)) < 0) {
            throw new IllegalArgumentException("invalid time to live '" + text + "': give " + TTL_FORMS);
        }
        return d;
    }

    /**
     * An instant as ISO-8601 writes one, with its offset ({@code Z} for UTC).
     *
     * @throws IllegalArgumentException naming {@code text} and the accepted form
     */
    static Instant parseInstant(String text) {
        Instant instant;
        try {
            instant = Instant.parse(text.strip());
            if (instant.toEpochMilli() >= 1) {
                return instant;
            }
        } catch (DateTimeParseException | ArithmeticException e) {
            throw new IllegalArgumentException("invalid time '" + text + "': give " + INSTANT_FORMS, e);
        }
        throw new IllegalArgumentException("invalid time '" + text + "': it must be after 1970-01-01T00:00:00Z");
    }

    /** What {@code ttl} prints: {@code 9998ms}, {@code no expiry}, or null for a missing key. */
    static String format(KeyTtl ttl) {
        if (ttl instanceof KeyTtl.Expiring e) {
            return e.left().toMillis() + "ms";
        }
        return ttl instanceof KeyTtl.NoExpiry ? "no expiry" : null;
    }

    /** picocli's converter for {@link #parseTtl}. */
    static final class TtlConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return parseTtl(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** picocli's converter for {@link #parseInstant}. */
    static final class InstantConverter implements ITypeConverter<Instant> {
        @Override
        public Instant convert(String value) {
            try {
                return parseInstant(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** {@code set}'s expiry options, at most one of them: an {@code @ArgGroup(exclusive = true)}. */
    static final class SetOptions {
        @Option(names = "--ttl", paramLabel = "DURATION", required = true, converter = TtlConverter.class,
                description = "KEY expires this long after the server sets it, by the server's clock: seconds"
                        + " (10), or 500ms, 10s, 2m, 1h, 1d.")
        Duration ttl;

        @Option(names = "--expire-at", paramLabel = "TIME", required = true, converter = InstantConverter.class,
                description = "KEY expires at TIME, by the server's clock: ISO-8601 with its offset,"
                        + " e.g. 2026-12-31T00:00:00Z. A time already past removes KEY at once.")
        Instant at;

        @Option(names = "--keep-ttl", required = true,
                description = "KEY keeps the expiry it has (without an expiry option, a set clears it).")
        boolean keep;

        Expiry expiry() {
            return ttl != null ? Expiry.after(ttl) : at != null ? Expiry.at(at) : keep ? Expiry.KEEP : Expiry.NONE;
        }
    }
}
