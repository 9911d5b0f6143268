package kvs.client.history;

import static kvs.client.history.Linearizability.Verdict.LINEARIZABLE;
import static kvs.client.history.Linearizability.Verdict.NOT_LINEARIZABLE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Histories of a few thousand calls on five keys, from stores that are linearizable by
 * construction: the checker must say so, and must catch one read made stale on purpose.
 */
class GeneratedHistoryTest {

    private static final int KEYS = 5;
    private static final int CALLS = 3_000;

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    @Timeout(60)
    void simulatedStore_linearizable(long seed) {
        List<Call> calls = simulate(seed).calls();

        Linearizability.Result result = Linearizability.check(calls);

        assertEquals(LINEARIZABLE, result.verdict(), result.explanation());
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    @Timeout(60)
    void simulatedStore_oneReadSeesLongOverwrittenValue_notLinearizable(long seed) {
        List<Call> calls = new ArrayList<>(simulate(seed).calls());
        Call stale = staleRead(calls, "k0");
        calls.set(stale.id(), stale);

        Linearizability.Result result = Linearizability.check(calls);

        assertEquals(NOT_LINEARIZABLE, result.verdict(), result.explanation());
        assertTrue(result.explanation().startsWith("key k0 is not linearizable"), result.explanation());
    }

    @Test
    @Timeout(60)
    void realThreadsOnConcurrentHashMap_linearizable() throws Exception {
        History history = new History();
        Map<String, String> store = new ConcurrentHashMap<>();
        int threads = 4;
        Clients.run(threads, process -> {
            for (int i = 0; i < CALLS / threads; i++) {
                String key = "k" + ThreadLocalRandom.current().nextInt(KEYS);
                if (i % 2 == 0) {
                    history.ok(history.invoke(process, Op.read(key)), store.get(key));
                } else {
                    String value = process + "." + i;
                    long op = history.invoke(process, Op.write(key, value));
                    store.put(key, value);
                    history.ok(op, null);
                }
            }
        });

        Linearizability.Result result = Linearizability.check(history);

        assertEquals(LINEARIZABLE, result.verdict(), result.explanation());
    }

    private static History simulate(long seed) {
        return new RegisterSimulation(seed, KEYS, 2, 1).run(6, CALLS);
    }

    /**
     * The last ok read of {@code key}, made to return the first value written there: that write
     * was overwritten by another that ended before the read began, and values are never written
     * twice, so no order explains the read.
     */
    private static Call staleRead(List<Call> calls, String key) {
        List<Call> okOnKey = calls.stream().filter(c -> c.isOk() && c.key().equals(key)).toList();
        Call first = okOnKey.stream().filter(c -> c.op().kind() == Op.Kind.WRITE).findFirst().orElseThrow();
        Call overwrite = okOnKey.stream()
                .filter(c -> c.op().kind() != Op.Kind.READ && c.invokeNanos() > first.completeNanos())
                .findFirst().orElseThrow();
        Call read = okOnKey.stream()
                .filter(c -> c.op().kind() == Op.Kind.READ && c.invokeNanos() > overwrite.completeNanos())
                .reduce((a, b) -> b).orElseThrow();
        return read.withResult(first.op().value());
    }
}
