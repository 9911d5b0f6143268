package kvs.store;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Opening a store directory: the recovery steps of docs/FORMAT.md ("Recovery"), in order.
 *
 * <ol>
 * <li>Finish a committed compaction (its {@code COMPACTION} record is there).
 * <li>Delete files still being written ({@code *.tmp}) by a compaction that did not commit.
 * <li>Replay every data file into the keydir: through its hint file where that is whole and
 *     agrees with the data file, by scanning the data file otherwise.
 * <li>Remove data files that never got a whole header (unfinished creations).
 * <li>Cut a torn tail off the newest log file; refuse any other damage ({@link DataFileState}
 *     decides which is which). When salvaging, read every data file, hint or not, and repair
 *     each damaged one ({@link Salvage}).
 * <li>Choose the active file.
 * </ol>
 */
final class StoreLoader {

    private static final System.Logger LOG = System.getLogger(StoreLoader.class.getName());

    /** What opening found. */
    record Loaded(Keydir keydir, ConcurrentHashMap<Integer, Segment> segments, Segment active,
            long nextSeq, int nextId, List<Segment> needHints) {
    }

    private final Path dir;
    private final StoreOptions options;
    /** Salvage damaged files rather than refuse to open. */
    private final boolean salvage;
    private final Keydir keydir = Keydir.forLoading();
    private final ConcurrentHashMap<Integer, Segment> segments = new ConcurrentHashMap<>();
    private final List<Segment> needHints = new ArrayList<>();

    private StoreLoader(Path dir, StoreOptions options, boolean salvage) {
        this.dir = dir;
        this.options = options;
        this.salvage = salvage;
    }

    static Loaded load(Path dir, StoreOptions options, boolean salvage) throws IOException {
        StoreLoader loader = new StoreLoader(dir, options, salvage);
        try {
            return loader.run();
        } catch (IOException | RuntimeException e) {
            for (Segment s : loader.segments.values()) {
                try {
                    s.close();
                } catch (IOException c) {
                    e.addSuppressed(c);
                }
            }
            throw e;
        }
    }

