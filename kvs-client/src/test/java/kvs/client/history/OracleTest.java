package kvs.client.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Objects;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The search against the definition itself, on thousands of tiny random histories of one key:
 * a brute force tries every order of the ok calls with every subset of the unknown ones, and the
 * verdicts must agree. Values repeat ({@code a}, {@code b}, absent) and times tie, so the
 * pruning of unknown calls and the order of equal times are put to the test.
 */
class OracleTest {

    private static final String[] VALUES = {null, "a", "b"};

    @Test
    @Timeout(60)
    void check_agreesWithBruteForce_onRandomSmallHistories() {
        Random random = new Random(15);
        int linearizable = 0;
        for (int i = 0; i < 10_000; i++) {
            List<Call> calls = randomHistory(random);
            boolean expected = bruteForce(calls, new boolean[calls.size()], null);

            Linearizability.Result result = Linearizability.check(calls);

            assertEquals(expected, result.isLinearizable(), () -> Call.describeAll(calls, 0) + result.explanation());
            linearizable += expected ? 1 : 0;
        }
        // Both verdicts must be common, or the agreement would say little.
        assertTrue(linearizable > 1_000 && linearizable < 9_000, "linearizable: " + linearizable);
    }

    /** Up to 7 calls on one key, each in a random window of 0 to 30 ns. */
    private static List<Call> randomHistory(Random random) {
        Calls calls = new Calls();
        int size = 1 + random.nextInt(7);
        for (int i = 0; i < size; i++) {
            int process = random.nextInt(3);
            long from = random.nextInt(20);
            long to = from + random.nextInt(11);
            String value = VALUES[random.nextInt(VALUES.length)];
            Op op = random.nextInt(3) == 0 ? Op.read("x")
                    : value == null ? Op.remove("x") : Op.write("x", value);
            int outcome = random.nextInt(10);
            if (outcome < 2) {
                calls.unknown(process, op, from);
            } else if (outcome < 3) {
                calls.failed(process, op, from, to);
            } else if (op.kind() == Op.Kind.READ) {
                calls.read(process, "x", value, from, to);
            } else {
                calls.add(process, op, from, to);
            }
        }
        return calls.list();
    }

    /**
     * Whether the calls not yet {@code placed} can follow, the register holding {@code state}:
     * a call can go next if no call that must precede it (an ok one, responded before it was
     * invoked) is left; the history is explained once every ok call is placed. Failed calls and
     * unknown reads are never placed; unknown writes and removes may be, or not.
     */
    private static boolean bruteForce(List<Call> calls, boolean[] placed, String state) {
        if (calls.stream().noneMatch(c -> c.isOk() && !placed[c.id()])) {
            return true;
        }
        for (Call next : calls) {
            boolean placeable = !placed[next.id()] && next.outcome() != Call.Outcome.FAIL
                    && (next.isOk() || next.op().kind() != Op.Kind.READ)
                    && calls.stream().noneMatch(c -> c.isOk() && !placed[c.id()] && c.completeNanos() < next.invokeNanos())
                    && (next.op().kind() != Op.Kind.READ || Objects.equals(state, next.result()));
            if (placeable) {
                placed[next.id()] = true;
                boolean explained = bruteForce(calls, placed, Register.after(state, next));
                placed[next.id()] = false;
                if (explained) {
                    return true;
                }
            }
        }
        return false;
    }
}
