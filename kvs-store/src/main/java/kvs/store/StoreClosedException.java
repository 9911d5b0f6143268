package kvs.store;

import java.io.IOException;

/** An operation on a store that has been closed. */
public final class StoreClosedException extends IOException {
    private static final long serialVersionUID = 1L;

    public StoreClosedException() {
        super("the store is closed");
    }
}
