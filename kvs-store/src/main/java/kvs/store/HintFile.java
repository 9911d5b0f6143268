package kvs.store;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * Hint files: a data file's records without their values, so that opening a store reads a small
 * file instead of every value (docs/FORMAT.md, "Hint files"). All integers big-endian.
 *
 * <pre>
 * hint   := header entry* trailer
 * header := magic "KVSH" (4) | version u16 = 2 | reserved u16 = 0 | data_size u64
 * entry  := seq u64 | type u8 | key_len u32 | offset u32 | size u32 | [expire_at u64] | key
 *           (expire_at for type 3, an expiring put, only; version 1 has types 1 and 2 only)
 * trailer:= count u64 | crc u32 (CRC32C of every byte of the file before it)
 * </pre>
 *
 * A hint describes its data file exactly as it was at {@code data_size} bytes: one entry per
 * record, in file order. It is trusted only whole: magic, version, the data file's current size,
 * the entry count and the checksum must all agree, else the data file is scanned instead.
 */
final class HintFile {

    static final int MAGIC = 0x4B565348; // "KVSH"
    static final short VERSION = 2;
    static final int HEADER_BYTES = 16;
    static final int ENTRY_HEADER_BYTES = 8 + 1 + 4 + 4 + 4;
    static final int TRAILER_BYTES = 12;

    private HintFile() {
    }

    /** Receives hint entries in data file order. */
    interface Visitor {
        void entry(int offset, int size, long seq, byte type, byte[] key, long expireAt) throws IOException;
    }

