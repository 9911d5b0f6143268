package kvs.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The limits of each option, at the edge: the last value accepted and the first refused. */
class StoreOptionsTest {

    private final StoreOptions d = StoreOptions.defaults();

    @Test
    void maxSegmentBytes_1KiBTo1GiB() {
        assertEquals(1024, d.withMaxSegmentBytes(1024).maxSegmentBytes());
        assertEquals(1L << 30, d.withMaxSegmentBytes(1L << 30).maxSegmentBytes());
        assertThrows(IllegalArgumentException.class, () -> d.withMaxSegmentBytes(1023));
        assertThrows(IllegalArgumentException.class, () -> d.withMaxSegmentBytes((1L << 30) + 1));
    }

    @Test
    void compactRatio_aboveZeroToOne() {
        assertEquals(1.0, d.withCompactRatio(1.0).compactRatio());
        assertEquals(Double.MIN_VALUE, d.withCompactRatio(Double.MIN_VALUE).compactRatio());
        assertThrows(IllegalArgumentException.class, () -> d.withCompactRatio(0));
        assertThrows(IllegalArgumentException.class, () -> d.withCompactRatio(Math.nextUp(1.0)));
        assertThrows(IllegalArgumentException.class, () -> d.withCompactRatio(Double.NaN));
    }

    @Test
    void compactMinBytes_zeroOrMore() {
        assertEquals(0, d.withCompactMinBytes(0).compactMinBytes());
        assertThrows(IllegalArgumentException.class, () -> d.withCompactMinBytes(-1));
    }

    @Test
    void printsPolicyAndIoReadably() {
        String s = d.withSync(SyncPolicy.ALWAYS).toString();
        assertEquals(true, s.contains("sync=always, "), s);
        assertEquals(true, s.contains("io=real, "), s);
    }
}
