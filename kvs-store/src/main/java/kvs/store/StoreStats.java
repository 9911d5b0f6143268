package kvs.store;

/**
 * A store's figures at one moment.
 *
 * @param keys live keys
 * @param segments data files
 * @param liveBytes bytes of the records the keydir points at
 * @param totalBytes bytes of all data files
 * @param compactions compactions finished since the store opened
 * @param lastCompactionMillis when the last one finished (epoch millis), or 0
 * @param fsyncs fsyncs of data files since the store opened
 * @param damagedReads reads that found a record failing its checksum (answered with an error)
 * @param damagedFiles data files compaction leaves out because it found damage in them
 * @param readOnly whether the store refuses writes because an fsync failed (until reopened)
 * @param keysWithExpiry keys in the keydir with an expiry time (expired ones not yet dropped too)
 * @param expiredKeys keys dropped from the keydir because they expired, since the store opened
 */
public record StoreStats(long keys, int segments, long liveBytes, long totalBytes, long compactions,
        long lastCompactionMillis, long fsyncs, long damagedReads, int damagedFiles, boolean readOnly,
        long keysWithExpiry, long expiredKeys) {

    public long deadBytes() {
        return totalBytes - liveBytes;
    }
}
