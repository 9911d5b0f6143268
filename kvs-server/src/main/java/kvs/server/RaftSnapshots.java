package kvs.server;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.SnapshotRetentionPolicy;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.impl.FileListSnapshotInfo;

/**
 * The snapshots of a replicated member's store, in Ratis's state machine directory: each a
 * directory {@code snapshot.TERM_INDEX} holding a backup of the store ({@code Store.backup}:
 * sealed data files hard-linked, with their hints) as it was after the log entry INDEX was
 * applied. Ratis sends a snapshot's files to a member that is too far behind, into the same
 * relative paths of its state machine directory, and the member restores its store from it.
 */
final class RaftSnapshots implements StateMachineStorage {

    /**
     * Written last into a snapshot directory: one without it was cut short (and Ratis cannot send a
     * snapshot of no files: an empty store's has this one).
     */
    static final String MARKER = "SNAPSHOT";
    private static final Pattern NAME = Pattern.compile("snapshot\\.(\\d+)_(\\d+)");
    /** Snapshots kept: the newest, and the one before it while a member may still be fetching it. */
    private static final int KEPT = 2;

    private volatile File dir;

    @Override
    public void init(RaftStorage storage) throws IOException {
        dir = storage.getStorageDir().getStateMachineDir();
        Files.createDirectories(dir.toPath());
    }

    /** The state machine directory of a member's Raft storage under {@code raftDir}. */
    static Path stateMachineDir(Path raftDir, java.util.UUID groupId) {
        return raftDir.resolve(groupId.toString()).resolve("sm");
    }

    /** Where the snapshot of the state after entry {@code applied} goes. */
    Path newSnapshotDir(TermIndex applied) {
        return dir.toPath().resolve("snapshot." + applied.getTerm() + "_" + applied.getIndex());
    }

    @Override
    public SnapshotInfo getLatestSnapshot() {
        try {
            Path latest = latest(dir.toPath());
            return latest == null ? null : info(latest);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot list the snapshots in " + dir, e);
        }
    }

    /** The newest whole snapshot directory in {@code smDir}, or null if there is none. */
    static Path latest(Path smDir) throws IOException {
        List<Path> all = all(smDir);
        return all.isEmpty() ? null : all.get(all.size() - 1);
    }

    /** The term and index of a snapshot directory. */
    static TermIndex termIndex(Path snapshot) {
        Matcher m = NAME.matcher(snapshot.getFileName().toString());
        if (!m.matches()) {
            throw new IllegalArgumentException(snapshot + " is not a snapshot directory");
        }
        return TermIndex.valueOf(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)));
    }

    /** Snapshot directories that are whole, oldest first (by index). */
    private static List<Path> all(Path smDir) throws IOException {
        List<Path> found = new ArrayList<>();
        if (!Files.isDirectory(smDir)) {
            return found;
        }
        try (var files = Files.list(smDir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (Files.isDirectory(f) && NAME.matcher(f.getFileName().toString()).matches()
                        && Files.exists(f.resolve(MARKER))) {
                    found.add(f);
                }
            }
        }
        found.sort(Comparator.comparingLong(p -> termIndex(p).getIndex()));
        return found;
    }

    private static SnapshotInfo info(Path snapshot) throws IOException {
        List<FileInfo> files = new ArrayList<>();
        try (var list = Files.list(snapshot)) {
            for (Path f : (Iterable<Path>) list::iterator) {
                files.add(new FileInfo(f.toAbsolutePath(), null));
            }
        }
        files.sort(Comparator.comparing(f -> f.getPath().toString()));
        return new FileListSnapshotInfo(files, termIndex(snapshot));
    }

    /** Marks {@code snapshot}, a backup of the store just made, whole, and fsyncs the mark. */
    static void seal(Path snapshot) throws IOException {
        Path marker = snapshot.resolve(MARKER);
        Files.writeString(marker, termIndex(snapshot) + "\n");
        try (var ch = java.nio.channels.FileChannel.open(marker, java.nio.file.StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        try (var ch = java.nio.channels.FileChannel.open(snapshot, java.nio.file.StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    @Override
    public void format() {
    }

    @Override
    public void cleanupOldSnapshots(SnapshotRetentionPolicy policy) throws IOException {
        List<Path> all = all(dir.toPath());
        for (int i = 0; i < all.size() - KEPT; i++) {
            deleteTree(all.get(i));
        }
    }

    static void deleteTree(Path d) throws IOException {
        if (!Files.exists(d)) {
            return;
        }
        try (var walk = Files.walk(d)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }
}
