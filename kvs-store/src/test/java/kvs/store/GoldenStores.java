package kvs.store;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Writes the golden stores kept under src/test/resources/golden/ (FormatVersionTest opens them).
 * Run once per format version, with the build of that version, and commit what it writes:
 * {@code java -cp kvs-store/target/classes:kvs-store/target/test-classes kvs.store.GoldenStores
 * kvs-store/src/test/resources/golden/v1-store}. Never rewrite an old version's store.
 */
final class GoldenStores {

    private GoldenStores() {
    }

    /** The keys and values {@link #write} leaves, as FormatVersionTest expects them. */
    static final String[][] CONTENTS = {
        {"alpha", "first value, overwritten"},
        {"gamma", "γ: not ASCII"},
        {"delta", ""},
        {"epsilon", "written after the compaction"},
    };

    public static void main(String[] args) throws IOException {
        write(Path.of(args[0]));
    }

    /**
     * A store of every kind of file the format has: a compacted file, sealed log files with
     * hints, a tombstone, an overwrite, an empty value, a key removed before compaction.
     */
    static void write(Path dir) throws IOException {
        StoreOptions small = StoreOptions.defaults().withMaxSegmentBytes(1024)
                .withCompactMinBytes(Long.MAX_VALUE / 2);
        try (Store store = Store.open(dir, small)) {
            store.set(b("alpha"), b("first"));
            store.set(b("beta"), b("removed"));
            store.set(b("gamma"), b("γ: not ASCII"));
            store.remove(b("beta"));
            store.set(b("alpha"), b("first value, overwritten"));
            store.compact();
            store.set(b("delta"), b(""));
            store.set(b("zeta"), b("removed after the compaction"));
            store.remove(b("zeta"));
            store.set(b("epsilon"), b("written after the compaction"));
        }
    }

    private static byte[] b(String s) {
        return s.getBytes(UTF_8);
    }
}
