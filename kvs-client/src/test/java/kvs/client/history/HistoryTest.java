package kvs.client.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The recorder: times from its clock, one ending a call, unfinished calls unknown, readable dumps. */
class HistoryTest {

    /** A clock the test moves by hand, in nanoseconds. */
    private final AtomicLong now = new AtomicLong(5_000_000);
    private final History history = new History(now::get);

    @Test
    void ok_recordsTimesOutcomeAndResult() {
        long op = history.invoke(3, Op.read("k"));
        now.addAndGet(2_000_000);
        history.ok(op, "v");

        Call expected = new Call(0, 3, Op.read("k"), 5_000_000, Call.Outcome.OK, 7_000_000, "v");
        assertEquals(List.of(expected), history.calls());
    }

    @Test
    void failAndUnknown_recorded_unknownNeverCompletes() {
        long failed = history.invoke(0, Op.write("k", "a"));
        long unknown = history.invoke(1, Op.remove("k"));
        now.addAndGet(1_000_000);
        history.fail(failed);
        history.unknown(unknown);

        List<Call> calls = history.calls();
        assertEquals(Call.Outcome.FAIL, calls.get(0).outcome());
        assertEquals(6_000_000, calls.get(0).completeNanos());
        assertEquals(Call.Outcome.UNKNOWN, calls.get(1).outcome());
        assertEquals(Long.MAX_VALUE, calls.get(1).completeNanos());
    }

    @Test
    void calls_invokedNotCompleted_countAsUnknown() {
        history.invoke(0, Op.write("k", "a"));

        Call call = history.calls().get(0);
        assertEquals(Call.Outcome.UNKNOWN, call.outcome());
        assertEquals(Long.MAX_VALUE, call.completeNanos());
    }

    @Test
    void complete_twice_refused() {
        long op = history.invoke(0, Op.write("k", "a"));
        history.ok(op, null);

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> history.unknown(op));
        assertEquals("call 0 (write k = \"a\") already ended OK", e.getMessage());
    }

    @Test
    void complete_neverInvoked_refused() {
        assertThrows(IllegalArgumentException.class, () -> history.ok(0, null));
    }

    @Test
    void dump_oneKey_timesInMillisAfterTheFirstInvocation() {
        long write = history.invoke(0, Op.write("k", "a"));
        now.addAndGet(1_500_000);
        long other = history.invoke(1, Op.read("other"));
        long read = history.invoke(2, Op.read("k"));
        now.addAndGet(250_000);
        history.ok(write, null);
        history.ok(other, null);
        history.ok(read, null);
        history.invoke(0, Op.remove("k"));

        assertEquals("""
                  #0 p0 [0.000, 1.750] write k = "a" -> ok
                  #2 p2 [1.500, 1.750] read k -> absent
                  #3 p0 [1.750, ?] remove k -> unknown
                """, history.dump("k"));
        assertTrue(history.dump().contains("#1 p1 [1.500, 1.750] read other -> absent\n"), history.dump());
    }

    @Test
    @Timeout(30)
    void invoke_manyThreads_everyCallRecordedOnceWithItsOwnId() throws Exception {
        History real = new History();
        int threads = 4;
        int perThread = 1_000;
        Clients.run(threads, process -> {
            for (int i = 0; i < perThread; i++) {
                real.ok(real.invoke(process, Op.write("k" + process, Integer.toString(i))), null);
            }
        });

        List<Call> calls = real.calls();
        assertEquals(threads * perThread, calls.size());
        Set<Integer> ids = new HashSet<>();
        for (Call call : calls) {
            assertTrue(ids.add(call.id()), "id twice: " + call);
            assertEquals(Call.Outcome.OK, call.outcome());
            assertEquals("k" + call.process(), call.key());
            assertTrue(call.invokeNanos() <= call.completeNanos(), call.toString());
        }
    }

    @Test
    void op_writeWithoutValue_refused() {
        assertThrows(NullPointerException.class, () -> Op.write("k", null));
        assertThrows(IllegalArgumentException.class, () -> new Op(Op.Kind.READ, "k", "v"));
    }
}
