package kvs.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * What a data file is: the one decision that opening ({@link StoreLoader}), {@code --check}
 * ({@link StoreCheck}), {@code --salvage} ({@link Salvage}) and {@code --dump} ({@link StoreDump})
 * all take, so that they can never disagree about a file (docs/FORMAT.md, "Recovery").
 *
 * <p>The states, and what each tool does with them:
 * <ul>
 * <li>{@link Kind#WHOLE}: a good header and only good records.
 * <li>{@link Kind#UNFINISHED_CREATION}: shorter than a file header (0 to 7 bytes). The file was
 *     being created when the disk filled up or the process stopped; it never held a record.
 *     Opening removes it with one log line; check and dump say so, and count it as no damage.
 * <li>{@link Kind#TORN_TAIL}: good records, then damage after which no good record starts: what
 *     a crash during an append leaves. Cut off at open in the newest log file only; damage
 *     anywhere else.
 * <li>{@link Kind#DAMAGED}: a bad record followed by good ones.
 * <li>{@link Kind#BAD_MAGIC}, {@link Kind#UNSUPPORTED_VERSION}: a header that is not ours.
 * </ul>
 *
 * @param kind the state
 * @param fileKind the header's kind byte ({@link RecordFormat#KIND_LOG} if there is no header)
 * @param size the file's size when judged
 * @param offset where the damage (or the cut) begins; the file's size if there is none
 * @param reason what is wrong, or {@code null} if the file is whole
 */
record DataFileState(Kind kind, byte fileKind, long size, long offset, String reason) {

    enum Kind { WHOLE, UNFINISHED_CREATION, TORN_TAIL, DAMAGED, BAD_MAGIC, UNSUPPORTED_VERSION }

    /**
     * Judges a file by reading it all, handing each good record before the first damage to
     * {@code visitor} (for replay). Reads only the header if that decides.
     */
    static DataFileState classify(FileChannel channel, SegmentScanner.Visitor visitor) throws IOException {
        DataFileState head = ofHeader(channel);
        if (head.kind != Kind.WHOLE) {
            return head;
        }
        SegmentScanner.Damage d = SegmentScanner.scan(channel, visitor);
        if (d == null) {
            return head;
        }
        Kind k = d.tornTail() ? Kind.TORN_TAIL : Kind.DAMAGED;
        return new DataFileState(k, head.fileKind, head.size, d.offset(), d.reason());
    }

    /**
     * Judges a file by its header alone: {@link Kind#WHOLE} here means only that the header is
     * good; {@link #classify} reads the records too. A header that is all zeros is a torn tail at
     * offset 0 (a file whose header never reached the disk), as the scanner judges it.
     */
    static DataFileState ofHeader(FileChannel channel) throws IOException {
        long size = channel.size();
        if (size < RecordFormat.FILE_HEADER_BYTES) {
            return new DataFileState(Kind.UNFINISHED_CREATION, RecordFormat.KIND_LOG, size, 0,
                    "unfinished creation: " + size + " of " + RecordFormat.FILE_HEADER_BYTES
                    + " header bytes, no records (the disk was full or the process stopped while the"
                    + " file was created)");
        }
        ByteBuffer h = ByteBuffer.allocate(RecordFormat.FILE_HEADER_BYTES);
        while (h.hasRemaining()) {
            if (channel.read(h, h.position()) < 0) {
                throw new IOException("file shrank while its header was read");
            }
        }
        byte fileKind = h.get(RecordFormat.KIND_OFFSET);
        if (h.getInt(0) != RecordFormat.DATA_MAGIC) {
            SegmentScanner.Damage d = SegmentScanner.scan(channel, (o, s, q, t, k, x) -> { });
            return new DataFileState(d != null && d.tornTail() ? Kind.TORN_TAIL : Kind.BAD_MAGIC,
                    fileKind, size, 0, "not a kvs data file (bad magic number)");
        }
        short version = h.getShort(4);
        if (version < RecordFormat.OLDEST_VERSION || version > RecordFormat.VERSION) {
            return new DataFileState(Kind.UNSUPPORTED_VERSION, fileKind, size, 0,
                    "unsupported data file version " + version + " (this build reads versions "
                    + RecordFormat.OLDEST_VERSION + " to " + RecordFormat.VERSION + ")");
        }
        return new DataFileState(Kind.WHOLE, fileKind, size, size, null);
    }

    /** {@link #ofHeader(FileChannel)} of a file. */
    static DataFileState ofHeader(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return ofHeader(ch);
        }
    }

    /**
     * The newest log file, as opening chooses it: the highest id among files with a header (not
     * unfinished creations) of kind log; -1 if there is none.
     */
    static int newestLog(Map<Integer, DataFileState> headers) {
        int newest = -1;
        for (Map.Entry<Integer, DataFileState> e : headers.entrySet()) {
            if (e.getValue().kind != Kind.UNFINISHED_CREATION && e.getValue().fileKind == RecordFormat.KIND_LOG) {
                newest = Math.max(newest, e.getKey());
            }
        }
        return newest;
    }

    /** Whether opening forgives this state: it removes or cuts off only what holds no record. */
    boolean forgivenAtOpen(boolean newestLog) {
        return kind == Kind.WHOLE || kind == Kind.UNFINISHED_CREATION
                || (kind == Kind.TORN_TAIL && newestLog);
    }

    /** Whether this is damage to report and refuse (given whether the file is the newest log). */
    boolean isDamage(boolean newestLog) {
        return !forgivenAtOpen(newestLog);
    }

    /** One line for logs, check and dump: what the file is, and what opening does with it. */
    String describe(boolean newestLog) {
        return switch (kind) {
            case WHOLE -> "whole";
            case UNFINISHED_CREATION -> reason + "; opening removes it";
            case TORN_TAIL -> newestLog
                    ? "torn tail at offset " + offset + " (" + reason + "): " + (size - offset)
                            + " bytes left by an interrupted write; opening cuts them off"
                    : "damaged at offset " + offset + ": " + reason
                            + " (at the end of a file that is not the newest log file)";
            case DAMAGED -> "damaged at offset " + offset + ": " + reason;
            case BAD_MAGIC, UNSUPPORTED_VERSION -> reason;
        };
    }
}
