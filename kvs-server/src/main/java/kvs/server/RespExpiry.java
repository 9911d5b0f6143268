package kvs.server;

import com.google.protobuf.UnsafeByteOperations;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import kvs.proto.Expire;
import kvs.proto.Request;
import kvs.proto.Ttl;
import kvs.store.DecimalInteger;
import kvs.store.NotAnIntegerException;

/**
 * Redis's expiry arguments as kvs requests, with Redis 7.0's checks and errors: SET's
 * {@code EX}/{@code PX}/{@code EXAT}/{@code PXAT} values (also SETEX's and PSETEX's), and
 * {@code EXPIRE}, {@code PEXPIRE}, {@code EXPIREAT}, {@code PEXPIREAT} (docs/PROTOCOL.md, "RESP").
 *
 * <p>Relative times go to the server as {@code ttl_ms}, counted on the store's clock when it
 * applies them; {@code now}, the same clock read here, only finds the times that would overflow
 * it, which Redis refuses ({@code invalid expire time}) rather than wrap.
 */
final class RespExpiry {

    /** An option's expiry, in Redis's units: relative or absolute, seconds or milliseconds. */
    enum Unit {
        EX(true, 1000), PX(true, 1), EXAT(false, 1000), PXAT(false, 1);

        final boolean relative;
        final long millis;

        Unit(boolean relative, long millis) {
            this.relative = relative;
            this.millis = millis;
        }
    }

    /** An expiry for a Set ({@code ttl_ms} or {@code expire_at_ms}, in ms), or Redis's error. */
    record SetExpiry(long ttlMs, long atMs, String error) {
    }

    /** An {@code Expire} request, or Redis's error. */
    record Parsed(Request request, String error) {
        static Parsed error(String error) {
            return new Parsed(null, error);
        }
    }

    private RespExpiry() {
    }

    static String invalid(String command) {
        return "ERR invalid expire time in '" + command + "' command";
    }

    /**
     * SET's (or SETEX's, PSETEX's) expiry {@code arg} in {@code unit}: as Redis, a number that is
     * not a 64-bit integer is {@code value is not an integer}; 0 or less, or one that overflows
     * in milliseconds or added to {@code now}, is an {@code invalid expire time}. A time already
     * past (EXAT 1) is taken: the key is then gone at once.
     */
    static SetExpiry forSet(Unit unit, byte[] arg, String command, long now) {
        long n;
        try {
            n = DecimalInteger.parse(arg);
        } catch (NotAnIntegerException e) {
            return new SetExpiry(0, 0, "ERR value is not an integer or out of range");
        }
        if (n <= 0 || n > Long.MAX_VALUE / unit.millis) {
            return new SetExpiry(0, 0, invalid(command));
        }
        long ms = n * unit.millis;
        if (unit.relative && ms > Long.MAX_VALUE - now) {
            return new SetExpiry(0, 0, invalid(command));
        }
        return unit.relative ? new SetExpiry(ms, 0, null) : new SetExpiry(0, ms, null);
    }

    /**
     * EXPIRE, PEXPIRE, EXPIREAT or PEXPIREAT {@code key time [option]}: one kvs {@code Expire},
     * or Redis's error ({@link RespCommands} answers it). A time already past, 0 or negative
     * included, removes the key (answering 1 if it was there), as Redis does; it goes to the
     * server as {@code at_ms} 1. Of the options NX, XX, GT and LT, kvs serves none: each is
     * refused by name.
     */
    static Parsed expire(String command, byte[][] args, long now) {
        String unsupported = null;
        for (int i = 3; i < args.length; i++) {
            String option = new String(args[i], StandardCharsets.UTF_8);
            switch (option.toUpperCase(Locale.ROOT)) {
                case "NX", "XX", "GT", "LT" -> {
                    if (unsupported == null) {
                        unsupported = option.toUpperCase(Locale.ROOT);
                    }
                }
                default -> {
                    return Parsed.error("ERR Unsupported option " + option);
                }
            }
        }
        if (unsupported != null) {
            return Parsed.error("ERR " + command.toUpperCase(Locale.ROOT) + "'s " + unsupported + " option is not"
                    + " supported by kvs: it sets the expiry whatever the key has now");
        }
        Unit unit = switch (command) {
            case "expire" -> Unit.EX;
            case "pexpire" -> Unit.PX;
            case "expireat" -> Unit.EXAT;
            default -> Unit.PXAT;
        };
        long n;
        try {
            n = DecimalInteger.parse(args[2]);
        } catch (NotAnIntegerException e) {
            return Parsed.error("ERR value is not an integer or out of range");
        }
        if (n > Long.MAX_VALUE / unit.millis || n < Long.MIN_VALUE / unit.millis) {
            return Parsed.error(invalid(command));
        }
        long ms = n * unit.millis;
        if (unit.relative && ms > Long.MAX_VALUE - now) {
            return Parsed.error(invalid(command));
        }
        Expire.Builder e = Expire.newBuilder().setKey(UnsafeByteOperations.unsafeWrap(args[1]));
        if (ms <= 0) {
            e.setAtMs(1); // already past: the key goes now
        } else if (unit.relative) {
            e.setTtlMs(ms);
        } else {
            e.setAtMs(ms);
        }
        return new Parsed(Request.newBuilder().setExpire(e).build(), null);
    }

    /** TTL, PTTL ({@code absolute} false) or EXPIRETIME, PEXPIRETIME (true) of {@code key}. */
    static Request ttl(byte[] key, boolean absolute) {
        return Request.newBuilder().setTtl(Ttl.newBuilder().setKey(UnsafeByteOperations.unsafeWrap(key))
                .setAbsolute(absolute)).build();
    }
}
