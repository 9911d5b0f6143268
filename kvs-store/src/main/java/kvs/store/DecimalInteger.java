package kvs.store;

import java.nio.charset.StandardCharsets;

/**
 * The text form of the values {@link Store#incrAsync} works on: a signed 64-bit integer in
 * decimal ASCII, as Redis's {@code string2ll} accepts it, so that a value written through either
 * front end means the same to both. An optional {@code -}, then {@code 0} alone or digits not
 * starting with {@code 0}; no {@code +}, no spaces, no {@code -0}, nothing else; at most
 * {@value #MAX_BYTES} bytes.
 */
public final class DecimalInteger {

    /** The longest such text: {@code -9223372036854775808}. */
    public static final int MAX_BYTES = 20;

    private DecimalInteger() {
    }

    /**
     * The integer {@code text} spells.
     *
     * @throws NotAnIntegerException if it is not one, or out of the range of a {@code long}
     */
    public static long parse(byte[] text) {
        int n = text.length;
        if (n == 0 || n > MAX_BYTES) {
            throw NotAnIntegerException.notAnInteger();
        }
        if (n == 1 && text[0] == '0') {
            return 0;
        }
        boolean negative = text[0] == '-';
        int i = negative ? 1 : 0;
        if (i == n || text[i] < '1' || text[i] > '9') {
            throw NotAnIntegerException.notAnInteger();
        }
        // Accumulated as a negative number, whose range reaches Long.MIN_VALUE.
        long value = 0;
        for (; i < n; i++) {
            int digit = text[i] - '0';
            if (digit < 0 || digit > 9 || value < (Long.MIN_VALUE + digit) / 10) {
                throw NotAnIntegerException.notAnInteger();
            }
            value = value * 10 - digit;
        }
        if (!negative) {
            if (value == Long.MIN_VALUE) {
                throw NotAnIntegerException.notAnInteger();
            }
            value = -value;
        }
        return value;
    }

    /** {@code value} as {@link #parse} reads it. */
    public static byte[] format(long value) {
        return Long.toString(value).getBytes(StandardCharsets.US_ASCII);
    }
}
