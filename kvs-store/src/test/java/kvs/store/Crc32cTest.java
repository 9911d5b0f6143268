package kvs.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

class Crc32cTest {

    private static int crc(byte[] b, int off, int len) {
        CRC32C c = new CRC32C();
        c.update(b, off, len);
        return (int) c.getValue();
    }

    @Test
    void combiningTwoPartsGivesTheCrcOfTheWhole() {
        Random random = new Random(11);
        for (int round = 0; round < 300; round++) {
            byte[] data = new byte[random.nextInt(3000)];
            random.nextBytes(data);
            int split = data.length == 0 ? 0 : random.nextInt(data.length + 1);
            int combined = Crc32c.combine(crc(data, 0, split), crc(data, split, data.length - split),
                    data.length - split);
            assertEquals(crc(data, 0, data.length), combined, "length " + data.length + ", split " + split);
        }
    }

    @Test
    void aLongSecondPartCombinesToo() {
        byte[] data = new byte[(1 << 20) + 17];
        new Random(5).nextBytes(data);
        assertEquals(crc(data, 0, data.length),
                Crc32c.combine(crc(data, 0, 17), crc(data, 17, data.length - 17), data.length - 17));
    }

    @Test
    void anEmptySecondPartLeavesTheFirstCrc() {
        byte[] data = {1, 2, 3};
        assertEquals(crc(data, 0, 3), Crc32c.combine(crc(data, 0, 3), crc(data, 3, 0), 0));
    }
}
