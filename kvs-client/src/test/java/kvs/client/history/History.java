package kvs.client.history;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * A recorder of what clients asked and what came back, for {@link Linearizability} to check.
 *
 * <p>A client thread calls {@link #invoke} just before it sends a request, then exactly one of
 * {@link #ok}, {@link #fail} or {@link #unknown} once it knows how the request ended:
 *
 * <pre>{@code
 * long op = history.invoke(process, Op.read(key));
 * try {
 *     history.ok(op, client.get(key));          // null for a missing key
 * } catch (RefusedException e) {
 *     history.fail(op);                         // definitely not applied
 * } catch (TimeoutException e) {
 *     history.unknown(op);                      // may have applied: never completes
 * }
 * }</pre>
 *
 * <p>A call invoked and never completed (its thread died, the test ended first) counts as
 * unknown. Thread safety: every method may be called from any thread; one lock guards the list
 * of calls, held only to read the clock and append, so recording adds little to what it times
 * (a time taken outside the lock could be older than one appended before it).
 */
public final class History {

    private final LongSupplier clock;
    /** The calls in order of invocation, completed in place; guarded by {@code this}. */
    private final List<Pending> calls = new ArrayList<>();

    /** A history timed by {@link System#nanoTime()}. */
    public History() {
        this(System::nanoTime);
    }

    /** A history timed by {@code clock}: a test's own clock, for simulated interleavings. */
    public History(LongSupplier clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Records that {@code process} is about to send {@code op}; returns the id to complete it with. */
    public synchronized long invoke(int process, Op op) {
        Objects.requireNonNull(op, "op");
        calls.add(new Pending(process, op, clock.getAsLong()));
        return calls.size() - 1;
    }

    /** The call completed and was applied; {@code result} is what a read returned (null: missing). */
    public void ok(long id, String result) {
        complete(id, Call.Outcome.OK, result);
    }

    /** The call definitely did not take effect. */
    public void fail(long id) {
        complete(id, Call.Outcome.FAIL, null);
    }

    /** The call may or may not have taken effect, at any time after it was invoked. */
    public void unknown(long id) {
        complete(id, Call.Outcome.UNKNOWN, null);
    }

    /** Every call so far, in order of invocation; those not completed yet as unknown. */
    public synchronized List<Call> calls() {
        List<Call> out = new ArrayList<>(calls.size());
        for (int id = 0; id < calls.size(); id++) {
            out.add(calls.get(id).toCall(id));
        }
        return out;
    }

    /** The calls on {@code key}, a line each, timed in milliseconds after the first invocation. */
    public String dump(String key) {
        List<Call> all = calls();
        return Call.describeAll(all.stream().filter(c -> c.key().equals(key)).toList(), origin(all));
    }

    /** Every call, a line each, timed in milliseconds after the first invocation. */
    public String dump() {
        List<Call> all = calls();
        return Call.describeAll(all, origin(all));
    }

    /** The earliest invocation time of {@code calls}: the zero of their descriptions. */
    static long origin(List<Call> calls) {
        return calls.stream().mapToLong(Call::invokeNanos).min().orElse(0);
    }

    private synchronized void complete(long id, Call.Outcome outcome, String result) {
        if (id < 0 || id >= calls.size()) {
            throw new IllegalArgumentException("no call " + id + " was invoked");
        }
        Pending call = calls.get((int) id);
        if (call.outcome != null) {
            throw new IllegalStateException("call " + id + " (" + call.op + ") already ended " + call.outcome);
        }
        call.outcome = outcome;
        call.result = result;
        call.completeNanos = outcome == Call.Outcome.UNKNOWN ? Long.MAX_VALUE : clock.getAsLong();
    }

    /** A call as recorded so far; guarded by the history's lock. */
    private static final class Pending {
        final int process;
        final Op op;
        final long invokeNanos;
        Call.Outcome outcome;
        long completeNanos = Long.MAX_VALUE;
        String result;

        Pending(int process, Op op, long invokeNanos) {
            this.process = process;
            this.op = op;
            this.invokeNanos = invokeNanos;
        }

        Call toCall(int id) {
            Call.Outcome ended = outcome == null ? Call.Outcome.UNKNOWN : outcome;
            return new Call(id, process, op, invokeNanos, ended, completeNanos, result);
        }
    }
}
