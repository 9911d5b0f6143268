package kvs.client.history;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks a recorded history of a key/value store for linearizability: could every call have
 * taken effect at one instant between its invocation and its response, in an order a single
 * register per key explains?
 *
 * <p>Linearizability is compositional (Herlihy and Wing): a history is linearizable if and only
 * if each key's part of it is, so each key is searched alone ({@link KeySearch}), which keeps the
 * exponential part of the search to one key's concurrency. The search is bounded: a key that
 * takes more than the budget's steps gives {@link Verdict#UNKNOWN}, never a hang.
 *
 * <p>What it handles, measured on simulated histories of a correct store (a few per cent of the
 * calls failed or unknown): 3,000 to 10,000 calls on 5 keys from 6 to 30 clients check
 * linearizable in tens of milliseconds, and one impossible read late in them is proven so in
 * under a second. The cost grows with the clients in flight on one key at once: 5,000 calls on
 * one key from 10 clients check linearizable in under half a second, but a proof that a late
 * read is impossible there outruns the default budget and ends UNKNOWN.
 *
 * <pre>{@code
 * Linearizability.Result result = Linearizability.check(history);
 * assertTrue(result.isLinearizable(), result::explanation);
 * }</pre>
 */
public final class Linearizability {

    /**
     * Steps a key may take by default. A search takes about a microsecond a step here. A correct
     * history takes a few steps a call (3,000 calls from 30 clients on 5 keys: 120,000 steps); a
     * proof that one read is impossible late in such a history took up to 1.5 million. Past the
     * budget, a few seconds, the verdict is UNKNOWN rather than a hang.
     */
    public static final long DEFAULT_BUDGET = 5_000_000;

    private Linearizability() {}

    /** The verdict on a history. */
    public enum Verdict {
        LINEARIZABLE,
        NOT_LINEARIZABLE,
        /** The search gave up on some key, within its budget, and found no key not linearizable. */
        UNKNOWN
    }

    /**
     * The verdict, with a readable explanation when it is not {@link Verdict#LINEARIZABLE}: for
     * each key not linearizable, the call no order could place, the longest linearizable prefix
     * found and the key's calls around them; for each key given up on, its size.
     */
    public record Result(Verdict verdict, String explanation, long steps) {

        public boolean isLinearizable() {
            return verdict == Verdict.LINEARIZABLE;
        }
    }

    public static Result check(History history) {
        return check(history.calls());
    }

    public static Result check(List<Call> calls) {
        return check(calls, DEFAULT_BUDGET);
    }

    /** Checks {@code calls}, searching each key for at most {@code budget} steps. */
    public static Result check(List<Call> calls, long budget) {
        if (budget < 1) {
            throw new IllegalArgumentException("budget must be positive: " + budget);
        }
        Map<String, List<Call>> byKey = new LinkedHashMap<>();
        for (Call call : calls) {
            byKey.computeIfAbsent(call.key(), k -> new ArrayList<>()).add(call);
        }
        long origin = History.origin(calls);
        List<KeyResult> notLinearizable = new ArrayList<>();
        List<KeyResult> gaveUp = new ArrayList<>();
        long steps = 0;
        for (Map.Entry<String, List<Call>> key : byKey.entrySet()) {
            KeyResult result = new KeySearch(key.getKey(), key.getValue(), origin, budget).run();
            steps += result.steps();
            switch (result.verdict()) {
                case NOT_LINEARIZABLE -> notLinearizable.add(result);
                case UNKNOWN -> gaveUp.add(result);
                case LINEARIZABLE -> { }
            }
        }
        // A key proven not linearizable settles the whole history, whatever was given up on.
        Verdict verdict = !notLinearizable.isEmpty() ? Verdict.NOT_LINEARIZABLE
                : !gaveUp.isEmpty() ? Verdict.UNKNOWN : Verdict.LINEARIZABLE;
        StringBuilder explanation = new StringBuilder();
        notLinearizable.forEach(r -> explanation.append(r.explanation()).append('\n'));
        gaveUp.forEach(r -> explanation.append(r.explanation()).append('\n'));
        return new Result(verdict, explanation.toString(), steps);
    }
}
