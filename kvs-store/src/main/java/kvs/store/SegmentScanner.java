package kvs.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.zip.CRC32C;

/**
 * Reads a data file from start to end, checking the file header and each record's lengths and
 * checksum, and hands every good record to a visitor. Stops at the first damage and describes it.
 *
 * <p>Whether damage is a torn tail (what a crash during an append leaves) is judged here; whether
 * it is forgiven is the caller's policy: only in the newest file (docs/FORMAT.md, "Recovery").
 */
final class SegmentScanner {

    /**
     * Receives each good record in file order. The records of a batch come one by one, each at
     * its own offset, after {@link #batch}; a batch that is not whole gives none.
     */
    interface Visitor {
        /**
         * A put (expiring at {@code expireAt}, ms since the epoch, or never: 0) or a tombstone
         * ({@code expireAt} 0).
         */
        void record(long offset, int size, long seq, byte type, byte[] key, long expireAt);

        /** A whole batch record at {@code offset}, whose records follow. */
        default void batch(long offset, int size) {
        }

        /** Receives each damaged range {@link #scanAll} skips, in file order among the records. */
        default void damaged(Skipped skipped) {
        }
    }

    /**
     * The first damage in a file.
     *
     * @param offset where the damaged record (or header) begins: everything before it is good
     * @param tornTail whether it looks like an interrupted append: no good record follows it
     */
    record Damage(long offset, String reason, boolean tornTail) {
    }

    private static final int BUFFER_BYTES = 256 * 1024;

    private final FileChannel channel;
    private final long end;
    private final CRC32C crc = new CRC32C();
    /** The file's format version, once its header is read; what record types it may hold. */
    private short version = RecordFormat.VERSION;
    /**
     * The size the last checked record's header declares (at least a header and a key byte), or
     * -1 if its header is not sane.
     */
    private long declaredSize;
    private ByteBuffer buf = ByteBuffer.allocate(BUFFER_BYTES);
    /** File offset of {@code buf}'s first byte. */
    private long bufStart;

    private SegmentScanner(FileChannel channel) throws IOException {
        this.channel = channel;
        this.end = channel.size();
        buf.limit(0);
    }

    /** Scans a whole file; returns {@code null} if it is clean, else its first damage. */
    static Damage scan(FileChannel channel, Visitor visitor) throws IOException {
        return new SegmentScanner(channel).run(visitor);
    }

    private Damage run(Visitor visitor) throws IOException {
        if (end < RecordFormat.FILE_HEADER_BYTES) {
            return new Damage(0, "file header cut short (" + end + " of "
                    + RecordFormat.FILE_HEADER_BYTES + " bytes)", true);
        }
        fill(0, RecordFormat.FILE_HEADER_BYTES);
        ByteBuffer h = buf.duplicate();
        if (h.getInt() != RecordFormat.DATA_MAGIC) {
            return new Damage(0, "not a kvs data file (bad magic number)", zerosFrom(0));
        }
        version = h.getShort();
        if (version < RecordFormat.OLDEST_VERSION || version > RecordFormat.VERSION) {
            return new Damage(0, "unsupported data file version " + version + " (this build reads"
                    + " versions " + RecordFormat.OLDEST_VERSION + " to " + RecordFormat.VERSION + ")", false);
        }
        long pos = RecordFormat.FILE_HEADER_BYTES;
        while (pos < end) {
            String bad = checkRecord(pos);
            if (bad != null) {
                return new Damage(pos, bad, isTail(pos));
            }
            pos += visit(pos, visitor);
        }
        return null;
    }

    /**
     * Checks the record at {@code pos}: a whole header, sane lengths, all of it inside the file, a
     * matching checksum; for a batch, each of its records too. Returns what is wrong, or
     * {@code null} with the record in {@code buf}.
     */
    private String checkRecord(long pos) throws IOException {
        declaredSize = -1;
        if (end - pos < RecordFormat.HEADER_BYTES) {
            return "record header cut short by the end of the file";
        }
        fill(pos, RecordFormat.HEADER_BYTES);
        int at = (int) (pos - bufStart);
        byte type = buf.get(at + RecordFormat.TYPE_OFFSET);
        int keyLen = buf.getInt(at + RecordFormat.KEY_LEN_OFFSET);
        int valueLen = buf.getInt(at + RecordFormat.VALUE_LEN_OFFSET);
        boolean batch = type == RecordFormat.TYPE_BATCH && version >= 2;
        long size = RecordFormat.headerBytes(type) + (batch ? 0 : Integer.toUnsignedLong(keyLen))
                + Integer.toUnsignedLong(valueLen);
        String bad = batch ? checkBatchHeader(keyLen, valueLen, size) : checkHeader(type, keyLen, valueLen, size);
        if (bad != null) {
            return bad;
        }
        declaredSize = size;
        if (pos + size > end) {
            return (type == RecordFormat.TYPE_BATCH ? "batch" : "record") + " of " + size
                    + " bytes cut short by the end of the file";
        }
        fill(pos, (int) size);
        at = (int) (pos - bufStart);
        if (!crcMatches(at, (int) size)) {
            return "checksum mismatch in " + (type == RecordFormat.TYPE_BATCH ? "batch" : "record") + " of "
                    + size + " bytes";
        }
        return type == RecordFormat.TYPE_BATCH ? checkBatchRecords(at, (int) size) : checkExpiry(at, type);
    }

