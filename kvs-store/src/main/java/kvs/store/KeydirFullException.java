package kvs.store;

import java.io.IOException;

/**
 * A set of a new key refused because the keydir has reached its budget
 * ({@link StoreOptions#maxKeydirBytes}). Nothing was written. Keys the store holds can still be
 * overwritten and removed; removing keys makes room for new ones.
 */
public final class KeydirFullException extends IOException {
    private static final long serialVersionUID = 1L;

    private final long limit;

    KeydirFullException(long limit, long heapBytes, int keys) {
        super("the keydir is full: " + keys + " keys take about " + heapBytes + " bytes of memory,"
                + " and a new key would pass the keydir budget of " + limit + " bytes; new keys are"
                + " refused (existing keys can still be set and removed, nothing was written):"
                + " remove keys, or restart with a larger --max-keydir-bytes (more -Xmx too, if the"
                + " heap is the limit)");
        this.limit = limit;
    }

    /** The budget that was reached, in bytes. */
    public long limit() {
        return limit;
    }
}
