package kvs.store;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The on-disk layout of data files: the file header and the record (docs/FORMAT.md, "Data
 * files"). Every constant of that format lives here. All integers are big-endian.
 *
 * <pre>
 * file   := file-header record*
 * file-header (8 bytes) := magic "KVSD" (4) | version u16 = 1 | kind u8 (0 log, 1 compacted)
 *                          | reserved u8 = 0
 * record := crc u32 | seq u64 | type u8 | key_len u32 | value_len u32 | key | value
 *           crc is CRC32C (Castagnoli) of every byte of the record after the crc field
 * </pre>
 */
final class RecordFormat {

    /** "KVSD": a kvs data file. */
    static final int DATA_MAGIC = 0x4B565344;
    static final short VERSION = 1;
    /** A data file written by the store's writer, appended to while it is the active file. */
    static final byte KIND_LOG = 0;
    /** A data file written by compaction: whole, or not in the store at all. */
    static final byte KIND_COMPACTED = 1;
    static final int KIND_OFFSET = 6;
    static final int FILE_HEADER_BYTES = 8;

    static final int CRC_BYTES = 4;
    /** crc, seq, type, key_len, value_len. */
    static final int HEADER_BYTES = CRC_BYTES + 8 + 1 + 4 + 4;
    static final int SEQ_OFFSET = 4;
    static final int TYPE_OFFSET = 12;
    static final int KEY_LEN_OFFSET = 13;
    static final int VALUE_LEN_OFFSET = 17;

    static final byte TYPE_PUT = 1;
    static final byte TYPE_TOMBSTONE = 2;

    /** Keys are 1 byte to 64 KiB, as on the wire. */
    static final int MAX_KEY_BYTES = 64 * 1024;
    /** The largest record: it must fit a Java array. */
    static final int MAX_RECORD_BYTES = Integer.MAX_VALUE - 16;

    private RecordFormat() {
    }

    static ByteBuffer fileHeader(byte kind) {
        ByteBuffer b = ByteBuffer.allocate(FILE_HEADER_BYTES).order(ByteOrder.BIG_ENDIAN);
        b.putInt(DATA_MAGIC).putShort(VERSION).put(kind).put((byte) 0).flip();
        return b;
    }

    /** The bytes of the record; its size is {@code recordSize(key.length, value.length)}. */
    static ByteBuffer encode(long seq, byte type, byte[] key, byte[] value) {
        int size = recordSize(key.length, value.length);
        ByteBuffer b = ByteBuffer.allocate(size);
        b.putInt(0).putLong(seq).put(type).putInt(key.length).putInt(value.length).put(key).put(value);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), CRC_BYTES, size - CRC_BYTES);
        b.putInt(0, (int) crc.getValue());
        b.flip();
        return b;
    }

    /**
     * A record built but for its sequence number: the writer builds it (copying key and value in,
     * and computing their CRC, which is most of the work for a large value) before it takes the
     * store's write lock, and {@link #finish finishes} it under the lock with the sequence number,
     * the only part that must wait for the lock.
     *
     * <p>A record of at most {@link #SCRATCH_BYTES} is built in a direct buffer of the calling
     * thread's, reused from one write to the next: no allocation, and the file write needs no
     * copy into a temporary direct buffer of the JDK's. So a thread must write a draft before it
     * makes its next one (the store's writers do: draft, lock, finish, append, unlock).
     */
    static final class Draft {
        private final ByteBuffer buffer;
        private final int bodyCrc;

        private Draft(ByteBuffer buffer, int bodyCrc) {
            this.buffer = buffer;
            this.bodyCrc = bodyCrc;
        }

        /** The record's size in bytes. */
        int size() {
            return buffer.limit();
        }

        /** Stamps the sequence number and the CRC; the record is ready to append. */
        ByteBuffer finish(long seq) {
            stamp(buffer, 0, buffer.limit(), seq, bodyCrc);
            return buffer.position(0);
        }
    }

    /**
     * From this many bytes of key and value, a draft checksums them before the lock and combines
     * that CRC with the header's under it; below, checksumming the whole record under the lock
     * (a few nanoseconds) costs less than combining (a few hundred operations).
     */
    static final int COMBINE_FROM_BYTES = 4096;
    /**
     * Stamps the drafted record at {@code [at, at + size)} of {@code b} with its sequence number
     * and CRC: the whole record checksummed when small, else the header's CRC combined with the
     * body's ({@code bodyCrc}, computed when drafting). Leaves {@code b}'s position alone.
     */
    private static void stamp(ByteBuffer b, int at, int size, long seq, int bodyCrc) {
        b.putLong(at + SEQ_OFFSET, seq);
        int bodyBytes = size - HEADER_BYTES;
        CRC32C crc = new CRC32C();
        if (bodyBytes < COMBINE_FROM_BYTES) {
            crc.update(b.duplicate().position(at + CRC_BYTES).limit(at + size)); // cheaper than combining, this small
            b.putInt(at, (int) crc.getValue());
        } else {
            crc.update(b.duplicate().position(at + CRC_BYTES).limit(at + HEADER_BYTES));
            b.putInt(at, Crc32c.combine((int) crc.getValue(), bodyCrc, bodyBytes));
        }
    }

    /** Records up to this size are drafted in a per-thread direct buffer. */
    static final int SCRATCH_BYTES = 64 * 1024;
    private static final ThreadLocal<ByteBuffer> SCRATCH =
            ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(SCRATCH_BYTES));

    /**
     * Drafts a record of {@code type} for {@code key} and the remaining bytes of {@code value}
     * (whose position is left unchanged).
     */
    static Draft draft(byte type, byte[] key, ByteBuffer value) {
        int size = recordSize(key.length, value.remaining());
        ByteBuffer b = size <= SCRATCH_BYTES ? SCRATCH.get().clear().limit(size) : ByteBuffer.allocate(size);
        b.putInt(0).putLong(0).put(type).putInt(key.length).putInt(value.remaining())
                .put(key).put(value.duplicate());
        b.flip();
        int bodyBytes = size - HEADER_BYTES;
        int bodyCrc = 0;
        if (bodyBytes >= COMBINE_FROM_BYTES) {
            CRC32C body = new CRC32C();
            body.update(b.duplicate().position(HEADER_BYTES));
            bodyCrc = (int) body.getValue();
        }
        return new Draft(b, bodyCrc);
    }

    /**
     * Several put records drafted into one buffer, to be appended with one write: see
     * {@link Draft}, whose rules (a per-thread buffer when small; finish before the next draft)
     * apply.
     */
    static final class DraftBatch {
        private final ByteBuffer buffer;
        private final int[] starts;
        private final int[] bodyCrcs;

        private DraftBatch(ByteBuffer buffer, int[] starts, int[] bodyCrcs) {
            this.buffer = buffer;
            this.starts = starts;
            this.bodyCrcs = bodyCrcs;
        }

        int records() {
            return starts.length;
        }

        /** Where record {@code i} starts in the batch. */
        int start(int i) {
            return starts[i];
        }

        /** The size of record {@code i}. */
        int size(int i) {
            return (i + 1 < starts.length ? starts[i + 1] : buffer.limit()) - starts[i];
        }

        int totalSize() {
            return buffer.limit();
        }

        /** Stamps sequence numbers {@code firstSeq}, {@code firstSeq + 1}, ... and the CRCs. */
        ByteBuffer finish(long firstSeq) {
            for (int i = 0; i < starts.length; i++) {
                stamp(buffer, starts[i], size(i), firstSeq + i, bodyCrcs[i]);
            }
            return buffer.position(0);
        }
    }

    /** Drafts put records for {@code keys[i]} and the remaining bytes of {@code values[i]}. */
    static DraftBatch draftPuts(byte[][] keys, ByteBuffer[] values) {
        long total = 0;
        for (int i = 0; i < keys.length; i++) {
            total += recordSize(keys[i].length, values[i].remaining());
        }
        if (total > MAX_RECORD_BYTES) {
            throw new IllegalArgumentException("a batch of " + total + " bytes is over the limit of "
                    + MAX_RECORD_BYTES + " bytes");
        }
        int size = (int) total;
        ByteBuffer b = size <= SCRATCH_BYTES ? SCRATCH.get().clear().limit(size) : ByteBuffer.allocate(size);
        int[] starts = new int[keys.length];
        int[] bodyCrcs = new int[keys.length];
        for (int i = 0; i < keys.length; i++) {
            starts[i] = b.position();
            b.putInt(0).putLong(0).put(TYPE_PUT).putInt(keys[i].length).putInt(values[i].remaining())
                    .put(keys[i]).put(values[i].duplicate());
            int bodyBytes = b.position() - starts[i] - HEADER_BYTES;
            if (bodyBytes >= COMBINE_FROM_BYTES) {
                CRC32C body = new CRC32C();
                body.update(b.duplicate().position(starts[i] + HEADER_BYTES).limit(b.position()));
                bodyCrcs[i] = (int) body.getValue();
            }
        }
        b.flip();
        return new DraftBatch(b, starts, bodyCrcs);
    }

    static int recordSize(int keyLength, int valueLength) {
        long size = (long) HEADER_BYTES + keyLength + valueLength;
        if (size > MAX_RECORD_BYTES) {
            throw new IllegalArgumentException("record of " + size + " bytes is over the limit of "
                    + MAX_RECORD_BYTES + " bytes");
        }
        return (int) size;
    }

    /** Whether the CRC stored in {@code record[off..off+size)} matches its contents. */
    static boolean crcMatches(byte[] record, int off, int size) {
        CRC32C crc = new CRC32C();
        crc.update(record, off + CRC_BYTES, size - CRC_BYTES);
        return (int) crc.getValue() == ByteBuffer.wrap(record, off, CRC_BYTES).getInt();
    }
}
