package kvs.store;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * {@code --salvage}: rewrites a damaged data file keeping every record that checks out. The
 * damaged file is first copied aside, fsynced, into the folder {@code corrupt/} as
 * {@code corrupt/<file>.corrupt-<time>}, never deleted; what was skipped is logged with offsets
 * (docs/FORMAT.md, "Salvage"). Opening ignores {@code corrupt/} silently, so a file set aside is
 * warned about once, when it is set aside.
 */
final class Salvage {

    private static final System.Logger LOG = System.getLogger(Salvage.class.getName());
    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'").withZone(ZoneOffset.UTC);

    private Salvage() {
    }

    /**
     * Salvages data file {@code id}, which {@link DataFileState#classify} found damaged: keeps its
     * good records, in order, in a file of the same name and kind. Returns the bytes skipped.
     */
    static long repair(Path dir, int id, byte kind, DataFileState state) throws IOException {
        Path path = SegmentNames.dataFile(dir, id);
        LOG.log(Level.WARNING, "salvage: {0}: {1}", path, state.describe(false));
        Path aside = copyAside(dir, path);
        Path tmp = SegmentNames.temporary(path);
        Files.deleteIfExists(tmp);
        long skippedBytes = 0;
        try (Segment damaged = Segment.open(path, id, false);
                Segment clean = Segment.create(tmp, id, kind)) {
            List<SegmentScanner.Skipped> skipped = SegmentScanner.scanAll(damaged.channel(),
                    new SegmentScanner.Visitor() {
                        /** The end of the last batch copied: its records came with it. */
                        private long batchEnd;

                        @Override
                        public void batch(long offset, int size) {
                            copy(offset, size);
                            batchEnd = offset + size;
                        }

                        @Override
                        public void record(long offset, int size, long seq, byte type, byte[] key, long expireAt) {
                            if (offset >= batchEnd) {
                                copy(offset, size);
                            }
                        }

                        private void copy(long offset, int size) {
                            try {
                                clean.append(ByteBuffer.wrap(damaged.read(offset, size)));
                            } catch (IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                        }
                    });
            for (SegmentScanner.Skipped s : skipped) {
                // Numbers as strings: MessageFormat would print offset 1708 as "1,708".
                LOG.log(Level.WARNING, "salvage: {0}: skipped {1} bytes at offset {2} ({3})", path,
                        Long.toString(s.length()), Long.toString(s.offset()), s.reason());
                skippedBytes += s.length();
            }
            clean.force();
        } catch (java.io.UncheckedIOException e) {
            Files.deleteIfExists(tmp);
            throw e.getCause();
        }
        Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Files.deleteIfExists(SegmentNames.hintFile(dir, id));
        FileSync.directory(dir);
        LOG.log(Level.WARNING, "salvage: {0} rewritten without {1} damaged bytes; the damaged file is"
                + " kept as {2}", path, Long.toString(skippedBytes), dir.relativize(aside));
        return skippedBytes;
    }

    /** Copies a damaged file into {@code corrupt/}, durably, before it is rewritten. */
    static Path copyAside(Path dir, Path file) throws IOException {
        Path aside = SegmentNames.aside(dir, file, STAMP.format(Instant.now()));
        Files.createDirectories(aside.getParent());
        Files.copy(file, aside, StandardCopyOption.COPY_ATTRIBUTES);
        try (FileChannel ch = FileChannel.open(aside, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        FileSync.directory(aside.getParent());
        FileSync.directory(dir);
        return aside;
    }

    /** Moves a damaged file into {@code corrupt/} (a damaged commit record); returns its new path. */
    static Path moveAside(Path dir, Path file) throws IOException {
        Path aside = SegmentNames.aside(dir, file, STAMP.format(Instant.now()));
        Files.createDirectories(aside.getParent());
        Files.move(file, aside);
        FileSync.directory(aside.getParent());
        FileSync.directory(dir);
        return aside;
    }
}
