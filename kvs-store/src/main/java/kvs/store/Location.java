package kvs.store;

/**
 * Where a key's latest record lies: data file id, offset of the record's first byte, and the
 * record's whole size. A keydir value. Data files stay under 2 GiB, so offsets fit an int.
 */
record Location(int segment, int offset, int size) {
}
