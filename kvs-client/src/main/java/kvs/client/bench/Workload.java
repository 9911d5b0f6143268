package kvs.client.bench;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import kvs.common.Units;

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
 * <p>Keys live under a prefix ({@code bench:} by default): key {@code i} is the prefix and {@code i}
 * in decimal, zero-padded to {@code keySize} bytes, the prefix included ({@code bench:0000000042}).
 * Every key number must fit: two numbers never share a key.
 *
 * <p>A value is a function of its key and its length ({@link Values}), so that a get is checked
 * whoever wrote the value: any connection of this run, or an earlier run with another value size.
 */
public record Workload(int clients, long requests, Duration duration, int pipeline, int keys,
        String keyPrefix, int keySize, int valueSize, int setWeight, int getWeight, long seed, double rate,
        Duration warmup, boolean prefill) {

    public Workload {
        if (clients < 1 || pipeline < 1 || keys < 1) {
            throw new IllegalArgumentException("clients, pipeline and keys must be at least 1");
        }
        if (valueSize < 0) {
            throw new IllegalArgumentException("the value size must not be negative");
        }
        checkKeysFit(keyPrefix, keySize, keys);
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

    private static void checkKeysFit(String prefix, int keySize, int keys) {
        int prefixBytes = prefix.getBytes(StandardCharsets.UTF_8).length;
        if (prefixBytes >= keySize) {
            throw new IllegalArgumentException("--key-prefix '" + prefix + "' is " + Units.count(prefixBytes, "byte")
                    + ", which leaves no room for the key's number in --key-size " + keySize
                    + " (the key size counts the prefix)");
        }
        int digits = Integer.toString(keys - 1).length();
        if (keySize - prefixBytes < digits) {
            throw new IllegalArgumentException("--key-size " + keySize + " leaves "
                    + Units.count(keySize - prefixBytes, "digit") + " after '" + prefix + "', too few to number "
                    + keys + " keys (0 to " + (keys - 1) + "): give --key-size " + (prefixBytes + digits)
                    + " or more, or fewer --keys");
        }
    }

    /** Whether the run sets anything: with a set weight, or a prefill. */
    public boolean writes() {
        return setWeight > 0 || prefill;
    }

    /** Key {@code i}: the prefix, then {@code i} zero-padded to the key size. */
    public byte[] key(long i) {
        byte[] prefix = keyPrefix.getBytes(StandardCharsets.UTF_8);
        byte[] k = new byte[keySize];
        System.arraycopy(prefix, 0, k, 0, prefix.length);
        Arrays.fill(k, prefix.length, keySize, (byte) '0');
        byte[] d = Long.toString(i).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(d, 0, k, keySize - d.length, d.length);
        return k;
    }

    /** Key {@code i} as text, for messages. */
    public String keyText(long i) {
        return new String(key(i), StandardCharsets.UTF_8);
    }

    /** Key {@code i}'s value in this run. */
    public byte[] value(long i) {
        return Values.of(key(i), valueSize);
    }
}
