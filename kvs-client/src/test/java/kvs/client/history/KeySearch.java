package kvs.client.history;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Wing and Gong's search for a linearization of one key's calls, with Lowe's improvements (G.
 * Lowe, "Testing for linearizability", 2017), as Porcupine implements it.
 *
 * <p>The calls' invocations and responses are one list, in time order. The search walks it from
 * the start: an invocation whose call the register {@link Register#allows allows} is linearized
 * (taken out of the list with its response, the register stepped), and the walk starts over. A
 * response reached means its call was not linearized before it returned, so the last choice was
 * wrong: it is undone, and the walk goes on after it. Walking only up to the first response is
 * Lowe's "just-in-time" rule: only calls invoked before the earliest pending response may go
 * next. The other improvement is the memo: a set of linearized calls with the register's value
 * already explored is never explored again, since what can follow depends on nothing else.
 *
 * <p>Unknown calls respond at +infinity, so they stay candidates to the end, and need not be
 * linearized at all: the search succeeds once every ok call is linearized. Failed calls never
 * took effect, and unknown reads constrain nothing; both are left out.
 *
 * <p>The search is iterative (the stack is a deque, not the JVM's) and stops after
 * {@code budget} steps, a step being one entry of the list looked at.
 */
final class KeySearch {

    /** How many linearized calls the explanation of a failure shows, before the one that failed. */
    private static final int PREFIX_SHOWN = 10;

    private final String key;
    private final List<Call> calls;
    private final long originNanos;
    private final long budget;

    /** A sentinel before the first entry of the list. */
    private final Entry head = new Entry(null, -1, true);
    private final BitSet linearized = new BitSet();
    private final Set<Explored> explored = new HashSet<>();
    /** The calls linearized, and the register's value before each; the top is the last. */
    private final Deque<Step> stack = new ArrayDeque<>();

    /** The longest prefix linearized, and the call whose response stopped it. */
    private List<Call> longestPrefix = List.of();
    private Call blocked;

    KeySearch(String key, List<Call> keyCalls, long originNanos, long budget) {
        this.key = key;
        this.calls = relevant(keyCalls);
        this.originNanos = originNanos;
        this.budget = budget;
    }

    KeyResult run() {
        buildList();
        long okLeft = calls.stream().filter(Call::isOk).count();
        String state = null;
        Entry entry = head.next;
        long steps = 0;
        while (okLeft > 0) {
            if (++steps > budget) {
                return new KeyResult(key, Linearizability.Verdict.UNKNOWN, budget,
                        "key " + key + ": gave up after " + budget + " steps, " + calls.size() + " calls");
            }
            if (entry != null && entry.isInvocation) {
                Call call = entry.call;
                String after = Register.after(state, call);
                if (Register.allows(state, call) && linearize(entry, after)) {
                    stack.push(new Step(entry, state));
                    state = after;
                    okLeft -= call.isOk() ? 1 : 0;
                    entry = head.next;
                } else {
                    entry = entry.next;
                }
                continue;
            }
            noteBlocked(entry);
            if (stack.isEmpty()) {
                return new KeyResult(key, Linearizability.Verdict.NOT_LINEARIZABLE, steps, explainFailure());
            }
            Step last = stack.pop();
            state = last.stateBefore;
            okLeft += last.entry.call.isOk() ? 1 : 0;
            linearized.clear(last.entry.index);
            last.entry.unlift();
            entry = last.entry.next;
        }
        return new KeyResult(key, Linearizability.Verdict.LINEARIZABLE, steps, "");
    }

    /**
     * The calls that can matter. Besides failed calls and unknown reads, an unknown write of a
     * value no ok read returned is left out (and an unknown remove if no ok read found the key
     * missing): wherever it were placed, no read could follow it before the next write or
     * remove, so placing it changes nothing seen. The search is exponential in unknown calls it
     * keeps, so this matters for histories with many timeouts.
     */
    static List<Call> relevant(List<Call> keyCalls) {
        Set<String> read = new HashSet<>();
        boolean readMissing = false;
        for (Call call : keyCalls) {
            if (call.isOk() && call.op().kind() == Op.Kind.READ) {
                readMissing |= call.result() == null;
                read.add(call.result());
            }
        }
        List<Call> kept = new ArrayList<>();
        for (Call call : keyCalls) {
            boolean unknown = call.outcome() == Call.Outcome.UNKNOWN;
            boolean keep = switch (call.op().kind()) {
                case READ -> call.isOk();
                case WRITE -> call.isOk() || (unknown && read.contains(call.op().value()));
                case REMOVE -> call.isOk() || (unknown && readMissing);
            };
            if (keep) {
                kept.add(call);
            }
        }
        return kept;
    }

    /** Marks the call linearized into {@code stateAfter}; false (and nothing changed) if that was explored before. */
    private boolean linearize(Entry entry, String stateAfter) {
        linearized.set(entry.index);
        if (!explored.add(new Explored((BitSet) linearized.clone(), stateAfter))) {
            linearized.clear(entry.index);
            return false;
        }
        entry.lift();
        return true;
    }

    /** The invocations and responses of the calls, in time order, linked after {@link #head}. */
    private void buildList() {
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < calls.size(); i++) {
            Entry invocation = new Entry(calls.get(i), i, true);
            Entry response = new Entry(calls.get(i), i, false);
            invocation.match = response;
            entries.add(invocation);
            entries.add(response);
        }
        // At equal times an invocation goes first: the calls may then overlap, the lenient reading.
        entries.sort(Comparator.comparingLong(Entry::time).thenComparing(e -> !e.isInvocation));
        Entry previous = head;
        for (Entry entry : entries) {
            previous.next = entry;
            entry.prev = previous;
            previous = entry;
        }
    }

    private void noteBlocked(Entry response) {
        if (blocked == null || stack.size() > longestPrefix.size()) {
            List<Call> prefix = new ArrayList<>(stack.size());
            stack.descendingIterator().forEachRemaining(step -> prefix.add(step.entry.call));
            longestPrefix = prefix;
            blocked = response == null ? null : response.call;
        }
    }

    private String explainFailure() {
        StringBuilder out = new StringBuilder("key ").append(key).append(" is not linearizable: ");
        out.append(blocked == null ? "no call can be placed" : "no order places " + blocked.describe(originNanos));
        int shown = Math.min(PREFIX_SHOWN, longestPrefix.size());
        List<Call> tail = longestPrefix.subList(longestPrefix.size() - shown, longestPrefix.size());
        out.append("\nlongest linearizable prefix found: ").append(longestPrefix.size()).append(" calls");
        out.append(shown < longestPrefix.size() ? ", the last " + shown : "").append(":\n");
        out.append(Call.describeAll(tail, originNanos));
        String value = null;
        for (Call call : longestPrefix) {
            value = Register.after(value, call);
        }
        out.append("the register then holds ").append(Call.quote(value)).append('\n');
        // Only the calls around the failure: a few thousand lines would bury it.
        long from = tail.isEmpty() ? Long.MIN_VALUE : tail.get(0).invokeNanos();
        long to = blocked == null ? Long.MAX_VALUE : blocked.completeNanos();
        List<Call> around = calls.stream().filter(c -> c.completeNanos() >= from && c.invokeNanos() <= to).toList();
        out.append("calls on ").append(key).append(" from then to its response (").append(around.size())
                .append(" of ").append(calls.size()).append("; ms after the history's first invocation):\n");
        return out.append(Call.describeAll(around, originNanos)).toString();
    }

    /** A set of linearized calls with the register's value after them: the memo's key. */
    private record Explored(BitSet linearized, String state) {}

    /** A linearized call, and the register's value before it, to undo it. */
    private record Step(Entry entry, String stateBefore) {}

    /** An invocation or a response in the doubly linked list the search walks. */
    private static final class Entry {
        final Call call;
        final int index;
        final boolean isInvocation;
        Entry match;
        Entry prev;
        Entry next;

        Entry(Call call, int index, boolean isInvocation) {
            this.call = call;
            this.index = index;
            this.isInvocation = isInvocation;
        }

        long time() {
            return isInvocation ? call.invokeNanos() : call.completeNanos();
        }

        /** Takes this invocation and its response out of the list. */
        void lift() {
            prev.next = next;
            next.prev = prev;
            match.prev.next = match.next;
            if (match.next != null) {
                match.next.prev = match.prev;
            }
        }

        /** Puts them back where they were: the inverse of {@link #lift}, undone in reverse. */
        void unlift() {
            match.prev.next = match;
            if (match.next != null) {
                match.next.prev = match;
            }
            prev.next = this;
            next.prev = this;
        }
    }
}
