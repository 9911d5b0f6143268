package kvs.store;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * {@code kvs-server --dump FILE}: prints a data file or a hint file as text, one line a record or
 * entry, with every piece of damage where it lies; the debugging tool beside the format
 * (docs/FORMAT.md). Read-only.
 */
public final class StoreDump {

    private StoreDump() {
    }

    /** Prints the file; returns whether it was whole (no damage, or a hint trusted whole). */
    public static boolean dump(Path file, PrintWriter out) throws IOException {
        byte[] magic = new byte[4];
        int n;
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(file)) {
            n = in.readNBytes(magic, 0, 4);
        }
        if (n == 4) {
            // The file says what it is, whatever its name.
            int m = java.nio.ByteBuffer.wrap(magic).getInt();
            if (m == RecordFormat.DATA_MAGIC) {
                return dumpData(file, out);
            }
            if (m == HintFile.MAGIC) {
                return dumpHint(file, out);
            }
            out.printf("# %s: not a kvs data or hint file: it begins with %s, where a data file begins"
                    + " with \"KVSD\" and a hint file with \"KVSH\"%n", file,
                    java.util.HexFormat.ofDelimiter(" ").formatHex(magic));
            out.flush();
            return false;
        }
        // Too short to say: a file cut short while it was created; its name tells which kind.
        String name = file.getFileName().toString();
        if (name.endsWith(SegmentNames.HINT_SUFFIX)) {
            return dumpHint(file, out);
        }
        return dumpData(file, out);
    }

    /**
     * Prints the file's state as {@link DataFileState} judges it (as opening would, taking the
     * file for the newest log file if it is a log file), then each record and each damaged range
     * in offset order, reading on past damage.
     */
    private static boolean dumpData(Path file, PrintWriter out) throws IOException {
        try (Segment seg = Segment.open(file, 0, false)) {
            DataFileState state = DataFileState.classify(seg.channel(), (offset, size, seq, type, key, expireAt) -> { });
            boolean log = seg.kind == RecordFormat.KIND_LOG;
            out.printf("# %s: data file, kind %s, %d bytes%n", file, log ? "log"
                    : seg.kind == RecordFormat.KIND_COMPACTED ? "compacted" : "unknown " + seg.kind,
                    seg.channel().size());
            out.printf("# state: %s%n", state.describe(log));
            if (state.kind() == DataFileState.Kind.UNFINISHED_CREATION) {
                out.flush();
                return true;
            }
            out.println("# offset size seq type key value_bytes");
            SegmentScanner.scanAll(seg.channel(), new SegmentScanner.Visitor() {
                @Override
                public void record(long offset, int size, long seq, byte type, byte[] key, long expireAt) {
                    out.printf("%d %d %d %s %s %d%s%n", offset, size, seq, typeName(type), printable(key),
                            size - RecordFormat.headerBytes(type) - key.length, expiry(expireAt));
                }

                @Override
                public void batch(long offset, int size) {
                    out.printf("# batch at offset %d: %d bytes, its records follow%n", offset, size);
                }

                @Override
                public void damaged(SegmentScanner.Skipped s) {
                    out.printf("# DAMAGE at offset %d: %d bytes unreadable: %s%n", s.offset(), s.length(),
                            s.reason());
                }
            });
            out.flush();
            return state.kind() == DataFileState.Kind.WHOLE;
        }
    }

    private static boolean dumpHint(Path file, PrintWriter out) throws IOException {
        java.nio.ByteBuffer head = java.nio.ByteBuffer.wrap(java.nio.file.Files.readAllBytes(file));
        long dataSize = head.remaining() >= HintFile.HEADER_BYTES ? head.getLong(8) : -1;
        out.printf("# %s: hint file for a data file of %d bytes%n", file, dataSize);
        out.println("# offset size seq type key");
        boolean whole = HintFile.read(file, dataSize, (offset, size, seq, type, key, expireAt) ->
                out.printf("%d %d %d %s %s%s%n", offset, size, seq, typeName(type), printable(key),
                        expiry(expireAt)));
        if (!whole) {
            out.println("# DAMAGE: not a whole hint file (bad magic, version, count or checksum);"
                    + " a store ignores it and reads the data file");
        }
        out.flush();
        return whole;
    }

    private static String typeName(byte type) {
        return RecordFormat.isPut(type) ? "put" : "tombstone";
    }

    /** An expiry time, after a record's columns: nothing for none. */
    private static String expiry(long expireAt) {
        return expireAt == 0 ? "" : " expires " + expireAt + " (" + java.time.Instant.ofEpochMilli(expireAt) + ")";
    }

    /** A key as text: UTF-8 where printable, else hex. */
    static String printable(byte[] key) {
        String s = new String(key, StandardCharsets.UTF_8);
        boolean plain = s.chars().allMatch(c -> c > 0x20 && c < 0x7F)
                && java.util.Arrays.equals(s.getBytes(StandardCharsets.UTF_8), key);
        return plain ? s : "0x" + java.util.HexFormat.of().formatHex(key);
    }
}
