package kvs.client.bench;

import java.io.IOException;
import java.io.PrintWriter;
import kvs.client.KvsClient;
import kvs.common.Units;

/**
 * What a bench run that writes is about to overwrite, said on stderr before it starts: its range
 * of keys and the server, and how many of a few keys probed there hold a value already. It asks
 * nothing: scripts run bench, and {@code --key-prefix} is the way to keep clear of other data.
 */
public final class Overwrites {

    /** Keys probed: enough to tell a prefix in use from a free one, few enough to cost nothing. */
    static final int PROBES = 8;

    private Overwrites() {
    }

    /** Says what {@code w} overwrites on the server {@code client} is connected to, after probing it. */
    public static void announce(KvsClient client, Workload w, PrintWriter err) throws IOException {
        err.println("kvs-client bench: writes keys " + w.keyText(0) + " to " + w.keyText(w.keys() - 1) + " on "
                + client.address() + "; existing values there are overwritten");
        long[] probes = probeKeys(w.keys());
        int found = 0;
        int foreign = 0;
        for (long i : probes) {
            byte[] key = w.key(i);
            byte[] value = client.get(key);
            if (value != null) {
                found++;
                if (!Values.isBenchValue(key, value)) {
                    foreign++;
                }
            }
        }
        if (found > 0) {
            err.println("kvs-client bench: " + found + " of " + Units.count(probes.length, "key") + " probed there "
                    + (found == 1 ? "holds" : "hold") + " a value already"
                    + (foreign == 0 ? " (bench's own, from an earlier run)"
                            : " (" + foreign + " of them not bench's: a get of such a key before this run sets it"
                                    + " is reported as a wrong value)"));
        }
        err.flush();
    }

    /** Up to {@link #PROBES} key numbers spread evenly from 0 to {@code keys - 1}, both included. */
    static long[] probeKeys(int keys) {
        int n = Math.min(keys, PROBES);
        long[] probes = new long[n];
        for (int j = 1; j < n; j++) {
            probes[j] = (long) j * (keys - 1) / (n - 1);
        }
        return probes;
    }
}
