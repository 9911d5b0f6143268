package kvs.client.history;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
 * next. The other improvement is the memo: a set of decided calls with the register's value
 * already explored is never explored again, since what can follow depends on nothing else.
 *
 * <p>Failed calls never took effect, and unknown reads constrain nothing: both are left out. An
 * unknown write or remove may take effect at any time after its invocation, or never. Left a
 * candidate to the end, each would double the states to explore; but placed after the last
 * response of every read that returned what it leaves (its value, or absent for a remove), it
 * would have no read after it before the next write or remove, so it could as well never have
 * happened. So its response is that last read's (see {@link #candidates}), and a search that
 * reaches it there drops the call instead of backtracking: decided, not linearized. The search
 * succeeds once every ok call is linearized.
 *
 * <p>The search is iterative (the stack is a deque, not the JVM's) and stops after
 * {@code budget} steps, a step being one entry of the list looked at.
 */
final class KeySearch {

    private final String key;
    private final List<Candidate> candidates;
    private final long originNanos;
    private final long budget;

    /** A sentinel before the first entry of the list. */
    private final Entry head = new Entry(null, -1, true, Long.MIN_VALUE);
    /** The calls linearized or dropped; guards the memo with the register's value. */
    private final BitSet decided = new BitSet();
    private final Set<Explored> explored = new HashSet<>();
    /** The calls decided, and the register's value before each; the top is the last. */
    private final Deque<Step> stack = new ArrayDeque<>();
    private int linearizedCount;

    /** The longest prefix linearized, and the call whose response stopped it. */
    private List<Call> longestPrefix = List.of();
    private Call blocked;

    KeySearch(String key, List<Call> keyCalls, long originNanos, long budget) {
        this.key = key;
        this.candidates = candidates(keyCalls);
        this.originNanos = originNanos;
        this.budget = budget;
    }

    KeyResult run() {
        buildList();
        long okLeft = candidates.stream().filter(c -> c.call.isOk()).count();
        String state = null;
        Entry entry = head.next;
        long steps = 0;
        while (okLeft > 0) {
            if (++steps > budget) {
                return new KeyResult(key, Linearizability.Verdict.UNKNOWN, budget,
                        "key " + key + ": gave up after " + budget + " steps, " + candidates.size()
                                + " calls (Linearizability.check(calls, budget) searches longer)");
            }
            if (entry != null && entry.isInvocation) {
                Call call = entry.call;
                String after = Register.after(state, call);
                if (Register.allows(state, call) && decide(entry, state, after, true)) {
                    state = after;
                    okLeft -= call.isOk() ? 1 : 0;
                    entry = head.next;
                } else {
                    entry = entry.next;
                }
                continue;
            }
            // A response, of a call not linearized before it: an unknown one is dropped, once.
            if (entry != null && !entry.call.isOk() && decide(entry.match, state, state, false)) {
                entry = head.next;
                continue;
            }
            noteBlocked(entry);
            if (stack.isEmpty()) {
                return new KeyResult(key, Linearizability.Verdict.NOT_LINEARIZABLE, steps,
                        FailureReport.explain(key, calls(), longestPrefix, blocked, originNanos));
            }
            Step last = stack.pop();
            state = last.stateBefore;
            okLeft += last.entry.call.isOk() ? 1 : 0;
            linearizedCount -= last.linearized ? 1 : 0;
            decided.clear(last.entry.index);
            last.entry.unlift();
            // After a drop, its response comes again, found explored: the backtrack goes on.
            entry = last.linearized ? last.entry.next : last.entry.match;
        }
        return new KeyResult(key, Linearizability.Verdict.LINEARIZABLE, steps, "");
    }

    /**
     * The calls that can matter, each with the time by which it took effect if it did: its
     * response, or for an unknown write or remove the last response of a read that returned what
     * it leaves. One no such read could have seen is left out.
     */
    static List<Candidate> candidates(List<Call> keyCalls) {
        Map<String, Long> lastReadOf = new HashMap<>();
        for (Call call : keyCalls) {
            if (call.isOk() && call.op().kind() == Op.Kind.READ) {
                lastReadOf.merge(call.result(), call.completeNanos(), Math::max);
            }
        }
        List<Candidate> kept = new ArrayList<>();
        for (Call call : keyCalls) {
            if (call.isOk()) {
                kept.add(new Candidate(call, call.completeNanos()));
            } else if (call.outcome() == Call.Outcome.UNKNOWN && call.op().kind() != Op.Kind.READ) {
                Long seen = lastReadOf.get(Register.after(null, call));
                if (seen != null && seen >= call.invokeNanos()) {
                    kept.add(new Candidate(call, seen));
                }
            }
        }
        return kept;
    }

    /**
     * Decides the call of {@code invocation}: linearized, taking the register from {@code before}
     * to {@code after}, or dropped. False, and nothing changed, if that was explored before.
     */
    private boolean decide(Entry invocation, String before, String after, boolean linearized) {
        decided.set(invocation.index);
        if (!explored.add(Explored.of(decided, after))) {
            decided.clear(invocation.index);
            return false;
        }
        invocation.lift();
        stack.push(new Step(invocation, before, linearized));
        linearizedCount += linearized ? 1 : 0;
        return true;
    }

    /** The invocations and responses of the candidates, in time order, linked after {@link #head}. */
    private void buildList() {
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < candidates.size(); i++) {
            Candidate candidate = candidates.get(i);
            Entry invocation = new Entry(candidate.call, i, true, candidate.call.invokeNanos());
            Entry response = new Entry(candidate.call, i, false, candidate.end);
            invocation.match = response;
            response.match = invocation;
            entries.add(invocation);
            entries.add(response);
        }
        // At equal times an invocation goes first (the calls may overlap: the lenient reading),
        // and the response of an unknown call last, after that of the read it may serve.
        entries.sort(Comparator.comparingLong((Entry e) -> e.time).thenComparingInt(Entry::rank));
        Entry previous = head;
        for (Entry entry : entries) {
            previous.next = entry;
            entry.prev = previous;
            previous = entry;
        }
    }

    private void noteBlocked(Entry response) {
        if (blocked == null || linearizedCount > longestPrefix.size()) {
            List<Call> prefix = new ArrayList<>(linearizedCount);
            stack.descendingIterator().forEachRemaining(step -> {
                if (step.linearized) {
                    prefix.add(step.entry.call);
                }
            });
            longestPrefix = prefix;
            blocked = response == null ? null : response.call;
        }
    }

    private List<Call> calls() {
        return candidates.stream().map(Candidate::call).toList();
    }

    /** A call the search may place, and the time by which it must be placed if at all. */
    record Candidate(Call call, long end) {}

    /**
     * A set of decided calls with the register's value after them: the memo's key. The set is
     * nearly always a run of calls from the first, then a few beyond the first one undecided, so
     * it is kept as that first undecided call and the bits from there: a few words, not one bit
     * a call of the key, which matters when the memo holds millions.
     */
    private static final class Explored {
        private final int firstUndecided;
        private final long[] beyond;
        private final String state;
        private final int hash;

        private Explored(int firstUndecided, long[] beyond, String state) {
            this.firstUndecided = firstUndecided;
            this.beyond = beyond;
            this.state = state;
            this.hash = (31 * firstUndecided + Arrays.hashCode(beyond)) * 31 + Objects.hashCode(state);
        }

        static Explored of(BitSet decided, String state) {
            int first = decided.nextClearBit(0);
            return new Explored(first, decided.get(first, Math.max(first, decided.length())).toLongArray(), state);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Explored other && firstUndecided == other.firstUndecided
                    && Arrays.equals(beyond, other.beyond) && Objects.equals(state, other.state);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    /** A decided call, and the register's value before it, to undo it. */
    private record Step(Entry entry, String stateBefore, boolean linearized) {}

    /** An invocation or a response in the doubly linked list the search walks. */
    private static final class Entry {
        final Call call;
        final int index;
        final boolean isInvocation;
        final long time;
        /** The response of an invocation, the invocation of a response. */
        Entry match;
        Entry prev;
        Entry next;

        Entry(Call call, int index, boolean isInvocation, long time) {
            this.call = call;
            this.index = index;
            this.isInvocation = isInvocation;
            this.time = time;
        }

        int rank() {
            return isInvocation ? 0 : call.isOk() ? 1 : 2;
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
