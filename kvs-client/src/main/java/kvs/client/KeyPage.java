package kvs.client;

import java.util.List;

/**
 * One page of a scan ({@link KvsClient#scanPage}): keys, and the cursor that asks for the next
 * page, {@code null} when the scan is done. A page may hold fewer keys than asked for, even none,
 * before the end (docs/PROTOCOL.md, "Scan").
 */
public record KeyPage(List<byte[]> keys, byte[] cursor) {

    public KeyPage {
        keys = List.copyOf(keys);
    }

    /** Whether this is the last page. */
    public boolean done() {
        return cursor == null;
    }
}