    /**
     * Writes the hint of a data file by scanning it: under a temporary name, fsynced, then
     * renamed. The caller fsyncs the directory. Returns false, writing nothing, if the data file
     * has damage (a hint describes good records only). On failure, nothing is left behind.
     */
    static boolean writeFor(Segment segment, Path dir, StorageIo io) throws IOException {
        Path hint = SegmentNames.hintFile(dir, segment.id);
        Path tmp = SegmentNames.temporary(hint);
        long dataSize = segment.channel().size();
        try (Writer w = new Writer(tmp, io)) {
            SegmentScanner.Damage damage = SegmentScanner.scan(segment.channel(),
                    (offset, size, seq, type, key, expireAt) -> {
                        try {
                            w.add((int) offset, size, seq, type, key, expireAt);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    });
            if (damage != null) {
                Files.deleteIfExists(tmp);
                return false;
            }
            w.finish(dataSize);
        } catch (UncheckedIOException e) {
            Files.deleteIfExists(tmp);
            throw e.getCause();
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, hint, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return true;
    }

    /** A hint being written entry by entry, then finished: for compaction and {@link #writeFor}. */
    static final class Writer implements AutoCloseable {
        private final FileChannel channel;
        private final DataOutputStream out;
        private long count;

        Writer(Path tmp) throws IOException {
            this(tmp, StorageIo.real());
        }

        Writer(Path tmp, StorageIo io) throws IOException {
            channel = io.open(tmp, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE, StandardOpenOption.READ);
            out = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(channel), 256 * 1024));
            out.writeInt(MAGIC);
            out.writeShort(VERSION);
            out.writeShort(0);
            out.writeLong(0); // data_size, set by finish
        }

        void add(int offset, int size, long seq, byte type, byte[] key, long expireAt) throws IOException {
            out.writeLong(seq);
            out.writeByte(type);
            out.writeInt(key.length);
            out.writeInt(offset);
            out.writeInt(size);
            if (type == RecordFormat.TYPE_PUT_EXPIRING) {
                out.writeLong(expireAt);
            }
            out.write(key);
            count++;
        }

        /** Completes the hint of a data file of {@code dataSize} bytes, and fsyncs it. */
        void finish(long dataSize) throws IOException {
            out.writeLong(count);
            out.flush();
            channel.write(ByteBuffer.allocate(8).putLong(dataSize).flip(), 8);
            int sum = checksum(channel, channel.size());
            channel.write(ByteBuffer.allocate(4).putInt(sum).flip(), channel.size());
            channel.force(false);
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    /**
     * Reads a hint if whole and agreeing with its data file's size, visiting each entry. Returns
     * false if not to be trusted, having visited nothing (but entries before a bad one, CRC good).
     */
    static boolean read(Path hint, long dataSize, Visitor visitor) throws IOException {
        try (FileChannel ch = FileChannel.open(hint, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < HEADER_BYTES + TRAILER_BYTES) {
                return false;
            }
            ByteBuffer head = readFully(ch, 0, HEADER_BYTES);
            if (head.getInt() != MAGIC) {
                return false;
            }
            short version = head.getShort();
            if (version < 1 || version > VERSION || head.getShort() != 0 || head.getLong() != dataSize) {
                return false;
            }
            ByteBuffer tail = readFully(ch, size - TRAILER_BYTES, TRAILER_BYTES);
            long count = tail.getLong();
            int sum = tail.getInt();
            if (checksum(ch, size - 4) != sum) {
                return false;
            }
            return visit(ch, size - TRAILER_BYTES, count, dataSize, version, visitor);
        }
    }

    private static boolean visit(FileChannel ch, long end, long count, long dataSize, short version,
            Visitor visitor) throws IOException {
        // Entries were checksummed as a whole; still, check every length before using it.
        ByteBuffer buf = ByteBuffer.allocate(256 * 1024);
        buf.limit(0);
        long pos = HEADER_BYTES;
        long seen = 0;
        while (pos < end) {
            if (end - pos < ENTRY_HEADER_BYTES) {
                return false;
            }
            buf = ensure(ch, buf, pos, ENTRY_HEADER_BYTES, end);
            long seq = buf.getLong();
            byte type = buf.get();
            int keyLen = buf.getInt();
            int offset = buf.getInt();
            int size = buf.getInt();
            boolean expiring = type == RecordFormat.TYPE_PUT_EXPIRING && version >= 2;
            int entryHeader = ENTRY_HEADER_BYTES + (expiring ? 8 : 0);
            if (keyLen <= 0 || keyLen > RecordFormat.MAX_KEY_BYTES || end - pos - entryHeader < keyLen
                    || offset < RecordFormat.FILE_HEADER_BYTES
                    || size < RecordFormat.headerBytes(type) + keyLen
                    || (long) offset + size > dataSize
                    || (type != RecordFormat.TYPE_PUT && type != RecordFormat.TYPE_TOMBSTONE && !expiring)) {
                return false;
            }
            long expireAt = 0;
            if (expiring) {
                buf = ensure(ch, buf, pos + ENTRY_HEADER_BYTES, 8, end);
                expireAt = buf.getLong();
                if (expireAt <= 0) {
                    return false;
                }
            }
            buf = ensure(ch, buf, pos + entryHeader, keyLen, end);
            byte[] key = new byte[keyLen];
            buf.get(key);
            visitor.entry(offset, size, seq, type, key, expireAt);
            pos += entryHeader + keyLen;
            seen++;
        }
        return seen == count;
    }

    /** A buffer positioned at file offset {@code pos} with at least {@code n} bytes remaining. */
    private static ByteBuffer ensure(FileChannel ch, ByteBuffer buf, long pos, int n, long end)
            throws IOException {
        if (buf.remaining() >= n) {
            return buf;
        }
        ByteBuffer b = buf.capacity() >= n ? buf : ByteBuffer.allocate(n);
        b.clear();
        long want = Math.min(b.capacity(), end - pos);
        b.limit((int) want);
        while (b.hasRemaining()) {
            if (ch.read(b, pos + b.position()) < 0) {
                throw new IOException("hint file shrank while being read");
            }
        }
        b.flip();
        return b;
    }

    private static ByteBuffer readFully(FileChannel ch, long pos, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (ch.read(b, pos + b.position()) < 0) {
                throw new IOException("hint file shrank while being read");
            }
        }
        return b.flip();
    }

    /** CRC32C of the file's first {@code length} bytes. */
    private static int checksum(FileChannel ch, long length) throws IOException {
        CRC32C crc = new CRC32C();
        ByteBuffer b = ByteBuffer.allocate(256 * 1024);
        for (long pos = 0; pos < length; ) {
            b.clear();
            b.limit((int) Math.min(b.capacity(), length - pos));
            int n = ch.read(b, pos);
            if (n < 0) {
                throw new IOException("hint file shrank while being read");
            }
            b.flip();
            crc.update(b);
            pos += n;
        }
        return (int) crc.getValue();
    }
}