    private boolean crcMatches(int at, int size) {
        crc.reset();
        crc.update(buf.array(), at + RecordFormat.CRC_BYTES, size - RecordFormat.CRC_BYTES);
        return (int) crc.getValue() == buf.getInt(at);
    }

    /** An expiring put must say when: 0 is no time (such a put is written as a plain one). */
    private String checkExpiry(int at, byte type) {
        return type == RecordFormat.TYPE_PUT_EXPIRING && buf.getLong(at + RecordFormat.EXPIRE_AT_OFFSET) <= 0
                ? "expiring put with expire_at " + buf.getLong(at + RecordFormat.EXPIRE_AT_OFFSET) : null;
    }

    private static String checkBatchHeader(int count, int bodyLen, long size) {
        if (count <= 0 || bodyLen < 0 || (long) count * (RecordFormat.HEADER_BYTES + 1) > bodyLen) {
            return "batch of " + Integer.toUnsignedString(count) + " records in "
                    + Integer.toUnsignedString(bodyLen) + " bytes";
        }
        if (size > RecordFormat.MAX_RECORD_BYTES) {
            return "batch of " + size + " bytes too large";
        }
        return null;
    }

    /**
     * Checks the records of the batch at {@code [at, at + size)} of {@code buf}, whose own checksum
     * is good: they must fill it exactly, each sane and matching its own checksum.
     */
    private String checkBatchRecords(int at, int size) {
        int count = buf.getInt(at + RecordFormat.BATCH_COUNT_OFFSET);
        int p = at + RecordFormat.HEADER_BYTES;
        int batchEnd = at + size;
        for (int i = 0; i < count; i++) {
            String bad = checkBatchRecord(p, batchEnd);
            if (bad != null) {
                return "batch's record " + i + " at offset " + (bufStart + p) + ": " + bad;
            }
            p += batchRecordSize(p);
        }
        return p == batchEnd ? null : "batch's records end " + (batchEnd - p) + " bytes before the batch does";
    }

    private String checkBatchRecord(int p, int batchEnd) {
        if (batchEnd - p < RecordFormat.HEADER_BYTES) {
            return "header cut short by the end of the batch";
        }
        byte type = buf.get(p + RecordFormat.TYPE_OFFSET);
        int keyLen = buf.getInt(p + RecordFormat.KEY_LEN_OFFSET);
        int valueLen = buf.getInt(p + RecordFormat.VALUE_LEN_OFFSET);
        long size = RecordFormat.headerBytes(type) + Integer.toUnsignedLong(keyLen) + Integer.toUnsignedLong(valueLen);
        String bad = checkHeader(type, keyLen, valueLen, size);
        if (bad != null) {
            return bad;
        }
        if (p + size > batchEnd) {
            return "record of " + size + " bytes cut short by the end of the batch";
        }
        return crcMatches(p, (int) size) ? checkExpiry(p, type) : "checksum mismatch in record of " + size + " bytes";
    }

    private int batchRecordSize(int p) {
        return RecordFormat.headerBytes(buf.get(p + RecordFormat.TYPE_OFFSET))
                + buf.getInt(p + RecordFormat.KEY_LEN_OFFSET) + buf.getInt(p + RecordFormat.VALUE_LEN_OFFSET);
    }

    /** Whether the bad record just checked at {@code pos} is the end of what was written. */
    private boolean isTail(long pos) throws IOException {
        return resumeAfter(pos) == end;
    }

    /**
     * Where reading resumes after the bad record just checked at {@code pos}: the first good record
     * after it, or {@link #end}. A record whose header is sane but whose checksum fails, or whose
     * declared end lies past the end of the file (the last write, cut short), is judged by what
     * follows its declared end, never by its own bytes, which may hold anything, records included.
     * A record with an insane header is judged by the bytes after its start.
     */
    private long resumeAfter(long pos) throws IOException {
        return nextGoodRecord(declaredSize == -1 ? pos : pos + declaredSize - 1);
    }

