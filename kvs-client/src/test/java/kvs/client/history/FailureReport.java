package kvs.client.history;

import java.util.List;

/**
 * What a test shows when a key's calls are not linearizable: the call no order could place, the
 * end of the longest linearizable prefix the search found and the register's value after it, and
 * the key's calls from there to that call's response, times in milliseconds after the history's
 * first invocation.
 */
final class FailureReport {

    /** How many linearized calls are shown, before the one that could not be placed. */
    private static final int PREFIX_SHOWN = 10;

    private FailureReport() {}

    static String explain(String key, List<Call> calls, List<Call> longestPrefix, Call blocked, long originNanos) {
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
}
