package kvs.server.store;

/**
 * Where a key's latest record lies: data file, offset of the record's first byte, the record's
 * whole size, and its sequence number. A keydir value.
 */
record Location(int segment, long offset, int size, long seq) {
}
