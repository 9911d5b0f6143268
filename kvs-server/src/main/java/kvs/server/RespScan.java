package kvs.server;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import kvs.proto.Request;
import kvs.proto.Scan;

/**
 * RESP's {@code SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]} as a kvs {@code Scan}.
 *
 * <p>The cursor is the kvs cursor's 8 bytes read as a decimal number (a positive long), 0 to
 * start and at the end, as in Redis. kvs keeps keys in a hash index and filters a scan by a
 * prefix only, so {@code MATCH} takes {@code *} or a literal prefix and one final {@code *}
 * ({@code user:*}); any other glob is refused, saying so, rather than filtered here (which
 * would make pages with fewer keys than a client expects). {@code COUNT} is the page's key limit
 * (Redis's default, 10, when absent); {@code TYPE} takes {@code string} alone, kvs's only type.
 */
final class RespScan {

    /** Keys a page holds when COUNT is absent: Redis's default. */
    static final int DEFAULT_COUNT = 10;

    private RespScan() {
    }

    /** The Scan request for {@code args}, or the error reply text if they are not one kvs takes. */
    record Parsed(Request request, String error) {
    }

    static Parsed parse(byte[][] args) {
        long cursor;
        try {
            cursor = Long.parseLong(text(args[1]));
        } catch (NumberFormatException e) {
            return refused("ERR invalid cursor");
        }
        if (cursor < 0) {
            return refused("ERR invalid cursor");
        }
        Scan.Builder scan = Scan.newBuilder().setLimit(DEFAULT_COUNT);
        if (cursor != 0) {
            scan.setCursor(ByteString.copyFrom(ByteBuffer.allocate(Long.BYTES).putLong(0, cursor)));
        }
        for (int i = 2; i < args.length; i += 2) {
            if (i + 1 == args.length) {
                return refused("ERR syntax error");
            }
            String option = text(args[i]).toUpperCase(Locale.ROOT);
            byte[] value = args[i + 1];
            switch (option) {
                case "MATCH" -> {
                    byte[] prefix = prefixOf(value);
                    if (prefix == null) {
                        return refused("ERR SCAN's MATCH takes a prefix followed by one '*' (user:*), or '*':"
                                + " kvs scans by prefix only; filter other patterns in the client");
                    }
                    scan.setPrefix(ByteString.copyFrom(prefix));
                }
                case "COUNT" -> {
                    long count;
                    try {
                        count = Long.parseLong(text(value));
                    } catch (NumberFormatException e) {
                        return refused("ERR value is not an integer or out of range");
                    }
                    if (count < 1) {
                        return refused("ERR syntax error");
                    }
                    scan.setLimit((int) Math.min(count, KeyQueries.MAX_SCAN_LIMIT));
                }
                case "TYPE" -> {
                    if (!text(value).equalsIgnoreCase("string")) {
                        return refused("ERR SCAN's TYPE takes 'string' alone: every kvs value is a string");
                    }
                }
                default -> {
                    return refused("ERR syntax error");
                }
            }
        }
        return new Parsed(Request.newBuilder().setScan(scan).build(), null);
    }

    /** The prefix a glob of the form {@code prefix*} stands for, or null for any other glob. */
    static byte[] prefixOf(byte[] glob) {
        int last = glob.length - 1;
        if (last < 0 || glob[last] != '*') {
            return null;
        }
        for (int i = 0; i < last; i++) {
            byte b = glob[i];
            if (b == '*' || b == '?' || b == '[' || b == '\\') {
                return null;
            }
        }
        return java.util.Arrays.copyOf(glob, last);
    }

    /** The decimal cursor RESP's reply carries for a kvs cursor (empty: 0, the scan is done). */
    static String cursorText(ByteString cursor) {
        return cursor.isEmpty() ? "0" : Long.toString(cursor.asReadOnlyByteBuffer().getLong());
    }

    private static Parsed refused(String error) {
        return new Parsed(null, error);
    }

    private static String text(byte[] arg) {
        return new String(arg, StandardCharsets.UTF_8);
    }
}
