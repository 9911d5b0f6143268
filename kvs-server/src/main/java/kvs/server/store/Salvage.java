package kvs.server.store;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * {@code --salvage}: rewrites a damaged data file keeping every record that checks out. The
 * damaged file is first copied aside as {@code <file>.corrupt-<time>}, never deleted; what was
 * skipped is logged with offsets (docs/FORMAT.md, "Salvage").
 */
final class Salvage {

    private static final System.Logger LOG = System.getLogger(Salvage.class.getName());
    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private Salvage() {
    }

    /**
     * Salvages data file {@code id}: keeps its good records, in order, in a file of the same name
     * and kind. Returns the bytes skipped.
     */
    static long repair(Path dir, int id, byte kind) throws IOException {
        Path path = SegmentNames.dataFile(dir, id);
        Path aside = path.resolveSibling(path.getFileName() + ".corrupt-" + STAMP.format(Instant.now()));
        Files.copy(path, aside, StandardCopyOption.COPY_ATTRIBUTES);
        Path tmp = SegmentNames.temporary(path);
        Files.deleteIfExists(tmp);
        long skippedBytes = 0;
        try (Segment damaged = Segment.open(path, id, false);
                Segment clean = Segment.create(tmp, id, kind)) {
            List<SegmentScanner.Skipped> skipped = SegmentScanner.scanAll(damaged.channel(),
                    (offset, size, seq, type, key) -> {
                        try {
                            clean.append(ByteBuffer.wrap(damaged.read(offset, size)));
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    });
            for (SegmentScanner.Skipped s : skipped) {
                LOG.log(Level.WARNING, "salvage: {0}: skipped {1} bytes at offset {2} ({3})", path,
                        s.length(), s.offset(), s.reason());
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
                + " kept as {2}", path, skippedBytes, aside.getFileName());
        return skippedBytes;
    }
}
