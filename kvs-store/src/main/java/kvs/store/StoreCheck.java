package kvs.store;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * {@code kvs-server --check}: reads every file of a store directory in full and reports all
 * damage, changing nothing. Data files are read record by record (every checksum), past damage,
 * hint or not: a hint never vouches for its data file. Each file's state is judged by
 * {@link DataFileState}, as opening judges it: what opening forgives (an unfinished creation, a
 * torn tail of the newest log file) is a note, not damage. Hint files are checked whole and entry
 * by entry against the records at their offsets; a commit record is checked too.
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

    /**
     * What the check read and found.
     *
     * @param findings damage: what opening would refuse, or a read would fail on
     * @param notes what is not damage but opening changes: an unfinished creation it removes, a
     *     torn tail it cuts off
     */
    public record Report(int dataFiles, long records, List<Finding> findings, List<Finding> notes) {
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

    /** A good record of a data file, as the check saw it. */
    private record Rec(long offset, int size, long seq, byte type, byte[] key, long expireAt) {
        boolean sameAs(Rec o) {
            return offset == o.offset && size == o.size && seq == o.seq && type == o.type
                    && expireAt == o.expireAt && Arrays.equals(key, o.key);
        }
    }

    private static Report check(Path dir) throws IOException {
        List<Finding> findings = new ArrayList<>();
        List<Finding> notes = new ArrayList<>();
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
        java.util.Map<Integer, DataFileState> headers = new java.util.HashMap<>();
        for (int id : data) {
            headers.put(id, DataFileState.ofHeader(SegmentNames.dataFile(dir, id)));
        }
        int newestLog = DataFileState.newestLog(headers);
        long records = 0;
        for (int id : data) {
            Path path = SegmentNames.dataFile(dir, id);
            boolean newest = id == newestLog;
            TreeMap<Long, Rec> seen = new TreeMap<>();
            List<SegmentScanner.Skipped> damaged = new ArrayList<>();
            SegmentScanner.Visitor collect = (offset, size, seq, type, key, expireAt) ->
                    seen.put(offset, new Rec(offset, size, seq, type, key, expireAt));
            try (Segment seg = Segment.open(path, id, false)) {
                DataFileState state = DataFileState.classify(seg.channel(), collect);
                if (state.kind() == DataFileState.Kind.UNFINISHED_CREATION) {
                    notes.add(new Finding(path, 0, state.describe(newest)));
                    continue;
                }
                if (state.kind() != DataFileState.Kind.WHOLE) {
                    seen.clear(); // read on past the damage, to find all of it
                    damaged.addAll(SegmentScanner.scanAll(seg.channel(), collect));
                }
                if (state.isDamage(newest)) {
                    for (SegmentScanner.Skipped s : damaged) {
                        findings.add(new Finding(path, s.offset(), s.reason() + " (" + s.length()
                                + " bytes unreadable)"));
                    }
                } else if (state.kind() != DataFileState.Kind.WHOLE) {
                    notes.add(new Finding(path, state.offset(), state.describe(newest)));
                }
                records += seen.size();
                if (hints.contains(id)) {
                    checkHint(dir, id, seg.channel().size(), seen, damaged, findings);
                }
            }
        }
        for (int id : hints) {
            if (!data.contains(id)) {
                findings.add(new Finding(SegmentNames.hintFile(dir, id), 0, "hint file without its data file"));
            }
        }
        return new Report(data.size(), records, findings, notes);
    }

    /**
     * Checks a hint against the records read from its data file, matching each entry to the
     * record at its offset. An entry whose record lies in a damaged range of the data file is no
     * fault of the hint (the data file's damage is reported on its own), and neither is a record
     * found inside such an entry's extent.
     */
    private static void checkHint(Path dir, int id, long dataSize, TreeMap<Long, Rec> seen,
            List<SegmentScanner.Skipped> damaged, List<Finding> findings) throws IOException {
        Path hint = SegmentNames.hintFile(dir, id);
        List<Rec> entries = new ArrayList<>();
        boolean whole = HintFile.read(hint, dataSize, (offset, size, seq, type, key, expireAt) ->
                entries.add(new Rec(offset, size, seq, type, key, expireAt)));
        if (!whole) {
            findings.add(new Finding(hint, 0, "hint file damaged or out of date (opening reads the"
                    + " data file instead, and writes the hint again)"));
            return;
        }
        String data = SegmentNames.dataFile(dir, id).getFileName().toString();
        TreeMap<Long, Rec> unmatched = new TreeMap<>(seen);
        List<Rec> inDamage = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            Rec e = entries.get(i);
            Rec r = unmatched.remove(e.offset());
            if (r == null && within(e.offset(), damaged)) {
                inDamage.add(e);
            } else if (r == null) {
                findings.add(new Finding(hint, 0, "entry " + i + " names offset " + e.offset()
                        + " of data file " + data + ", where no record starts"));
                return;
            } else if (!e.sameAs(r)) {
                findings.add(new Finding(hint, 0, "entry " + i + " disagrees with data file " + data
                        + " (record at offset " + r.offset() + ")"));
                return;
            }
        }
        for (Rec r : unmatched.values()) {
            if (inDamage.stream().noneMatch(e -> r.offset() > e.offset() && r.offset() < e.offset() + e.size())) {
                findings.add(new Finding(hint, 0, "no entry for the record at offset " + r.offset()
                        + " of data file " + data));
                return;
            }
        }
    }

    private static boolean within(long offset, List<SegmentScanner.Skipped> damaged) {
        for (SegmentScanner.Skipped s : damaged) {
            if (offset >= s.offset() && offset < s.offset() + s.length()) {
                return true;
            }
        }
        return false;
    }
}
