package kvs.server.store;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.TreeSet;

/**
 * {@code kvs-server --check}: reads every file of a store directory in full and reports all
 * damage, changing nothing. Data files are read record by record (every checksum), past damage;
 * hint files are checked whole and against their data files; a commit record is checked too.
 */
public final class StoreCheck {

    private StoreCheck() {
    }

    /** One problem: which file, where, what. */
    public record Finding(Path file, long offset, String problem) {
        @Override
        public String toString() {
            return file + " at offset " + offset + ": " + problem;
        }
    }

    /** What the check read and found. */
    public record Report(int dataFiles, long records, List<Finding> findings) {
        public boolean clean() {
            return findings.isEmpty();
        }
    }

    /**
     * Checks the store in {@code dir}, holding its lock so that no server changes it meanwhile.
     *
     * @throws StoreLockedException if a server has it open
     */
    public static Report run(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new java.nio.file.NoSuchFileException(dir.toString(), null, "no such data directory");
        }
        try (DirectoryLock lock = DirectoryLock.acquire(dir)) {
            return check(dir);
        }
    }

    private static Report check(Path dir) throws IOException {
        List<Finding> findings = new ArrayList<>();
        TreeSet<Integer> data = new TreeSet<>();
        TreeSet<Integer> hints = new TreeSet<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                OptionalInt d = SegmentNames.parseDataId(name);
                OptionalInt h = SegmentNames.parseHintId(name);
                if (d.isPresent()) {
                    data.add(d.getAsInt());
                } else if (h.isPresent()) {
                    hints.add(h.getAsInt());
                }
            }
        }
        if (Files.exists(CompactionCommit.path(dir))) {
            try {
                CompactionCommit.read(dir);
            } catch (CorruptionException e) {
                findings.add(new Finding(e.file(), e.offset(), e.getMessage()));
            }
        }
        long records = 0;
        for (int id : data) {
            Path path = SegmentNames.dataFile(dir, id);
            List<long[]> seen = new ArrayList<>();
            List<byte[]> keys = new ArrayList<>();
            try (Segment seg = Segment.open(path, id, false)) {
                for (SegmentScanner.Skipped s : SegmentScanner.scanAll(seg.channel(),
                        (offset, size, seq, type, key) -> {
                            seen.add(new long[] {offset, size, seq, type});
                            keys.add(key);
                        })) {
                    findings.add(new Finding(path, s.offset(), s.reason() + " (" + s.length()
                            + " bytes unreadable)"));
                }
                records += seen.size();
                if (hints.contains(id)) {
                    checkHint(dir, id, seg.channel().size(), seen, keys, findings);
                }
            }
        }
        for (int id : hints) {
            if (!data.contains(id)) {
                findings.add(new Finding(SegmentNames.hintFile(dir, id), 0, "hint file without its data file"));
            }
        }
        return new Report(data.size(), records, findings);
    }

    private static void checkHint(Path dir, int id, long dataSize, List<long[]> seen, List<byte[]> keys,
            List<Finding> findings) throws IOException {
        Path hint = SegmentNames.hintFile(dir, id);
        List<long[]> entries = new ArrayList<>();
        List<byte[]> entryKeys = new ArrayList<>();
        boolean whole = HintFile.read(hint, dataSize, (offset, size, seq, type, key) -> {
            entries.add(new long[] {offset, size, seq, type});
            entryKeys.add(key);
        });
        if (!whole) {
            findings.add(new Finding(hint, 0, "hint file damaged or out of date (opening reads the"
                    + " data file instead, and writes the hint again)"));
            return;
        }
        for (int i = 0; i < Math.max(entries.size(), seen.size()); i++) {
            long[] e = i < entries.size() ? entries.get(i) : null;
            long[] r = i < seen.size() ? seen.get(i) : null;
            if (e == null || r == null || !java.util.Arrays.equals(e, r)
                    || !Objects.deepEquals(entryKeys.get(i), keys.get(i))) {
                findings.add(new Finding(hint, 0, "entry " + i + " disagrees with data file "
                        + SegmentNames.dataFile(dir, id).getFileName()
                        + (r == null ? "" : " (record at offset " + r[0] + ")")));
                return;
            }
        }
    }
}
