package kvs.store;

import java.nio.file.Path;
import java.util.OptionalInt;

/**
 * File names of the store directory, built and parsed only here (docs/FORMAT.md, "Files"):
 * {@code 000000042.data} is data file 42, {@code 000000042.hint} its hint file, a {@code .tmp}
 * suffix marks a file still being written, and the folder {@code corrupt/} holds damaged files set
 * aside by salvage.
 */
final class SegmentNames {

    static final String DATA_SUFFIX = ".data";
    static final String HINT_SUFFIX = ".hint";
    /** Files being written; never part of the store until renamed. */
    static final String TEMP_SUFFIX = ".tmp";
    /** Compaction's redo record: present only between its commit and its cleanup. */
    static final String COMPACTION_COMMIT = "COMPACTION";
    static final String LOCK_FILE = "LOCK";
    /** The folder damaged files are moved or copied aside into, by salvage; never read by kvs. */
    static final String CORRUPT_DIR = "corrupt";
    private static final int DIGITS = 9;
    static final int MAX_ID = 999_999_999;

    private SegmentNames() {
    }

    static Path dataFile(Path dir, int id) {
        return dir.resolve(String.format("%09d", id) + DATA_SUFFIX);
    }

    static Path hintFile(Path dir, int id) {
        return dir.resolve(String.format("%09d", id) + HINT_SUFFIX);
    }

    static Path temporary(Path file) {
        return file.resolveSibling(file.getFileName() + TEMP_SUFFIX);
    }

    /** Where salvage keeps a damaged file: {@code corrupt/<name>.corrupt-<stamp>}. */
    static Path aside(Path dir, Path file, String stamp) {
        return dir.resolve(CORRUPT_DIR).resolve(file.getFileName() + ".corrupt-" + stamp);
    }

    /** The id of a hint file's name, or empty if the name is not a hint file's. */
    static OptionalInt parseHintId(String name) {
        return parseId(name, HINT_SUFFIX);
    }

    /** The id of a data file's name, or empty if the name is not a data file's. */
    static OptionalInt parseDataId(String name) {
        return parseId(name, DATA_SUFFIX);
    }

    private static OptionalInt parseId(String name, String suffix) {
        if (name.length() != DIGITS + suffix.length() || !name.endsWith(suffix)) {
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
