package kvs.client;

import java.io.IOException;

/**
 * A write to a replicated group that may or may not have been applied: it was sent, and no member
 * said whether it was before the client's time ran out (the leader died, or lost its lead, with the
 * write in flight). It was never applied twice: retries carried the same client id and number.
 * Read the key to find out.
 */
public final class OutcomeUnknownException extends IOException {
    private static final long serialVersionUID = 1L;

    public OutcomeUnknownException(String message, Throwable cause) {
        super(message, cause);
    }
}
