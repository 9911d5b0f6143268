package kvs.client.cli;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The lines of a batch, each decoded from UTF-8 on its own: a line that is not UTF-8 is that
 * line's error, found when it is reached, not when a reader's read-ahead meets it (which blamed
 * an earlier line and stopped the lines before it from running). A line ends at "\n"; a "\r"
 * before it is dropped.
 */
final class BatchLines implements Closeable {

    /** A line whose bytes are not UTF-8. */
    static final class NotUtf8 extends IOException {
        private static final long serialVersionUID = 1L;
        /** The line with each bad byte as U+FFFD, to show which line it was. */
        final String shown;

        NotUtf8(String shown, CharacterCodingException cause) {
            super("not UTF-8 text", cause);
            this.shown = shown;
        }
    }

    private final InputStream in;
    private final byte[] buf = new byte[64 * 1024];
    private int pos;
    private int end;

    BatchLines(InputStream in) {
        this.in = in;
    }

    /** Whether a line's first byte can be read without waiting for more input. */
    boolean ready() throws IOException {
        return pos < end || in.available() > 0;
    }

    /**
     * The next line, or null at the end of the input.
     *
     * @throws NotUtf8 if the line is not UTF-8; the next call reads the line after it
     */
    String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        boolean any = false;
        while (true) {
            if (pos == end) {
                end = in.read(buf, 0, buf.length);
                pos = 0;
                if (end <= 0) {
                    end = 0;
                    return any ? decode(line.toByteArray()) : null;
                }
            }
            any = true;
            int start = pos;
            while (pos < end && buf[pos] != '\n') {
                pos++;
            }
            line.write(buf, start, pos - start);
            if (pos < end) {
                pos++; // the '\n'
                return decode(line.toByteArray());
            }
        }
    }

    private static String decode(byte[] bytes) throws NotUtf8 {
        int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, 0, n)).toString();
        } catch (CharacterCodingException e) {
            throw new NotUtf8(new String(bytes, 0, n, StandardCharsets.UTF_8), e);
        }
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
