package kvs.server;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import kvs.proto.Counted;
import kvs.proto.ErrorCode;
import kvs.proto.Request;
import kvs.proto.Response;
import kvs.proto.Scan;
import kvs.proto.ScanPage;
import kvs.store.Store;

/**
 * The requests about keys rather than values: {@code Scan}, {@code Count}, {@code Exists}. Each
 * reads the keydir only, never a data file, so an event loop answers them itself; a scan page
 * holds the keydir's read lock for a bounded number of entries (kvs.store.KeyScan), and an
 * {@code Exists} of more than {@link #INLINE_EXISTS_KEYS} keys goes to a store thread.
 */
final class KeyQueries {

    /** Keys a scan page holds when the request says 0. */
    static final int DEFAULT_SCAN_LIMIT = 1_000;
    /** Keys a scan page holds at most, whatever the request says. */
    static final int MAX_SCAN_LIMIT = 10_000;
    /** Keys an event loop looks up for one {@code Exists}; more go to a store thread. */
    static final int INLINE_EXISTS_KEYS = 1_000;
    /** A cursor on the wire: the store's cursor, a positive long, as 8 bytes big-endian. */
    private static final int CURSOR_BYTES = Long.BYTES;

    private KeyQueries() {
    }

    /** Whether {@code request} is one of these and well formed; its error otherwise, or null. */
    static kvs.proto.Error validate(Request request) {
        return switch (request.getCommandCase()) {
            case SCAN -> {
                int cursor = request.getScan().getCursor().size();
                yield cursor == 0 || cursor == CURSOR_BYTES ? null : ErrorMapper.error(ErrorCode.BAD_REQUEST,
                        "a scan cursor is empty or " + CURSOR_BYTES + " bytes, as a ScanPage gave it, not "
                                + cursor + " bytes");
            }
            case EXISTS -> request.getExists().getKeysCount() == 0
                    ? ErrorMapper.error(ErrorCode.BAD_REQUEST, "exists with no keys") : null;
            default -> null;
        };
    }

    /** The keys of an {@code Exists}, or null if there are too many for an event loop. */
    static List<byte[]> existsKeys(Request request, boolean mayWait) {
        List<ByteString> keys = request.getExists().getKeysList();
        if (!mayWait && keys.size() > INLINE_EXISTS_KEYS) {
            return null;
        }
        List<byte[]> bytes = new ArrayList<>(keys.size());
        for (ByteString k : keys) {
            bytes.add(k.toByteArray());
        }
        return bytes;
    }

    static Response counted(long id, long count) {
        return Response.newBuilder().setId(id).setCounted(Counted.newBuilder().setCount(count)).build();
    }

    /** One scan page; a cursor the store did not give is the client's error, not the server's. */
    static Response scan(Store store, long id, Scan scan) {
        long asked = Integer.toUnsignedLong(scan.getLimit()); // a uint32: over 2^31 reads negative
        int limit = asked == 0 ? DEFAULT_SCAN_LIMIT : (int) Math.min(asked, MAX_SCAN_LIMIT);
        long cursor = scan.getCursor().isEmpty() ? 0 : scan.getCursor().asReadOnlyByteBuffer().getLong();
        kvs.store.ScanPage page;
        try {
            page = store.scan(cursor, scan.getPrefix().toByteArray(), limit);
        } catch (IllegalArgumentException e) {
            return StoreCommands.error(id, ErrorMapper.error(ErrorCode.BAD_REQUEST, e.getMessage()));
        }
        ScanPage.Builder reply = ScanPage.newBuilder();
        for (byte[] key : page.keys()) {
            reply.addKeys(UnsafeByteOperations.unsafeWrap(key));
        }
        if (!page.done()) {
            reply.setCursor(ByteString.copyFrom(ByteBuffer.allocate(CURSOR_BYTES).putLong(0, page.cursor())));
        }
        return Response.newBuilder().setId(id).setScanPage(reply).build();
    }
}
