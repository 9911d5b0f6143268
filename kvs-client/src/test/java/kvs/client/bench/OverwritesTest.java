package kvs.client.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

/** The keys probed before a run: a few, spread over the whole range, its ends included. */
class OverwritesTest {

    @Test
    void probeKeys_spreadEvenly_endsIncluded_neverTwice() {
        assertArrayEquals(new long[] {0}, Overwrites.probeKeys(1));
        assertArrayEquals(new long[] {0, 1, 2}, Overwrites.probeKeys(3));
        assertArrayEquals(new long[] {0, 1, 2, 3, 4, 5, 6, 7}, Overwrites.probeKeys(8));
        assertArrayEquals(new long[] {0, 2, 5, 8, 10, 13, 16, 19}, Overwrites.probeKeys(20));
        assertArrayEquals(new long[] {0, 1428, 2856, 4285, 5713, 7142, 8570, 9999}, Overwrites.probeKeys(10000));
    }
}
