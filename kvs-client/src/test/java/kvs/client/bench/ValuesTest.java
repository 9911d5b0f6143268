package kvs.client.bench;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** A value judged by itself: what bench writes under a key at some length, or not. */
class ValuesTest {

    private static final byte[] KEY = "bench:0000000042".getBytes(UTF_8);

    @Test
    void of_isAFunctionOfKeyAndLength_inLetters() {
        assertArrayEquals(Values.of(KEY, 100), Values.of(KEY.clone(), 100));
        assertEquals(100, Values.of(KEY, 100).length);
        for (byte b : Values.of(KEY, 1000)) {
            assertTrue(b >= 'a' && b <= 'z', "a letter: " + b);
        }
        assertEquals(0, Values.of(KEY, 0).length);
    }

    @Test
    void isBenchValue_anyLength_butNotAnotherKeysOrOneCutShortOrChanged() {
        for (int length : new int[] {0, 1, 100, 2048}) {
            assertTrue(Values.isBenchValue(KEY, Values.of(KEY, length)), "length " + length);
        }
        byte[] other = "bench:0000000043".getBytes(UTF_8);
        assertFalse(Values.isBenchValue(KEY, Values.of(other, 100)), "another key's value");
        assertFalse(Values.isBenchValue(KEY, Arrays.copyOf(Values.of(KEY, 100), 60)), "cut short");
        byte[] changed = Values.of(KEY, 100);
        changed[50] = (byte) (changed[50] == 'a' ? 'b' : 'a');
        assertFalse(Values.isBenchValue(KEY, changed), "one byte changed");
        assertFalse(Values.isBenchValue(KEY, "not bench's".getBytes(UTF_8)));
    }
}
