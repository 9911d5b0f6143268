package kvs.client.bench;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;

/**
 * What {@code kvs-client bench} sends: how many connections, how many requests (or for how long),
 * how many in flight per connection, and which keys and values.
 *
 * <p>With a {@code rate} (requests per second in all; 0 for as fast as possible) each connection
 * sends on a fixed schedule, and latency counts from when a request was due, not from when it
 * went out, so that a stalled server cannot hide its stall (coordinated omission).
 *
 * The connections' schedules are staggered (connection {@code c} starts {@code c / clients} of an
 * interval late), so that the load arrives evenly rather than in bursts of one request from every
 * connection at once; a run ends with the last request due before the deadline, sent even if the
 * server is behind, so that a stall at the end is not left out either.
 *
 * <p>For the first {@code warmup}, requests are sent and checked but neither counted nor timed:
 * a JVM's first seconds (its compilers at work) are not the steady state being measured.
 *
 * <p>With {@code prefill}, every key is first set once, in order, before anything is timed (the
 * warm-up included), so that gets find their keys; like kvsload's {@code --prefill}.
 *
 * <p>A key's value is a function of the key, so that any connection may check any get: a key
 * that was set reads back as exactly {@link #value(long)}, whoever set it.
 */
public record Workload(int clients, long requests, Duration duration, int pipeline, int keys,
        int keySize, int valueSize, int setWeight, int getWeight, long seed, double rate,
        Duration warmup, boolean prefill) {

    public Workload {
        if (clients < 1 || pipeline < 1 || keys < 1) {
            throw new IllegalArgumentException("clients, pipeline and keys must be at least 1");
        }
        if (keySize < 1 || valueSize < 0) {
            throw new IllegalArgumentException("key size must be at least 1, value size at least 0");
        }
        if (setWeight < 0 || getWeight < 0 || setWeight + getWeight == 0) {
            throw new IllegalArgumentException("the ratio needs a positive set or get weight");
        }
        if (warmup == null || warmup.isNegative()) {
            throw new IllegalArgumentException("the warm-up must not be negative");
        }
        if (rate < 0) {
            throw new IllegalArgumentException("the rate must not be negative (0: as fast as possible)");
        }
        if ((requests <= 0) == (duration == null)) {
            throw new IllegalArgumentException("give a number of requests or a duration");
        }
    }

    /** Key {@code i}: "key:" and its number, zero-padded (or cut) to the key size. */
    public byte[] key(long i) {
        String digits = Long.toString(i);
        byte[] k = new byte[keySize];
        Arrays.fill(k, (byte) '0');
        byte[] prefix = "key:".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(prefix, 0, k, 0, Math.min(prefix.length, keySize));
        byte[] d = digits.getBytes(StandardCharsets.US_ASCII);
        int from = Math.max(keySize - d.length, 0);
        System.arraycopy(d, Math.max(d.length - keySize, 0), k, from, keySize - from);
        return k;
    }

    /** Key {@code i}'s value: the same bytes whoever writes it. */
    public byte[] value(long i) {
        byte[] v = new byte[valueSize];
        long x = i * 0x9E3779B97F4A7C15L + 1;
        for (int j = 0; j < v.length; j++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            v[j] = (byte) ('a' + Math.floorMod(x, 26));
        }
        return v;
    }
}
