package kvs.store;

/**
 * An increment refused, nothing written: the key's value is not a decimal integer of 64 bits
 * ({@link DecimalInteger}), or the sum would not fit in one. The messages are Redis's own, word
 * for word, so that the RESP listener can pass them on as Redis clients expect them.
 */
public final class NotAnIntegerException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final boolean overflow;

    private NotAnIntegerException(String message, boolean overflow) {
        super(message);
        this.overflow = overflow;
    }

    /** The value is not a decimal integer in the range of a signed 64-bit one. */
    static NotAnIntegerException notAnInteger() {
        return new NotAnIntegerException("value is not an integer or out of range", false);
    }

    /** The value is an integer, but adding the increment to it would overflow 64 bits. */
    static NotAnIntegerException overflow() {
        return new NotAnIntegerException("increment or decrement would overflow", true);
    }

    /** Whether the sum overflowed (rather than the value not being an integer). */
    public boolean isOverflow() {
        return overflow;
    }
}
