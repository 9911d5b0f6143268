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
 * file-header (8 bytes) := magic "KVSD" (4) | version u16 = 2 | kind u8 (0 log, 1 compacted)
 *                          | reserved u8 = 0
 * record := crc u32 | seq u64 | type u8 | key_len u32 | value_len u32 | key | value   (types 1, 2)
 *         | crc u32 | seq u64 | type u8 = 3 | key_len u32 | value_len u32 | expire_at u64 | key | value
 *         | crc u32 | seq u64 | type u8 = 4 | count u32 | body_len u32 | record{count}     (a batch)
 *           crc is CRC32C (Castagnoli) of every byte of the record after the crc field; a batch's
 *           covers its records too, which carry their own
 * </pre>
 *
 * Version 1 files hold types 1 and 2 only, laid out as in version 2: a build reads both.
 */
final class RecordFormat {

    /** "KVSD": a kvs data file. */
    static final int DATA_MAGIC = 0x4B565344;
    /** The version this build writes. */
    static final short VERSION = 2;
    /** The oldest version this build reads. */
    static final short OLDEST_VERSION = 1;
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
    /** A put whose key expires at {@code expire_at} (ms since the epoch); version 2 on. */
    static final byte TYPE_PUT_EXPIRING = 3;
    /** Several records written as one: all of them are in the store, or none; version 2 on. */
    static final byte TYPE_BATCH = 4;
    /** Where an expiring put's {@code expire_at} lies; its key follows it. */
    static final int EXPIRE_AT_OFFSET = HEADER_BYTES;
    static final int EXPIRING_HEADER_BYTES = HEADER_BYTES + 8;
    /** A batch's header: crc, seq, type, count (where a key_len is), body_len (where a value_len is). */
    static final int BATCH_COUNT_OFFSET = KEY_LEN_OFFSET;
    static final int BATCH_BODY_LEN_OFFSET = VALUE_LEN_OFFSET;

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

    /** The bytes of the record; its size is {@code recordSize(type, key.length, value.length)}. */
    static ByteBuffer encode(long seq, byte type, byte[] key, byte[] value) {
        return encode(seq, type, key, value, 0);
    }

