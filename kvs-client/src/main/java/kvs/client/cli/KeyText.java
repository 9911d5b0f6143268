package kvs.client.cli;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * A key as one line of text: its UTF-8 characters, except that every byte of a malformed UTF-8
 * sequence, every control character (U+0000 to U+001F, U+007F to U+009F) and the backslash are
 * written {@code \xNN}. Unambiguous, since a backslash in the key is escaped too, and a line
 * never breaks inside a key.
 */
final class KeyText {

    private KeyText() {
    }

    static String escaped(byte[] key) {
        if (printableAscii(key)) {
            return new String(key, StandardCharsets.ISO_8859_1); // the common case, without a decoder
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(key);
        CharBuffer chars = CharBuffer.allocate(key.length);
        StringBuilder s = new StringBuilder(key.length);
        while (in.hasRemaining()) {
            CoderResult r = decoder.decode(in, chars, true);
            chars.flip();
            while (chars.hasRemaining()) {
                char c = chars.get();
                if (c == '\\' || Character.isISOControl(c)) {
                    // Every such char is one UTF-8 byte below 0x80, or two (U+0080 to U+009F).
                    byte[] utf8 = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                    for (byte b : utf8) {
                        hexByte(s, b);
                    }
                } else {
                    s.append(c);
                }
            }
            chars.clear();
            if (r.isError()) {
                for (int i = 0; i < r.length(); i++) {
                    hexByte(s, in.get());
                }
            }
        }
        return s.toString();
    }

    private static boolean printableAscii(byte[] key) {
        for (byte b : key) {
            if (b < 0x20 || b == 0x7f || b == '\\') {
                return false;
            }
        }
        return true;
    }

    private static void hexByte(StringBuilder s, byte b) {
        s.append("\\x").append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
    }
}
