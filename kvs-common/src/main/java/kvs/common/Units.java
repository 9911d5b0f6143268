package kvs.common;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one parser for sizes and durations on every command line.
 *
 * <p>Sizes are bytes, or carry a binary unit: {@code 65536}, {@code 64KiB}, {@code 128MiB},
 * {@code 1GiB} ({@code B}, {@code KiB}, {@code MiB}, {@code GiB}, {@code TiB}; {@code K}, {@code M},
 * {@code G} and {@code KB}, {@code MB}, {@code GB} are read as the binary units too). Durations
 * carry a unit: {@code 500ms}, {@code 2s}, {@code 5m}, {@code 1h} (also {@code us}, {@code d}).
 */
public final class Units {

    public static final String SIZE_EXAMPLES = "e.g. 65536, 64KiB, 128MiB or 1GiB";
    public static final String DURATION_EXAMPLES = "e.g. 500ms, 2s, 5m or 1h";

    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([a-z]*)");
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*([a-z]+)");

    private Units() {
    }

    /**
     * Parses a size in bytes.
     *
     * @throws IllegalArgumentException saying what is wrong and what a good size looks like
     */
    public static long parseSize(String text) {
        Matcher m = SIZE.matcher(text == null ? "" : text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("invalid size '" + text + "': " + SIZE_EXAMPLES);
        }
        long shift = switch (m.group(2)) {
            case "", "b" -> 0;
            case "k", "kb", "kib" -> 10;
            case "m", "mb", "mib" -> 20;
            case "g", "gb", "gib" -> 30;
            case "t", "tb", "tib" -> 40;
            default -> throw new IllegalArgumentException(
                    "invalid size '" + text + "': unknown unit '" + m.group(2) + "'; " + SIZE_EXAMPLES);
        };
        long n = parseNumber(m.group(1), text, SIZE_EXAMPLES);
        if (n > (Long.MAX_VALUE >> shift)) {
            throw new IllegalArgumentException("invalid size '" + text + "': too large");
        }
        return n << shift;
    }

    /**
     * Parses a duration, which must carry a unit.
     *
     * @throws IllegalArgumentException saying what is wrong and what a good duration looks like
     */
    public static Duration parseDuration(String text) {
        Matcher m = DURATION.matcher(text == null ? "" : text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    "invalid duration '" + text + "': a number with a unit, " + DURATION_EXAMPLES);
        }
        long n = parseNumber(m.group(1), text, DURATION_EXAMPLES);
        try {
            return switch (m.group(2)) {
                case "us" -> Duration.ofNanos(Math.multiplyExact(n, 1000L));
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m", "min" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                default -> throw new IllegalArgumentException("invalid duration '" + text
                        + "': unknown unit '" + m.group(2) + "'; " + DURATION_EXAMPLES);
            };
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("invalid duration '" + text + "': too large", e);
        }
    }

    /** Formats a byte count the way {@link #parseSize} reads it, exact where it can be. */
    public static String formatSize(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        int i = 0;
        long n = bytes;
        while (i < units.length - 1 && n != 0 && n % 1024 == 0) {
            n /= 1024;
            i++;
        }
        return i == 0 ? bytes + " bytes" : n + units[i];
    }

    private static long parseNumber(String digits, String text, String examples) {
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid value '" + text + "': too large; " + examples, e);
        }
    }

    /** {@code n} and the noun, plural unless {@code n} is 1: "1 key", "2 keys", "0 keys". */
    public static String count(long n, String singular) {
        return n + " " + (n == 1 ? singular : singular + "s");
    }
}
