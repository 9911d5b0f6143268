package kvs.client.bench;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Bench keys: the prefix and a number that fits, zero-padded to the key size, the prefix counted. */
class WorkloadTest {

    private static Workload keys(int keys, String prefix, int keySize) {
        return new Workload(1, 1, null, 1, keys, prefix, keySize, 10, 1, 1, 1, 0, Duration.ZERO, false);
    }

    @Test
    void key_isThePrefixAndTheNumber_paddedToTheKeySize() {
        Workload w = keys(10000, "bench:", 16);
        assertEquals("bench:0000000042", w.keyText(42));
        assertEquals("bench:0000009999", w.keyText(9999));
        assertArrayEquals("x/é7".getBytes(UTF_8), keys(10, "x/é", 5).key(7), "the key size counts bytes");
        assertEquals("7", keys(10, "", 1).keyText(7));
        assertArrayEquals(Values.of(w.key(3), 10), w.value(3));
    }

    @Test
    void everyNumberGetsAKeyOfItsOwn_whenTheyJustFit() {
        Workload w = keys(100, "k", 3);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            assertTrue(seen.add(w.keyText(i)), w.keyText(i));
        }
    }

    @Test
    void aPrefixThatLeavesNoRoom_orTooFewDigits_isRefused() {
        String noRoom = assertThrows(IllegalArgumentException.class, () -> keys(10, "bench:", 6)).getMessage();
        assertTrue(noRoom.contains("is 6 bytes, which leaves no room"), noRoom);
        String tooFew = assertThrows(IllegalArgumentException.class, () -> keys(101, "k", 3)).getMessage();
        assertTrue(tooFew.contains("give --key-size 4 or more"), tooFew);
    }

    @Test
    void writes_withASetWeightOrAPrefill() {
        assertTrue(keys(1, "k", 2).writes());
        assertFalse(new Workload(1, 1, null, 1, 1, "k", 2, 10, 0, 1, 1, 0, Duration.ZERO, false).writes());
        assertTrue(new Workload(1, 1, null, 1, 1, "k", 2, 10, 0, 1, 1, 0, Duration.ZERO, true).writes());
    }
}
