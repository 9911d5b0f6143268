package kvs.server;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A RESP reply built whole before it is written: the replies the RESP listener makes up itself
 * (HELLO, INFO, COMMAND, CONFIG GET, errors), whose shape differs between RESP2 and RESP3 (a map
 * is a flat array in RESP2; null is {@code $-1} or {@code _}). The replies of GET and SET, the
 * hot path, are written directly by {@link RespReplies}.
 */
sealed interface RespValue {

    /** Writes the reply in RESP3 if {@code resp3}, else RESP2. */
    void write(ByteBuf out, boolean resp3);

    static RespValue simple(String s) {
        return new Simple(s);
    }

    /** An error reply; {@code message} starts with its code ({@code ERR ...}). */
    static RespValue error(String message) {
        return new Err(message);
    }

    static RespValue integer(long n) {
        return new Int(n);
    }

    static RespValue bulk(byte[] b) {
        return new Bulk(b);
    }

    static RespValue bulk(String s) {
        return new Bulk(s.getBytes(StandardCharsets.UTF_8));
    }

    static RespValue nil() {
        return Nil.NIL;
    }

    static RespValue array(List<RespValue> items) {
        return new Arr(List.copyOf(items));
    }

    static RespValue array(RespValue... items) {
        return new Arr(Arrays.asList(items));
    }

    /** A map: keys and values alternate in {@code kv}. */
    static RespValue map(List<RespValue> kv) {
        return new MapOf(List.copyOf(kv));
    }

    /** A map of string keys: {@code "name", value, "name", value, ...} with values RespValue or String or Long. */
    static RespValue map(Object... kv) {
        List<RespValue> items = new ArrayList<>(kv.length);
        for (int i = 0; i < kv.length; i++) {
            Object o = kv[i];
            items.add(o instanceof RespValue v ? v : o instanceof Long n ? integer(n)
                    : o instanceof Integer n ? integer(n) : bulk(String.valueOf(o)));
        }
        return new MapOf(items);
    }

    record Simple(String s) implements RespValue {
        @Override
        public void write(ByteBuf out, boolean resp3) {
            out.writeByte('+').writeCharSequence(s, StandardCharsets.UTF_8);
            crlf(out);
        }
    }

    record Err(String message) implements RespValue {
        @Override
        public void write(ByteBuf out, boolean resp3) {
            // An error is one line: a newline in a message would end it early.
            out.writeByte('-').writeCharSequence(message.replace('\r', ' ').replace('\n', ' '),
                    StandardCharsets.UTF_8);
            crlf(out);
        }
    }

    record Int(long n) implements RespValue {
        @Override
        public void write(ByteBuf out, boolean resp3) {
            header(out, ':', n);
        }
    }

    record Bulk(byte[] b) implements RespValue {
        @Override
        public void write(ByteBuf out, boolean resp3) {
            header(out, '$', b.length);
            out.writeBytes(b);
            crlf(out);
        }
    }

    enum Nil implements RespValue {
        NIL;

        @Override
        public void write(ByteBuf out, boolean resp3) {
            writeNull(out, resp3);
        }
    }

    record Arr(List<RespValue> items) implements RespValue {
        @Override
        public void write(ByteBuf out, boolean resp3) {
            header(out, '*', items.size());
            for (RespValue v : items) {
                v.write(out, resp3);
            }
        }
    }

    record MapOf(List<RespValue> kv) implements RespValue {
        @Override
        public void write(ByteBuf out, boolean resp3) {
            if (resp3) {
                header(out, '%', kv.size() / 2);
            } else {
                header(out, '*', kv.size());
            }
            for (RespValue v : kv) {
                v.write(out, resp3);
            }
        }
    }

    /** {@code <type><n>\r\n}. */
    static void header(ByteBuf out, char type, long n) {
        out.writeByte(type);
        writeDecimal(out, n);
        crlf(out);
    }

    static void writeNull(ByteBuf out, boolean resp3) {
        if (resp3) {
            out.writeByte('_');
            crlf(out);
        } else {
            out.writeByte('$').writeByte('-').writeByte('1');
            crlf(out);
        }
    }

    static void crlf(ByteBuf out) {
        out.writeShort(('\r' << 8) | '\n');
    }

    /** Writes {@code n} in decimal ASCII, without a string in between. */
    static void writeDecimal(ByteBuf out, long n) {
        if (n < 0) {
            if (n == Long.MIN_VALUE) {
                out.writeCharSequence(Long.toString(n), StandardCharsets.US_ASCII);
                return;
            }
            out.writeByte('-');
            n = -n;
        }
        if (n < 10) {
            out.writeByte((int) ('0' + n));
            return;
        }
        int digits = 1;
        for (long p = 10; p <= n && digits < 19; p *= 10) {
            digits++;
        }
        int at = out.writerIndex() + digits;
        out.ensureWritable(digits);
        for (int i = 1; i <= digits; i++) {
            out.setByte(at - i, (int) ('0' + n % 10));
            n /= 10;
        }
        out.writerIndex(at);
    }
}