    /** The offset of the first good record after {@code pos}, or {@link #end} if there is none. */
    private long nextGoodRecord(long pos) throws IOException {
        for (long p = pos + 1; p + RecordFormat.HEADER_BYTES <= end; p++) {
            if (checkRecord(p) == null) {
                return p;
            }
        }
        return end;
    }

    /**
     * Whether a good record starts anywhere after {@code pos}, judged by bytes alone, inside a
     * bad record's declared range too. Opening asks this before cutting a torn tail: if so, the
     * tail is either a cut-short value that holds a record, or a length field damaged upwards
     * over later records, and the bytes alone cannot tell which.
     */
    static boolean goodRecordAfter(FileChannel channel, long pos) throws IOException {
        SegmentScanner s = new SegmentScanner(channel);
        s.readVersion();
        return s.nextGoodRecord(s.endOfOwnRecords(pos)) < s.end;
    }

    private void readVersion() throws IOException {
        if (end >= RecordFormat.FILE_HEADER_BYTES) {
            fill(0, RecordFormat.FILE_HEADER_BYTES);
            version = buf.getShort(4);
        }
    }

    /**
     * If a batch that is the bad record begins at {@code pos} (cut short by the end of the file,
     * or of its full length with pages a crash of the machine never wrote), the last byte of its
     * own good records (one after another from its header, numbered on from its sequence number,
     * at most its count of them): a crash in the middle of a batch's write leaves exactly those,
     * and they are not later writes. Else {@code pos}.
     */
    private long endOfOwnRecords(long pos) throws IOException {
        if (version < 2 || end - pos < RecordFormat.HEADER_BYTES) {
            return pos;
        }
        fill(pos, RecordFormat.HEADER_BYTES);
        int at = (int) (pos - bufStart);
        long declared = RecordFormat.HEADER_BYTES + Integer.toUnsignedLong(buf.getInt(at + RecordFormat.BATCH_BODY_LEN_OFFSET));
        if (buf.get(at + RecordFormat.TYPE_OFFSET) != RecordFormat.TYPE_BATCH) {
            return pos;
        }
        long seq = buf.getLong(at + RecordFormat.SEQ_OFFSET);
        // At most its count: a body_len damaged upwards must not claim the later writes after it.
        long count = Integer.toUnsignedLong(buf.getInt(at + RecordFormat.BATCH_COUNT_OFFSET));
        long p = pos + RecordFormat.HEADER_BYTES;
        for (long i = 1; i <= count && p < pos + declared && checkRecord(p) == null; i++) {
            int r = (int) (p - bufStart);
            if (buf.getLong(r + RecordFormat.SEQ_OFFSET) != seq + i
                    || buf.get(r + RecordFormat.TYPE_OFFSET) == RecordFormat.TYPE_BATCH) {
                break;
            }
            p += declaredSize;
        }
        return p == pos + RecordFormat.HEADER_BYTES ? pos : p - 1;
    }

    /** Damage skipped by {@link #scanAll}: {@code length} bytes from {@code offset}. */
    record Skipped(long offset, long length, String reason) {
    }

    /**
     * Reads every good record of a file, skipping damage: after a bad record, reading resumes where
     * {@link #resumeAfter} says (where nothing resumes, {@link #scan} sees a torn tail). For salvage
     * and for checking. Returns what was skipped, in file order; empty if the file is clean.
     */
    static java.util.List<Skipped> scanAll(FileChannel channel, Visitor visitor) throws IOException {
        return new SegmentScanner(channel).runAll(visitor);
    }

    private java.util.List<Skipped> runAll(Visitor visitor) throws IOException {
        java.util.List<Skipped> skipped = new java.util.ArrayList<>();
        long pos = RecordFormat.FILE_HEADER_BYTES;
        if (end < RecordFormat.FILE_HEADER_BYTES) {
            if (end > 0) {
                skipped.add(new Skipped(0, end, "file header cut short"));
                visitor.damaged(skipped.get(0));
            }
            return skipped;
        }
        fill(0, RecordFormat.FILE_HEADER_BYTES);
        version = buf.getShort(4);
        if (buf.getInt(0) != RecordFormat.DATA_MAGIC || version < RecordFormat.OLDEST_VERSION
                || version > RecordFormat.VERSION) {
            version = RecordFormat.VERSION; // read on as this build would
            pos = nextGoodRecord(0);
            skipped.add(new Skipped(0, pos, "bad file header"));
            visitor.damaged(skipped.get(0));
        }
        while (pos < end) {
            String bad = checkRecord(pos);
            if (bad != null) {
                long next = resumeAfter(pos);
                Skipped s = new Skipped(pos, next - pos, bad);
                skipped.add(s);
                visitor.damaged(s);
                pos = next;
                continue;
            }
            pos += visit(pos, visitor);
        }
        return skipped;
    }