    /** {@link #encode} of a put that expires at {@code expireAt} (or never: 0). */
    static ByteBuffer encode(long seq, byte type, byte[] key, byte[] value, long expireAt) {
        int size = recordSize(type, key.length, value.length);
        ByteBuffer b = ByteBuffer.allocate(size);
        putHeader(b, type, key.length, value.length, expireAt).put(key).put(value);
        b.putLong(SEQ_OFFSET, seq);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), CRC_BYTES, size - CRC_BYTES);
        b.putInt(0, (int) crc.getValue());
        b.flip();
        return b;
    }

    /** Puts a record's header, seq and crc zero, at {@code b}'s position. */
    private static ByteBuffer putHeader(ByteBuffer b, byte type, int keyLength, int valueLength, long expireAt) {
        b.putInt(0).putLong(0).put(type).putInt(keyLength).putInt(valueLength);
        if (type == TYPE_PUT_EXPIRING) {
            b.putLong(expireAt);
        }
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
        int header = headerBytes(b.get(at + TYPE_OFFSET));
        int bodyBytes = size - header;
        CRC32C crc = new CRC32C();
        if (bodyBytes < COMBINE_FROM_BYTES) {
            crc.update(b.duplicate().position(at + CRC_BYTES).limit(at + size)); // cheaper than combining, this small
            b.putInt(at, (int) crc.getValue());
        } else {
            crc.update(b.duplicate().position(at + CRC_BYTES).limit(at + header));
            b.putInt(at, Crc32c.combine((int) crc.getValue(), bodyCrc, bodyBytes));
        }
    }

    /** The CRC of a drafted record's key and value, if it is large enough to combine; else 0. */
    private static int bodyCrc(ByteBuffer b, int at, int end) {
        int header = headerBytes(b.get(at + TYPE_OFFSET));
        if (end - at - header < COMBINE_FROM_BYTES) {
            return 0;
        }
        CRC32C body = new CRC32C();
        body.update(b.duplicate().position(at + header).limit(end));
        return (int) body.getValue();
    }

    /** Records up to this size are drafted in a per-thread direct buffer. */
    static final int SCRATCH_BYTES = 64 * 1024;
    private static final ThreadLocal<ByteBuffer> SCRATCH =
            ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(SCRATCH_BYTES));

    private static ByteBuffer buffer(int size) {
        return size <= SCRATCH_BYTES ? SCRATCH.get().clear().limit(size) : ByteBuffer.allocate(size);
    }

    /**
     * Drafts a record of {@code type} (a put or a tombstone) for {@code key} and the remaining
     * bytes of {@code value} (whose position is left unchanged).
     */
    static Draft draft(byte type, byte[] key, ByteBuffer value) {
        return draft(type, key, value, 0);
    }

    /** Drafts a put that expires at {@code expireAt}, or never ({@code 0}). */
    static Draft draftPut(byte[] key, ByteBuffer value, long expireAt) {
        return draft(putType(expireAt), key, value, expireAt);
    }

    private static Draft draft(byte type, byte[] key, ByteBuffer value, long expireAt) {
        int size = recordSize(type, key.length, value.remaining());
        ByteBuffer b = buffer(size);
        putHeader(b, type, key.length, value.remaining(), expireAt).put(key).put(value.duplicate());
        b.flip();
        return new Draft(b, bodyCrc(b, 0, size));
    }

    /**
     * A batch record drafted whole, to be appended with one write: a header, then one record per
     * write (puts and tombstones), each with its own CRC, and the batch's CRC over all of it.
     * See {@link Draft}, whose rules (a per-thread buffer when small; finish before the next
     * draft) apply. A batch takes {@code records() + 1} sequence numbers: its own, then one per
     * record in order.
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

        /**
         * Stamps the batch with sequence number {@code seq} and its records with {@code seq + 1},
         * {@code seq + 2}, ..., then the CRCs: each record's, then the batch's over them all.
         */
        ByteBuffer finish(long seq) {
            for (int i = 0; i < starts.length; i++) {
                stamp(buffer, starts[i], size(i), seq + 1 + i, bodyCrcs[i]);
            }
            buffer.putLong(SEQ_OFFSET, seq);
            CRC32C crc = new CRC32C();
            crc.update(buffer.duplicate().position(CRC_BYTES).limit(buffer.limit()));
            buffer.putInt(0, (int) crc.getValue());
            return buffer.position(0);
        }
    }

    /** Drafts a batch record holding a record for each of {@code writes}, in order. */
    static DraftBatch draftBatch(java.util.List<Write> writes) {
        long total = HEADER_BYTES;
        for (Write w : writes) {
            total += w instanceof Write.Put p
                    ? (long) headerBytes(putType(p.expireAt())) + p.key().length + p.value().remaining()
                    : (long) HEADER_BYTES + w.key().length;
        }
        if (total > MAX_RECORD_BYTES) {
            throw new IllegalArgumentException("a batch of " + total + " bytes is over the limit of "
                    + MAX_RECORD_BYTES + " bytes");
        }
        int size = (int) total;
        ByteBuffer b = buffer(size);
        b.putInt(0).putLong(0).put(TYPE_BATCH).putInt(writes.size()).putInt(size - HEADER_BYTES);
        int[] starts = new int[writes.size()];
        int[] bodyCrcs = new int[writes.size()];
        for (int i = 0; i < starts.length; i++) {
            starts[i] = b.position();
            Write w = writes.get(i);
            if (w instanceof Write.Put p) {
                putHeader(b, putType(p.expireAt()), p.key().length, p.value().remaining(), p.expireAt())
                        .put(p.key()).put(p.value().duplicate());
            } else {
                putHeader(b, TYPE_TOMBSTONE, w.key().length, 0, 0).put(w.key());
            }
            bodyCrcs[i] = bodyCrc(b, starts[i], b.position());
        }
        b.flip();
        return new DraftBatch(b, starts, bodyCrcs);
    }

    /** Whether {@code type} is a put, expiring or not: a record the keydir may point at. */
    static boolean isPut(byte type) {
        return type == TYPE_PUT || type == TYPE_PUT_EXPIRING;
    }

    /** The header bytes of a record of {@code type}: where its key begins. */
    static int headerBytes(byte type) {
        return type == TYPE_PUT_EXPIRING ? EXPIRING_HEADER_BYTES : HEADER_BYTES;
    }

    /** The type of a put that expires at {@code expireAt}, or never ({@code 0}). */
    static byte putType(long expireAt) {
        return expireAt == 0 ? TYPE_PUT : TYPE_PUT_EXPIRING;
    }

    static int recordSize(int keyLength, int valueLength) {
        return recordSize(TYPE_PUT, keyLength, valueLength);
    }

    static int recordSize(byte type, int keyLength, int valueLength) {
        long size = (long) headerBytes(type) + keyLength + valueLength;
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
