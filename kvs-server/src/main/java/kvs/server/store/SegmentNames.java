package kvs.server.store;

import java.nio.file.Path;
import java.util.OptionalInt;

/**
 * File names of the store directory, built and parsed only here (docs/FORMAT.md, "Files"):
 * {@code 000000042.data} is data file 42. Names sort in log order.
 */
final class SegmentNames {

    static final String DATA_SUFFIX = ".data";
    static final String LOCK_FILE = "LOCK";
    private static final int DIGITS = 9;
    static final int MAX_ID = 999_999_999;

    private SegmentNames() {
    }

    static Path dataFile(Path dir, int id) {
        return dir.resolve(String.format("%09d", id) + DATA_SUFFIX);
    }

    /** The id of a data file's name, or empty if the name is not a data file's. */
    static OptionalInt parseDataId(String name) {
        if (name.length() != DIGITS + DATA_SUFFIX.length() || !name.endsWith(DATA_SUFFIX)) {
            return OptionalInt.empty();
        }
        for (int i = 0; i < DIGITS; i++) {
            char c = name.charAt(i);
            if (c < '0' || c > '9') {
                return OptionalInt.empty();
            }
        }
        return OptionalInt.of(Integer.parseInt(name.substring(0, DIGITS)));
    }
}
