package kvs.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class StoreStatsTest {

    @Test
    void deadBytesAreTheBytesNoKeyPointsAt() {
        StoreStats s = new StoreStats(2, 1, 300, 1000, 0, 0, 0, 0, 0, false, 0, 0);
        assertEquals(700, s.deadBytes());
    }
}