    private Loaded run() throws IOException {
        // Before anything is changed (a compaction finished, temporary files deleted, a torn tail
        // cut): a data file of a later format version stops the open here.
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SegmentNames.DATA_SUFFIX)) {
            for (Path f : files) {
                try {
                    Segment.refuseNewer(f);
                } catch (NewerFormatException e) {
                    throw e;
                } catch (IOException unreadable) {
                    // The pass below names the file with what to check.
                }
            }
        }
        try {
            finishCommittedCompaction(dir);
        } catch (CorruptionException e) {
            if (!salvage) {
                throw e;
            }
            Path aside = Salvage.moveAside(dir, e.file());
            LOG.log(Level.WARNING, "salvage: {0} is damaged ({1}); moved aside as {2}; the"
                    + " compaction it recorded is ignored", e.file(), e.getMessage(), dir.relativize(aside));
        }
        TreeSet<Integer> dataIds = new TreeSet<>();
        TreeSet<Integer> hintIds = new TreeSet<>();
        listFiles(dataIds, hintIds);
        int newestLog = removeUnfinishedAndFindNewestLog(dataIds);
        for (int id : dataIds) {
            Path path = SegmentNames.dataFile(dir, id);
            boolean newest = id == newestLog;
            try {
                Segment seg = Segment.open(options.io(), path, id, newest);
                segments.put(id, seg);
                // Salvage reads every data file: a hint never vouches for its data file's records.
                boolean fromHint = !salvage && hintIds.contains(id) && replayHint(seg);
                if (!fromHint) {
                    seg = replayScan(seg, newest);
                    needHints.add(seg);
                }
            } catch (CorruptionException | NewerFormatException e) {
                throw e;
            } catch (IOException e) {
                throw unreadable(path, e);
            }
        }
        for (int id : hintIds) {
            if (!dataIds.contains(id)) {
                Files.deleteIfExists(SegmentNames.hintFile(dir, id));
            }
        }
        long maxSeq = keydir.finishLoad();
        int nextId = dataIds.isEmpty() ? 1 : dataIds.last() + 1;
        Segment active = newestLog < 0 ? null : segments.get(newestLog);
        // The newest log file takes appends again only if it was active when the store stopped
        // (it has no hint), has room, and is of this build's version: records of a newer type
        // must not go into a file whose header says they cannot be there.
        if (active == null || hintIds.contains(newestLog) || active.size() >= options.maxSegmentBytes()
                || active.version != RecordFormat.VERSION) {
            if (active != null && !hintIds.contains(newestLog)) {
                active.force(); // sealed now: what a crash left in the OS's cache goes to the disk
            }
            active = Segment.create(options.io(), SegmentNames.dataFile(dir, nextId), nextId,
                    RecordFormat.KIND_LOG);
            segments.put(active.id, active);
            nextId++;
            FileSync.directory(options.io(), dir);
        }
        needHints.remove(active); // the active file gets its hint when it is sealed
        return new Loaded(keydir, segments, active, maxSeq + 1, nextId, needHints);
    }

    /**
     * If a compaction committed but did not finish, finishes it: its outputs take their final
     * names, its inputs go, then the commit record.
     */
    static void finishCommittedCompaction(Path dir) throws IOException {
        Path commitPath = CompactionCommit.path(dir);
        if (Files.exists(commitPath)) {
            CompactionCommit commit = CompactionCommit.read(dir);
            LOG.log(Level.INFO, "{0}: finishing a compaction that committed before the store stopped",
                    dir);
            for (int id : commit.outputs()) {
                for (Path p : List.of(SegmentNames.dataFile(dir, id), SegmentNames.hintFile(dir, id))) {
                    Path tmp = SegmentNames.temporary(p);
                    if (Files.exists(tmp)) {
                        Files.move(tmp, p, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                    }
                }
            }
            for (int id : commit.inputs()) {
                Files.deleteIfExists(SegmentNames.hintFile(dir, id));
                Files.deleteIfExists(SegmentNames.dataFile(dir, id));
            }
            FileSync.directory(dir);
            Files.delete(commitPath);
            FileSync.directory(dir);
        }
    }

    private void listFiles(TreeSet<Integer> dataIds, TreeSet<Integer> hintIds) throws IOException {
        boolean deleted = false;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                OptionalInt data = SegmentNames.parseDataId(name);
                OptionalInt hint = SegmentNames.parseHintId(name);
                if (data.isPresent()) {
                    dataIds.add(data.getAsInt());
                } else if (hint.isPresent()) {
                    hintIds.add(hint.getAsInt());
                } else if (name.endsWith(SegmentNames.TEMP_SUFFIX)) {
                    LOG.log(Level.INFO, "deleting {0}: left half-written by an interrupted compaction", f);
                    Files.delete(f);
                    deleted = true;
                } else if (!name.equals(SegmentNames.LOCK_FILE) && !name.equals(SegmentNames.CORRUPT_DIR)) {
                    LOG.log(Level.WARNING, "ignoring {0}: not a kvs file name", f);
                }
            }
        }
        if (deleted) {
            FileSync.directory(dir);
        }
    }

    /** An I/O failure reading a store file, with the file named. */
    private static IOException unreadable(Path path, IOException e) {
        String why = e.getMessage() == null ? e.toString() : e.getMessage();
        return new IOException("cannot read " + path + ": " + why
                + "; check the file and its permissions, or move it out of the directory", e);
    }

    /**
     * Removes every data file that is an unfinished creation (it never got a whole header, so it
     * never held a record; {@link DataFileState}), one log line each, and returns the id of the
     * newest log file among the rest, or -1.
     */
    private int removeUnfinishedAndFindNewestLog(TreeSet<Integer> dataIds) throws IOException {
        java.util.Map<Integer, DataFileState> headers = new java.util.HashMap<>();
        for (int id : dataIds) {
            Path path = SegmentNames.dataFile(dir, id);
            DataFileState head;
            try {
                head = DataFileState.ofHeader(path);
            } catch (IOException e) {
                throw unreadable(path, e);
            }
            if (head.kind() == DataFileState.Kind.UNFINISHED_CREATION) {
                LOG.log(Level.WARNING, "{0}: removing it: {1}", path, head.reason());
                Files.delete(path);
            }
            headers.put(id, head);
        }
        if (dataIds.removeIf(id -> headers.get(id).kind() == DataFileState.Kind.UNFINISHED_CREATION)) {
            FileSync.directory(dir);
        }
        return DataFileState.newestLog(headers);
    }

    private boolean replayHint(Segment seg) throws IOException {
        boolean ok = HintFile.read(SegmentNames.hintFile(dir, seg.id), seg.channel().size(),
                (offset, size, seq, type, key, expireAt) -> record(seg, offset, size, seq, type, key, expireAt));
        if (!ok) {
            LOG.log(Level.WARNING, "{0}: hint file is damaged or out of date; reading the data file"
                    + " instead", SegmentNames.hintFile(dir, seg.id));
        }
        return ok;
    }

    /** Replays a data file by reading it; returns the segment (a new one, if salvaged). */
    private Segment replayScan(Segment seg, boolean newest) throws IOException {
        DataFileState state = DataFileState.classify(seg.channel(),
                (offset, size, seq, type, key, expireAt) -> record(seg, (int) offset, size, seq, type, key, expireAt));
        if (state.kind() == DataFileState.Kind.WHOLE) {
            return seg;
        }
        if (state.forgivenAtOpen(newest)) { // a torn tail of the newest log file
            LOG.log(Level.WARNING, "{0}: {1}", seg.path(), state.describe(newest));
            if (SegmentScanner.goodRecordAfter(seg.channel(), state.offset())) {
                // Good records in what is cut off: a value that holds a record, or a length
                // damaged upwards over later writes. Keep the file as it was, so nothing is lost.
                Path aside = Salvage.copyAside(dir, seg.path());
                LOG.log(Level.WARNING, "{0}: the {1} bytes cut off hold what look like good"
                        + " records (a length field damaged upwards would hide later writes); the"
                        + " file as it was is kept as {2}, to read them back from if they were writes",
                        seg.path(), seg.channel().size() - state.offset(), aside);
            }
            seg.truncate(state.offset());
            seg.force();
            return seg;
        }
        if (!salvage) {
            throw new CorruptionException(seg.path(), state.offset(), state.reason());
        }
        // Records before the damage are in the keydir already, and keep their offsets in the
        // rewritten file: it copies good records in order from the same start.
        long live = seg.live();
        seg.close();
        Salvage.repair(dir, seg.id, seg.kind, state);
        Segment repaired = Segment.open(SegmentNames.dataFile(dir, seg.id), seg.id, newest);
        repaired.addLive(live);
        segments.put(repaired.id, repaired);
        SegmentScanner.Damage left = SegmentScanner.scan(repaired.channel(),
                (offset, size, seq, type, key, expireAt) -> record(repaired, (int) offset, size, seq, type, key,
                        expireAt));
        if (left != null) {
            throw new CorruptionException(repaired.path(), left.offset(), "still damaged after salvage: "
                    + left.reason());
        }
        return repaired;
    }

    private void record(Segment seg, int offset, int size, long seq, byte type, byte[] key, long expireAt) {
        boolean tombstone = type == RecordFormat.TYPE_TOMBSTONE;
        Keydir.LoadResult r = keydir.putIfNewer(key, seg.id, offset, size, seq, tombstone, expireAt);
        if (r.lost()) {
            return;
        }
        if (!tombstone) {
            seg.addLive(size);
        }
        if (r.displacedLive()) {
            segments.get(r.displacedSegment()).addLive(-r.displacedSize());
        }
    }
}
