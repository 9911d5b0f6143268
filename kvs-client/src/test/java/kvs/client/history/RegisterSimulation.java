package kvs.client.history;

import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A correct store, simulated: clients interleaved by a seeded {@link Random} on a map whose
 * operations are atomic, so every history it records is linearizable. Each call goes through
 * three moves, each at a random turn: invoked, applied to the map (its linearization point),
 * completed. Now and then a call fails before it applies, or ends unknown, applied or not.
 * Times come from a counter, a microsecond a move, so a seed always gives the same history, and
 * its dump reads in distinct times.
 */
final class RegisterSimulation {

    private final Random random;
    private final int keys;
    /** Of a hundred calls, how many fail, and how many end unknown. */
    private final int failPercent;
    private final int unknownPercent;

    private final Map<String, String> store = new ConcurrentHashMap<>();
    private final AtomicLong clock = new AtomicLong();
    private final History history = new History(() -> clock.addAndGet(1_000));
    private int written;

    RegisterSimulation(long seed, int keys, int failPercent, int unknownPercent) {
        this.random = new Random(seed);
        this.keys = keys;
        this.failPercent = failPercent;
        this.unknownPercent = unknownPercent;
    }

    /** Runs {@code calls} calls from {@code processes} clients, and returns their history. */
    History run(int processes, int calls) {
        Client[] clients = new Client[processes];
        for (int p = 0; p < processes; p++) {
            clients[p] = new Client(p);
        }
        int invoked = 0;
        int busy = 0;
        while (invoked < calls || busy > 0) {
            Client client = clients[random.nextInt(processes)];
            if (client.call < 0 && invoked < calls) {
                client.invoke(nextOp());
                invoked++;
                busy++;
            } else if (client.call >= 0) {
                busy -= client.move() ? 1 : 0;
            }
        }
        return history;
    }

    private Op nextOp() {
        String key = "k" + random.nextInt(keys);
        int dice = random.nextInt(10);
        // Every value written is new, so a read names the one write it saw.
        return dice < 5 ? Op.read(key) : dice < 9 ? Op.write(key, "v" + written++) : Op.remove(key);
    }

    /** One simulated client: at most one call in flight, {@code call} (-1: none). */
    private final class Client {
        final int process;
        long call = -1;
        Op op;
        boolean applied;
        /** What a read found, once applied. */
        String result;

        Client(int process) {
            this.process = process;
        }

        void invoke(Op next) {
            op = next;
            call = history.invoke(process, op);
            applied = false;
            result = null;
        }

        /** Takes the call's next move; true if that ended it. */
        boolean move() {
            int dice = random.nextInt(100);
            if (!applied && dice < failPercent) {
                history.fail(call);
            } else if (dice >= 100 - unknownPercent) {
                if (!applied && random.nextBoolean()) {
                    apply();
                }
                history.unknown(call);
            } else if (!applied) {
                apply();
                return false;
            } else {
                history.ok(call, result);
            }
            call = -1;
            return true;
        }

        private void apply() {
            switch (op.kind()) {
                case WRITE -> store.put(op.key(), op.value());
                case REMOVE -> store.remove(op.key());
                case READ -> result = store.get(op.key());
            }
            applied = true;
        }
    }
}
