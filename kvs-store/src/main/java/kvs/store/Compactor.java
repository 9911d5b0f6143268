package kvs.store;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Compaction (Bitcask's merge): rewrites the live records of every sealed data file into new
 * files, each with its hint file, and deletes the old files. Runs on the store's maintenance
 * thread; reads and writes go on meanwhile.
 *
 * <h2>Damaged inputs</h2>
 * A record that fails its checksum (or an input whose scan finds damage) is logged once, with
 * file and offset, and that file is left out of this and every later compaction of this store
 * (counted in {@link StoreStats#damagedFiles()}); the compaction starts again without it and
 * compacts the rest. The file's good records stay readable where they are; {@code --salvage}
 * repairs it. So one damaged record never stops compaction, and dead bytes never grow without
 * bound. Damaged files are remembered in memory only: after a restart the first compaction finds
 * them again.
 *
 * <h2>Steps, and what a crash after each leaves (docs/FORMAT.md, "Compaction")</h2>
 * <ol>
 * <li>Copy: for each record of each input whose key the keydir still points at, copy the record
 *     as it is (same sequence number, same checksum) into an output written under a temporary
 *     name ({@code 000000057.data.tmp}, with {@code .hint.tmp}). Tombstones are dropped when every
 *     sealed file is an input: every older record they shadow is in the inputs too, and goes
 *     with them. When a sealed file is left out (damaged), a tombstone whose key the keydir does
 *     not hold may shadow a record in that file, so it is copied too (and counted live, so that it
 *     does not call for another compaction). <br>
 *     Crash: the temporary files are deleted on open; the inputs are untouched.
 * <li>Fsync the outputs; write the commit record {@code COMPACTION} (inputs, outputs). <br>
 *     Crash: open finishes the compaction (steps 3 and 5).
 * <li>Rename the outputs to their final names.
 * <li>Point the keydir at the copies, only where it still points at the originals: a write that
 *     raced ahead wins, and its copy is dead weight.
 * <li>Retire the inputs: out of the file table, files deleted, each closed when its last reader
 *     is done; then delete the commit record.
 * </ol>
 * A reader that looked a key up before step 4 may find its file retired in step 5; it looks the
 * key up again, and finds the copy. So no read sees a missing key or an older value.
 */
final class Compactor {

    private static final System.Logger LOG = System.getLogger(Compactor.class.getName());

    /** Test hook: called after each step, with the directory in the state a crash would leave. */
    interface StepListener {
        void reached(String step) throws IOException;
    }

    private final Store store;
    private volatile StepListener listener = step -> { };
    /** Ids of sealed files left out of compaction because they are damaged; written by the
     *  maintenance thread, read by stats and by the store's threshold check. */
    private final java.util.Set<Integer> damaged = java.util.concurrent.ConcurrentHashMap.newKeySet();

    Compactor(Store store) {
        this.store = store;
    }

    void listener(StepListener l) {
        listener = l;
    }

    /** Damage found in an input while copying it: the input is left out and compaction begun again. */
    private static final class DamagedInput extends Exception {
        private static final long serialVersionUID = 1L;
        final transient Segment input;

        DamagedInput(Segment input, CorruptionException cause) {
            super(cause);
            this.input = input;
        }
    }

    /** Whether compaction leaves data file {@code id} out, having found it damaged. */
    boolean leftOut(int id) {
        return damaged.contains(id);
    }

    /** How many data files compaction leaves out as damaged. */
    int damagedFiles() {
        return damaged.size();
    }

    /** A record copied into an output, to be pointed at once the compaction commits. */
    private record Moved(byte[] key, int fromSegment, int fromOffset, int toSegment, int toOffset,
            int size) {
    }

    /**
     * Runs one compaction of every sealed data file but the damaged ones. Returns false if it was
     * abandoned because the store is closing (nothing changed).
     */
    boolean run() throws IOException {
        store.sweepExpired(); // expired keys become dead bytes, not copied
        List<Segment> sealed = store.sealedSegments();
        for (int attempt = 0; attempt <= sealed.size(); attempt++) {
            List<Segment> inputs = sealed.stream().filter(s -> !damaged.contains(s.id)).toList();
            try {
                return runOnce(inputs, inputs.size() < sealed.size());
            } catch (DamagedInput d) {
                damaged.add(d.input.id);
                LOG.log(Level.WARNING, "{0}; compaction leaves this file out from now on and compacts"
                        + " the rest. Its other records stay readable. To repair it, stop the server and"
                        + " run kvs-server --check, then --salvage", d.getCause().getMessage());
            }
        }
        throw new IllegalStateException("compaction found more damaged inputs than it had inputs");
    }

    /**
     * Compacts {@code inputs}; {@code keepTombstones} when a sealed file is not among them.
     *
     * @throws DamagedInput if an input is damaged: nothing was changed
     */
    private boolean runOnce(List<Segment> inputs, boolean keepTombstones) throws IOException, DamagedInput {
        if (store.isClosed()) {
            return false;
        }
        if (inputs.isEmpty()) {
            return true;
        }
        Path dir = store.directory();
        long before = 0;
        for (Segment s : inputs) {
            before += s.size();
        }
        long started = System.nanoTime();
        Outputs outputs = new Outputs(dir);
        List<Moved> moved = new ArrayList<>();
        try {
            for (Segment in : inputs) {
                if (!copyLive(in, outputs, moved, keepTombstones)) {
                    outputs.abandon();
                    return false;
                }
            }
            outputs.finish();
            listener.reached("outputs-written");
        } catch (IOException | RuntimeException | DamagedInput e) {
            outputs.abandon();
            throw e;
        }
        List<Integer> inputIds = inputs.stream().map(s -> s.id).toList();
        new CompactionCommit(inputIds, outputs.ids()).write(store.options().io(), dir);
        listener.reached("committed");

        for (Segment out : outputs.files) {
            out.moveTo(SegmentNames.dataFile(dir, out.id));
            Files.move(SegmentNames.temporary(SegmentNames.hintFile(dir, out.id)),
                    SegmentNames.hintFile(dir, out.id), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            store.segments.put(out.id, out);
        }
        FileSync.directory(store.options().io(), dir);
        listener.reached("renamed");

        for (Moved m : moved) {
            Segment to = store.segments.get(m.toSegment());
            if (m.fromOffset() < 0) { // a kept tombstone or expired put: live while a damaged file is left out
                to.addLive(m.size());
                continue;
            }
            if (store.keydir.replaceIfAt(m.key(), m.fromSegment(), m.fromOffset(), m.toSegment(),
                    m.toOffset(), m.size())) {
                to.addLive(m.size());
                store.segments.get(m.fromSegment()).addLive(-m.size()); // inputs retire below
            }
        }
        listener.reached("repointed");

        for (Segment in : inputs) {
            store.segments.remove(in.id);
            Files.deleteIfExists(SegmentNames.hintFile(dir, in.id));
            Files.deleteIfExists(in.path());
            in.retire();
        }
        FileSync.directory(store.options().io(), dir);
        listener.reached("inputs-deleted");
        Files.delete(CompactionCommit.path(dir));
        FileSync.directory(store.options().io(), dir);
        store.compactionFinished();
        long after = 0;
        for (Segment s : outputs.files) {
            after += s.size();
        }
        LOG.log(Level.INFO, "{0}: compacted {1} files ({2} bytes) into {3} ({4} bytes) in {5} ms",
                dir, inputs.size(), before, outputs.files.size(), after,
                (System.nanoTime() - started) / 1_000_000);
        return true;
    }

    /**
     * Copies the live records of one input, and its tombstones of absent keys if
     * {@code keepTombstones}. Returns false if the store closed meanwhile (the compaction is then
     * abandoned).
     */
    private boolean copyLive(Segment in, Outputs outputs, List<Moved> moved, boolean keepTombstones)
            throws IOException, DamagedInput {
        List<long[]> live = new ArrayList<>();
        List<byte[]> keys = new ArrayList<>();
        long now = store.now();
        HintFile.Visitor collect = (offset, size, seq, type, key, expireAt) -> {
            Location loc = store.keydir.get(key);
            boolean pointed = RecordFormat.isPut(type) && loc != null && loc.segment() == in.id
                    && loc.offset() == offset;
            // With a sealed file left out, what shadows an older record of an absent key stays:
            // a tombstone, or a put that expired (and was dropped from the keydir).
            boolean shadows = keepTombstones && loc == null && (type == RecordFormat.TYPE_TOMBSTONE
                    || (expireAt != 0 && expireAt <= now));
            if (pointed || shadows) {
                live.add(new long[] {offset, size, seq, type, expireAt, pointed ? 1 : 0});
                keys.add(key);
            }
        };
        Path hint = SegmentNames.hintFile(store.directory(), in.id);
        boolean fromHint = Files.exists(hint) && HintFile.read(hint, in.channel().size(), collect);
        if (!fromHint) {
            live.clear();
            keys.clear();
            SegmentScanner.Damage damage = SegmentScanner.scan(in.channel(),
                    (offset, size, seq, type, key, expireAt) -> {
                        try {
                            collect.entry((int) offset, size, seq, type, key, expireAt);
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    });
            if (damage != null) {
                throw new DamagedInput(in, new CorruptionException(in.path(), damage.offset(),
                        damage.reason()));
            }
        }
        for (int i = 0; i < live.size(); i++) {
            if (store.isClosed()) {
                return false;
            }
            long[] r = live.get(i);
            int offset = (int) r[0];
            int size = (int) r[1];
            byte type = (byte) r[3];
            byte[] record = in.read(offset, size);
            if (!RecordFormat.crcMatches(record, 0, size) || record[RecordFormat.TYPE_OFFSET] != type) {
                throw new DamagedInput(in, new CorruptionException(in.path(), offset,
                        RecordFormat.crcMatches(record, 0, size) ? "record type differs from its hint entry"
                                : "checksum mismatch in record of " + size + " bytes"));
            }
            Segment out = outputs.forRecord(size);
            int at = (int) out.append(ByteBuffer.wrap(record));
            outputs.hint.add(at, size, r[2], type, keys.get(i), r[4]);
            moved.add(new Moved(keys.get(i), in.id, r[5] == 1 ? offset : -1, out.id, at, size));
        }
        return true;
    }

    /** The output files of one compaction, written under temporary names. */
    private final class Outputs {
        final Path dir;
        final List<Segment> files = new ArrayList<>();
        Segment current;
        HintFile.Writer hint;

        Outputs(Path dir) {
            this.dir = dir;
        }

        List<Integer> ids() {
            return files.stream().map(s -> s.id).toList();
        }

        /** The output to append a record of {@code size} bytes to, starting a new one if needed. */
        Segment forRecord(int size) throws IOException {
            if (current != null && current.size() > RecordFormat.FILE_HEADER_BYTES
                    && current.size() + size > store.options().maxSegmentBytes()) {
                finishCurrent();
            }
            if (current == null) {
                int id = store.allocateId();
                current = Segment.create(store.options().io(),
                        SegmentNames.temporary(SegmentNames.dataFile(dir, id)), id,
                        RecordFormat.KIND_COMPACTED);
                files.add(current);
                hint = new HintFile.Writer(SegmentNames.temporary(SegmentNames.hintFile(dir, id)),
                        store.options().io());
            }
            return current;
        }

        private void finishCurrent() throws IOException {
            current.force();
            hint.finish(current.size());
            hint.close();
            current = null;
            hint = null;
        }

        void finish() throws IOException {
            if (current != null) {
                finishCurrent();
            }
            FileSync.directory(store.options().io(), dir);
        }

        /** Deletes every output: the compaction did not happen. */
        void abandon() {
            try {
                if (hint != null) {
                    hint.close();
                }
            } catch (IOException e) {
                LOG.log(Level.WARNING, "closing an abandoned hint file: {0}", e.getMessage());
            }
            for (Segment s : files) {
                try {
                    s.close();
                    Files.deleteIfExists(s.path());
                    Files.deleteIfExists(SegmentNames.temporary(SegmentNames.hintFile(dir, s.id)));
                } catch (IOException e) {
                    LOG.log(Level.WARNING, "deleting an abandoned compaction file: {0}", e.getMessage());
                }
            }
        }
    }
}
