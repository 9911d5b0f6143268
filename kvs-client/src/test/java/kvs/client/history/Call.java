package kvs.client.history;

import java.util.Collection;
import java.util.Locale;
import java.util.Objects;

/**
 * One operation as a history recorded it: who asked what, when, and how it ended.
 *
 * <p>An {@link Outcome#UNKNOWN} call never completes (it may have taken effect at any time after
 * its invocation, or never), so its {@code completeNanos} is {@link Long#MAX_VALUE}, later than
 * every other time. {@code result} is what an {@link Outcome#OK} read returned, null for a
 * missing key; it means nothing for other calls.
 */
public record Call(int id, int process, Op op, long invokeNanos, Outcome outcome, long completeNanos,
                   String result) {

    /** How a call ended. */
    public enum Outcome {
        /** Completed, and applied: a read's result is what it saw. */
        OK,
        /** Definitely not applied (the server refused it): it never took effect. */
        FAIL,
        /** May or may not have applied (a timeout, a lost connection); never completes. */
        UNKNOWN
    }

    public Call {
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(outcome, "outcome");
        if ((outcome == Outcome.UNKNOWN) != (completeNanos == Long.MAX_VALUE)) {
            throw new IllegalArgumentException("an unknown call, and only one, completes never: " + outcome);
        }
        if (completeNanos < invokeNanos) {
            throw new IllegalArgumentException("completes before it is invoked: " + invokeNanos + " > " + completeNanos);
        }
    }

    public String key() {
        return op.key();
    }

    public boolean isOk() {
        return outcome == Outcome.OK;
    }

    /** The same call with another result: for tests that damage a good history on purpose. */
    public Call withResult(String otherResult) {
        return new Call(id, process, op, invokeNanos, outcome, completeNanos, otherResult);
    }

    /** One line, times in milliseconds after {@code originNanos}: {@code #7 p2 [0.120, 0.340] read k -> "v"}. */
    public String describe(long originNanos) {
        String end = outcome == Outcome.UNKNOWN ? "?" : millis(completeNanos - originNanos);
        String ending = switch (outcome) {
            case OK -> op.kind() == Op.Kind.READ ? quote(result) : "ok";
            case FAIL -> "fail";
            case UNKNOWN -> "unknown";
        };
        return "#" + id + " p" + process + " [" + millis(invokeNanos - originNanos) + ", " + end + "] " + op + " -> " + ending;
    }

    /** A line a call, each indented, for a failure message. */
    static String describeAll(Collection<Call> calls, long originNanos) {
        StringBuilder out = new StringBuilder();
        for (Call call : calls) {
            out.append("  ").append(call.describe(originNanos)).append('\n');
        }
        return out.toString();
    }

    /** A register value as text: quoted, so that the value "null" is not taken for a missing key. */
    static String quote(String value) {
        return value == null ? "absent" : '"' + value + '"';
    }

    private static String millis(long nanos) {
        return String.format(Locale.ROOT, "%.3f", nanos / 1e6);
    }
}
