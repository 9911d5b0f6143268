package kvs.store;

import java.util.List;

/**
 * One page of a scan ({@link Store#scan}): keys, and the cursor that asks for the next page, 0
 * when the scan is done. A page may hold fewer keys than asked for, even none, before the end:
 * go on until the cursor is 0.
 */
public record ScanPage(List<byte[]> keys, long cursor) {

    public ScanPage {
        keys = List.copyOf(keys);
    }

    /** Whether this is the last page. */
    public boolean done() {
        return cursor == 0;
    }
}