    /** Hands the good record just checked at {@code pos} to the visitor; returns its size. */
    private int visit(long pos, Visitor visitor) {
        int at = (int) (pos - bufStart);
        if (buf.get(at + RecordFormat.TYPE_OFFSET) != RecordFormat.TYPE_BATCH) {
            return visitOne(at, visitor);
        }
        int size = RecordFormat.HEADER_BYTES + buf.getInt(at + RecordFormat.BATCH_BODY_LEN_OFFSET);
        visitor.batch(pos, size);
        int count = buf.getInt(at + RecordFormat.BATCH_COUNT_OFFSET);
        int p = at + RecordFormat.HEADER_BYTES;
        for (int i = 0; i < count; i++) {
            p += visitOne(p, visitor);
        }
        return size;
    }

    /** Hands the good put or tombstone at {@code at} of {@code buf} to the visitor; returns its size. */
    private int visitOne(int at, Visitor visitor) {
        byte type = buf.get(at + RecordFormat.TYPE_OFFSET);
        int header = RecordFormat.headerBytes(type);
        int keyLen = buf.getInt(at + RecordFormat.KEY_LEN_OFFSET);
        int size = header + keyLen + buf.getInt(at + RecordFormat.VALUE_LEN_OFFSET);
        byte[] key = new byte[keyLen];
        buf.get(at + header, key);
        long expireAt = type == RecordFormat.TYPE_PUT_EXPIRING ? buf.getLong(at + RecordFormat.EXPIRE_AT_OFFSET) : 0;
        visitor.record(bufStart + at, size, buf.getLong(at + RecordFormat.SEQ_OFFSET), type, key, expireAt);
        return size;
    }

    /** Whether a put or tombstone of {@code type} may be in a file of this version. */
    private String checkHeader(byte type, int keyLen, int valueLen, long size) {
        boolean known = type == RecordFormat.TYPE_PUT || type == RecordFormat.TYPE_TOMBSTONE
                || (type == RecordFormat.TYPE_PUT_EXPIRING && version >= 2);
        if (!known) {
            boolean later = type == RecordFormat.TYPE_PUT_EXPIRING || type == RecordFormat.TYPE_BATCH;
            return type == RecordFormat.TYPE_BATCH && version >= 2 ? "a batch inside a batch"
                    : later ? "record type " + type + " in a version " + version + " data file (it came with version 2)"
                    : "unknown record type " + type;
        }
        if (keyLen <= 0 || keyLen > RecordFormat.MAX_KEY_BYTES) {
            return "key length " + Integer.toUnsignedString(keyLen) + " outside 1.."
                    + RecordFormat.MAX_KEY_BYTES;
        }
        if (valueLen < 0 || size > RecordFormat.MAX_RECORD_BYTES) {
            return "value length " + Integer.toUnsignedString(valueLen) + " too large";
        }
        if (type == RecordFormat.TYPE_TOMBSTONE && valueLen != 0) {
            return "tombstone with a value of " + valueLen + " bytes";
        }
        return null;
    }

    /** Makes {@code [pos, pos+n)} of the file available in {@code buf}. */
    private void fill(long pos, int n) throws IOException {
        if (pos >= bufStart && pos + n <= bufStart + buf.limit()) {
            return;
        }
        if (n > buf.capacity()) {
            buf = ByteBuffer.allocate(Math.max(n, BUFFER_BYTES));
        }
        buf.clear();
        bufStart = pos;
        int want = (int) Math.min(buf.capacity(), end - pos);
        while (buf.position() < want) {
            if (channel.read(buf, pos + buf.position()) < 0) {
                break;
            }
        }
        buf.flip();
        if (buf.limit() < n) {
            throw new IOException("file shrank while being read: wanted " + n + " bytes at offset "
                    + pos + ", got " + buf.limit());
        }
    }

    /** Whether every byte from {@code pos} to the end of the file is zero. */
    private boolean zerosFrom(long pos) throws IOException {
        for (long p = pos; p < end; ) {
            int n = (int) Math.min(BUFFER_BYTES, end - p);
            fill(p, n);
            int at = (int) (p - bufStart);
            for (int i = 0; i < n; i++) {
                if (buf.get(at + i) != 0) {
                    return false;
                }
            }
            p += n;
        }
        return true;
    }
}
