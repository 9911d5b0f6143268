package kvs.client.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class KeyTextTest {

    private static String escaped(String utf8) {
        return KeyText.escaped(utf8.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void escaped_textStaysAsItIs_multiByteCharactersIncluded() {
        assertEquals("user:42 café 日本 \uD83D\uDE00", escaped("user:42 café 日本 \uD83D\uDE00"));
    }

    @Test
    void escaped_controlCharactersAndBackslash_areHexBytes() {
        assertEquals("a\\x09b\\x0d\\x0a\\x5c\\x7f\\xc2\\x85", escaped("a\tb\r\n\\\u007f\u0085"));
    }

    @Test
    void escaped_malformedUtf8_eachBadByteInHex_theRestDecoded() {
        assertEquals("\\xffa\\xc3", KeyText.escaped(new byte[] {(byte) 0xff, 'a', (byte) 0xc3}));
        assertEquals("\\xed\\xa0\\x80", KeyText.escaped(new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80}));
    }
}
