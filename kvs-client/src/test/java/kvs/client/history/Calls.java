package kvs.client.history;

import java.util.ArrayList;
import java.util.List;

/** Hand-written histories for tests: each call with its own times, ids in order of writing. */
final class Calls {

    private final List<Call> calls = new ArrayList<>();

    Calls write(int process, String key, String value, long from, long to) {
        return add(process, Op.write(key, value), from, to);
    }

    Calls remove(int process, String key, long from, long to) {
        return add(process, Op.remove(key), from, to);
    }

    /** An ok write or remove. */
    Calls add(int process, Op op, long from, long to) {
        return add(process, op, from, Call.Outcome.OK, to, null);
    }

    /** An ok read that returned {@code result} (null: the key was missing). */
    Calls read(int process, String key, String result, long from, long to) {
        return add(process, Op.read(key), from, Call.Outcome.OK, to, result);
    }

    Calls failed(int process, Op op, long from, long to) {
        return add(process, op, from, Call.Outcome.FAIL, to, null);
    }

    Calls unknown(int process, Op op, long from) {
        return add(process, op, from, Call.Outcome.UNKNOWN, Long.MAX_VALUE, null);
    }

    List<Call> list() {
        return List.copyOf(calls);
    }

    Linearizability.Result check() {
        return Linearizability.check(calls);
    }

    private Calls add(int process, Op op, long from, Call.Outcome outcome, long to, String result) {
        calls.add(new Call(calls.size(), process, op, from, outcome, to, result));
        return this;
    }
}
