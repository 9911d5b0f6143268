package kvs.store;

/**
 * Where a key's latest record lies: data file id, offset of the record's first byte, and the
 * record's whole size; and when the key expires (ms since the epoch), or 0 for never. A keydir
 * value. Data files stay under 2 GiB, so offsets fit an int.
 */
record Location(int segment, int offset, int size, long expireAt) {

    Location(int segment, int offset, int size) {
        this(segment, offset, size, 0);
    }

    /** Whether the key is expired at {@code now}: gone for every read, though still in the keydir. */
    boolean expiredAt(long now) {
        return expireAt != 0 && expireAt <= now;
    }

    /** The bytes of the value in the record. */
    int valueBytes(int keyLength) {
        return size - RecordFormat.headerBytes(RecordFormat.putType(expireAt)) - keyLength;
    }
}
