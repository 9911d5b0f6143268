package kvs.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.util.ByteProcessor;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a RESP byte stream into commands, each a {@code byte[][]} of its arguments (the command's
 * name first): multibulk commands ({@code *2\r\n$3\r\nGET\r\n$1\r\nk\r\n}) and inline ones
 * ({@code GET k\r\n}, as typed into telnet), pipelined and split anywhere.
 *
 * <p>Safe on untrusted input: a declared count or length is checked against the limits before
 * anything is allocated for it, and nothing is allocated at the declared size before its bytes
 * have arrived (a large argument is gathered as the pieces that came, then copied once).
 * Malformed input fails with a {@link CorruptedFrameException} whose message is Redis's
 * ({@code Protocol error: invalid bulk length}, ...); after it everything is dropped, since the
 * stream's framing is lost, and the connection is to be closed after the error is sent.
 *
 * <p>{@link #pendingFrameBytes} tells what the command not yet whole holds and will hold once its
 * current argument is whole, for {@link PendingFrameGuard}.
 */
final class RespDecoder extends ByteToMessageDecoder {

    /** The longest inline command, and the longest count line: Redis's PROTO_INLINE_MAX_SIZE. */
    static final int MAX_INLINE_BYTES = 64 * 1024;
    /** The most arguments in one command: Redis's limit. */
    static final int MAX_ARGS = 1024 * 1024;
    /** Arguments from this size are gathered as the buffers that came, not merged as they come. */
    static final int LARGE_ARG_BYTES = 64 * 1024;
    /**
     * What an argument costs in memory beyond its bytes (its array, and its share of the kvs
     * request made of it), counted against the command's limit and in {@link #pendingFrameBytes}:
     * a million empty arguments are 6 MB on the wire but far more in the heap.
     */
    static final int ARG_OVERHEAD_BYTES = 64;
    private static final long INCOMPLETE = Long.MIN_VALUE;

    private final int maxArgBytes;
    private final long maxCommandBytes;
    private boolean failed;
    /** The arguments of the multibulk command being received, or null between commands. */
    private List<byte[]> args;
    private int argsExpected;
    /** Bytes of the arguments in {@link #args}. */
    private long commandBytes;
    /** The declared length of the argument being received, or -1 before its header. */
    private int argLength = -1;
    private long pendingFrameBytes;
    /** Commands begun: numbers the unfinished one, for {@link PendingFrameGuard}. */
    private long commandsBegun;

    /**
     * @param maxArgBytes the largest argument (a key or value) accepted
     * @param maxCommandBytes the most bytes of arguments one command may bring together, counting
     *     {@link #ARG_OVERHEAD_BYTES} for each
     */
    RespDecoder(int maxArgBytes, long maxCommandBytes) {
        this.maxArgBytes = maxArgBytes;
        this.maxCommandBytes = maxCommandBytes;
        setCumulator((alloc, cumulation, in) -> argLength > LARGE_ARG_BYTES
                ? COMPOSITE_CUMULATOR.cumulate(alloc, cumulation, in)
                : MERGE_CUMULATOR.cumulate(alloc, cumulation, in));
    }

    /** Bytes the unfinished command holds, with its current argument whole; 0 between commands. */
    long pendingFrameBytes() {
        return pendingFrameBytes;
    }

    /** The number of the command {@link #pendingFrameBytes} is about. */
    long commandNumber() {
        return commandsBegun;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        try {
            while (in.isReadable()) {
                if (args == null && !startCommand(in, out)) {
                    break;
                }
                if (args != null && !readArgument(in, out)) {
                    break;
                }
            }
        } catch (CorruptedFrameException e) {
            failed = true;
            args = null;
            in.skipBytes(in.readableBytes());
            throw e;
        }
        pendingFrameBytes = args == null ? 0 : commandBytes + Math.max(0, argLength) + 2 + ARG_OVERHEAD_BYTES;
    }

    /** Reads a multibulk header or a whole inline command; false if more bytes are needed. */
    private boolean startCommand(ByteBuf in, List<Object> out) {
        if (in.getByte(in.readerIndex()) != '*') {
            return readInline(in, out);
        }
        long n = readNumberLine(in, "mbulk count", "invalid multibulk length");
        if (n == INCOMPLETE) {
            return false;
        }
        if (n > MAX_ARGS) {
            throw protocolError("invalid multibulk length");
        }
        if (n > 0) { // *0 and *-1 are empty commands: skipped, as Redis does
            args = new ArrayList<>((int) Math.min(n, 16));
            argsExpected = (int) n;
            commandBytes = 0;
            commandsBegun++;
            argLength = -1;
        }
        return true;
    }

    /** Reads one argument of a multibulk command; false if more bytes are needed. */
    private boolean readArgument(ByteBuf in, List<Object> out) {
        if (argLength < 0) {
            if (!in.isReadable()) {
                return false; // the read ended right after the multibulk header
            }
            byte first = in.getByte(in.readerIndex());
            if (first != '$') {
                throw protocolError("expected '$', got '" + printable(first) + "'");
            }
            long length = readNumberLine(in, "bulk count", "invalid bulk length");
            if (length == INCOMPLETE) {
                return false;
            }
            if (length < 0 || length > maxArgBytes) {
                throw protocolError("invalid bulk length" + (length > maxArgBytes ? " (" + length
                        + " bytes; this server takes arguments of at most " + maxArgBytes + " bytes)" : ""));
            }
            if (commandBytes + length + ARG_OVERHEAD_BYTES > maxCommandBytes) {
                throw protocolError("command too large (its arguments pass " + maxCommandBytes
                        + " bytes, this server's limit for one command)");
            }
            argLength = (int) length;
        }
        if (in.readableBytes() < (long) argLength + 2) {
            return false;
        }
        byte[] arg = new byte[argLength];
        in.readBytes(arg);
        if (in.readByte() != '\r' || in.readByte() != '\n') {
            throw protocolError("expected '\\r\\n' after a bulk string of " + argLength + " bytes");
        }
        args.add(arg);
        commandBytes += argLength + ARG_OVERHEAD_BYTES;
        argLength = -1;
        if (args.size() == argsExpected) {
            out.add(args.toArray(new byte[0][]));
            args = null;
        }
        return true;
    }

    /**
     * Reads a line {@code <prefix>digits\r\n}: its number, or {@link #INCOMPLETE}. A line longer
     * than {@link #MAX_INLINE_BYTES} or a number that is not one fails.
     */
    private static long readNumberLine(ByteBuf in, String what, String invalid) {
        int start = in.readerIndex();
        int lf = in.indexOf(start, start + Math.min(in.readableBytes(), MAX_INLINE_BYTES + 1), (byte) '\n');
        if (lf < 0) {
            if (in.readableBytes() > MAX_INLINE_BYTES) {
                throw protocolError("too big " + what + " string");
            }
            return INCOMPLETE;
        }
        if (lf - start < 2 || in.getByte(lf - 1) != '\r') {
            throw protocolError(invalid);
        }
        long n = parseLong(in, start + 1, lf - 1);
        if (n == INCOMPLETE) {
            throw protocolError(invalid);
        }
        in.readerIndex(lf + 1);
        return n;
    }

    /** The decimal number in {@code [from, to)}, or {@link #INCOMPLETE} if it is not one. */
    private static long parseLong(ByteBuf in, int from, int to) {
        boolean negative = from < to && in.getByte(from) == '-';
        int i = negative ? from + 1 : from;
        if (i == to || to - i > 18) {
            return INCOMPLETE;
        }
        long n = 0;
        for (; i < to; i++) {
            byte b = in.getByte(i);
            if (b < '0' || b > '9') {
                return INCOMPLETE;
            }
            n = n * 10 + (b - '0');
        }
        return negative ? -n : n;
    }

    /** An inline command: one line, arguments split at spaces, quoted as redis-cli quotes them. */
    private static boolean readInline(ByteBuf in, List<Object> out) {
        int start = in.readerIndex();
        int lf = in.forEachByte(start, Math.min(in.readableBytes(), MAX_INLINE_BYTES + 1), ByteProcessor.FIND_LF);
        if (lf < 0) {
            if (in.readableBytes() > MAX_INLINE_BYTES) {
                throw protocolError("too big inline request");
            }
            return false;
        }
        int end = lf > start && in.getByte(lf - 1) == '\r' ? lf - 1 : lf;
        byte[] line = new byte[end - start];
        in.getBytes(start, line);
        in.readerIndex(lf + 1);
        List<byte[]> parsed = splitArgs(line);
        if (parsed == null) {
            throw protocolError("unbalanced quotes in request");
        }
        if (!parsed.isEmpty()) {
            out.add(parsed.toArray(new byte[0][]));
        }
        return true;
    }

    /**
     * Splits a line into arguments as Redis's {@code sdssplitargs} does: at spaces and tabs;
     * {@code "..."} with the escapes {@code \n \r \t \b \a \\ \" \xHH}, {@code '...'} with
     * {@code \'}. Null if quotes are unbalanced or a closing quote is not followed by a space.
     */
    static List<byte[]> splitArgs(byte[] line) {
        List<byte[]> result = new ArrayList<>();
        int i = 0;
        while (true) {
            while (i < line.length && isSpace(line[i])) {
                i++;
            }
            if (i == line.length) {
                return result;
            }
            ByteArrayOutputStream arg = new ByteArrayOutputStream();
            boolean inDouble = false;
            boolean inSingle = false;
            boolean done = false;
            while (!done) {
                if (inDouble) {
                    if (i == line.length) {
                        return null;
                    }
                    byte c = line[i];
                    if (c == '\\' && i + 3 < line.length && line[i + 1] == 'x'
                            && hex(line[i + 2]) >= 0 && hex(line[i + 3]) >= 0) {
                        arg.write(hex(line[i + 2]) * 16 + hex(line[i + 3]));
                        i += 3;
                    } else if (c == '\\' && i + 1 < line.length) {
                        i++;
                        arg.write(switch (line[i]) {
                            case 'n' -> '\n';
                            case 'r' -> '\r';
                            case 't' -> '\t';
                            case 'b' -> '\b';
                            case 'a' -> 7;
                            default -> line[i];
                        });
                    } else if (c == '"') {
                        if (i + 1 < line.length && !isSpace(line[i + 1])) {
                            return null;
                        }
                        done = true;
                    } else {
                        arg.write(c);
                    }
                } else if (inSingle) {
                    if (i == line.length) {
                        return null;
                    }
                    byte c = line[i];
                    if (c == '\\' && i + 1 < line.length && line[i + 1] == '\'') {
                        i++;
                        arg.write('\'');
                    } else if (c == '\'') {
                        if (i + 1 < line.length && !isSpace(line[i + 1])) {
                            return null;
                        }
                        done = true;
                    } else {
                        arg.write(c);
                    }
                } else if (i == line.length || isSpace(line[i])) {
                    done = true;
                } else if (line[i] == '"') {
                    inDouble = true;
                } else if (line[i] == '\'') {
                    inSingle = true;
                } else {
                    arg.write(line[i]);
                }
                if (i < line.length) {
                    i++;
                }
            }
            result.add(arg.toByteArray());
        }
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\f' || b == 0x0b;
    }

    private static int hex(byte b) {
        return b >= '0' && b <= '9' ? b - '0' : b >= 'a' && b <= 'f' ? b - 'a' + 10
                : b >= 'A' && b <= 'F' ? b - 'A' + 10 : -1;
    }

    private static String printable(byte b) {
        return b >= 0x20 && b < 0x7f ? String.valueOf((char) b) : String.format("\\x%02x", b & 0xff);
    }

    private static CorruptedFrameException protocolError(String what) {
        return new CorruptedFrameException("Protocol error: " + what);
    }

    static String text(byte[] arg) {
        return new String(arg, StandardCharsets.UTF_8);
    }
}
