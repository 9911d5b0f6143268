package kvs.client.history;

import static kvs.client.history.Linearizability.Verdict.LINEARIZABLE;
import static kvs.client.history.Linearizability.Verdict.NOT_LINEARIZABLE;
import static kvs.client.history.Linearizability.Verdict.UNKNOWN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Small hand-written histories, each linearizable or not for one stated reason. Times are in ns. */
class LinearizabilityTest {

    @Test
    void check_sequentialWritesAndReads_linearizable() {
        assertLinearizable(new Calls()
                .read(0, "x", null, 0, 10)
                .write(0, "x", "a", 20, 30)
                .read(1, "x", "a", 40, 50)
                .write(1, "x", "b", 60, 70)
                .read(0, "x", "b", 80, 90));
    }

    @Test
    void check_staleReadAfterCompletedWrite_notLinearizable() {
        assertNotLinearizable(new Calls()
                .write(0, "x", "a", 0, 10)
                .read(1, "x", null, 20, 30));
    }

    @Test
    void check_readOfValueNeverWritten_notLinearizable() {
        assertNotLinearizable(new Calls()
                .write(0, "x", "a", 0, 10)
                .read(1, "x", "z", 5, 30));
    }

    @Test
    void check_readsSeeConcurrentWritesInOneOrder_linearizable() {
        assertLinearizable(concurrentWritesThenReads().read(2, "x", "b", 60, 70));
    }

    @Test
    void check_readsSeeValueComeBackWithOneWriteOfIt_notLinearizable() {
        // a, then b, then a again, read one after another: a was written once, so no order has it twice.
        assertNotLinearizable(concurrentWritesThenReads().read(2, "x", "a", 60, 70));
    }

    @Test
    void check_lostAcknowledgedWrite_notLinearizable() {
        assertNotLinearizable(new Calls()
                .write(0, "x", "a", 0, 10)
                .write(0, "x", "b", 20, 30)
                .read(1, "x", "a", 40, 50));
    }

    @Test
    void check_unknownWriteLaterRead_linearizable() {
        assertLinearizable(new Calls()
                .write(0, "x", "a", 0, 10)
                .unknown(0, Op.write("x", "b"), 20)
                .read(1, "x", "b", 30, 40)
                .read(1, "x", "b", 50, 60));
    }

    @Test
    void check_unknownWriteNeverRead_linearizable() {
        assertLinearizable(new Calls()
                .write(0, "x", "a", 0, 10)
                .unknown(0, Op.write("x", "b"), 20)
                .read(1, "x", "a", 30, 40)
                .read(1, "x", "a", 1_000, 1_010));
    }

    @Test
    void check_unknownWriteReadBeforeItsInvocation_notLinearizable() {
        assertNotLinearizable(new Calls()
                .read(1, "x", "b", 0, 10)
                .unknown(0, Op.write("x", "b"), 20));
    }

    @Test
    void check_unknownWriteReadThenOverwrittenThenReadAgain_notLinearizable() {
        // It may take effect once, not twice: after c is read, b cannot come back.
        assertNotLinearizable(new Calls()
                .unknown(0, Op.write("x", "b"), 0)
                .read(1, "x", "b", 10, 20)
                .write(1, "x", "c", 30, 40)
                .read(1, "x", "b", 50, 60));
    }

    @Test
    void check_unknownWriteThatCanOnlyHaveNotHappened_linearizable() {
        // Its b is read only by a read that must go before c is written, c before it is invoked,
        // and c is read again after: placed anywhere, it would hide c. So it never took effect.
        assertLinearizable(new Calls()
                .write(0, "x", "b", 2, 3)
                .read(1, "x", "b", 4, 10)
                .write(0, "x", "c", 5, 6)
                .unknown(0, Op.write("x", "b"), 7)
                .read(2, "x", "c", 11, 12));
    }

    @Test
    void check_failedWriteRead_notLinearizable() {
        assertNotLinearizable(new Calls()
                .write(0, "x", "a", 0, 10)
                .failed(0, Op.write("x", "b"), 20, 30)
                .read(1, "x", "b", 25, 40));
    }

    @Test
    void check_failedWriteNotRead_linearizable() {
        assertLinearizable(new Calls()
                .write(0, "x", "a", 0, 10)
                .failed(0, Op.write("x", "b"), 20, 30)
                .read(1, "x", "a", 25, 40));
    }

    @Test
    void check_removeThenRead_missing_linearizable() {
        assertLinearizable(new Calls()
                .write(0, "x", "a", 0, 10)
                .remove(0, "x", 20, 30)
                .read(1, "x", null, 40, 50));
    }

    @Test
    void check_removeThenRead_oldValue_notLinearizable() {
        assertNotLinearizable(new Calls()
                .write(0, "x", "a", 0, 10)
                .remove(0, "x", 20, 30)
                .read(1, "x", "a", 40, 50));
    }

    @Test
    void check_unknownRemoveSeen_linearizable() {
        assertLinearizable(new Calls()
                .write(0, "x", "a", 0, 10)
                .unknown(0, Op.remove("x"), 20)
                .read(1, "x", "a", 25, 35)
                .read(1, "x", null, 40, 50));
    }

    @Test
    void check_overlappingCallsTakeEffectOutOfInvocationOrder_linearizable() {
        // The write invoked first takes effect last; each read overlaps the write it sees.
        assertLinearizable(new Calls()
                .write(0, "x", "a", 0, 100)
                .write(1, "x", "b", 10, 50)
                .read(2, "x", "b", 20, 60)
                .read(2, "x", "a", 70, 80)
                .remove(1, "x", 60, 120)
                .read(2, "x", null, 130, 140));
    }

    @Test
    void check_unknownReadOfAnything_linearizable() {
        assertLinearizable(new Calls()
                .write(0, "x", "a", 0, 10)
                .unknown(1, Op.read("x"), 20)
                .read(1, "x", "a", 30, 40));
    }

    @Test
    void check_keysAreCheckedApart_onlyTheBadKeyIsExplained() {
        Linearizability.Result result = new Calls()
                .write(0, "good", "a", 0, 10)
                .write(0, "bad", "a", 0, 10)
                .write(0, "bad", "b", 20, 30)
                .read(1, "good", "a", 40, 50)
                .read(1, "bad", "a", 40, 50)
                .check();

        assertEquals(NOT_LINEARIZABLE, result.verdict());
        assertTrue(result.explanation().startsWith("key bad is not linearizable"), result.explanation());
        assertFalse(result.explanation().contains("key good"), result.explanation());
    }

    @Test
    void check_notLinearizable_explainsTheCallThatCannotBePlaced() {
        Linearizability.Result result = new Calls()
                .write(0, "x", "a", 1_000_000, 2_000_000)
                .write(0, "x", "b", 3_000_000, 4_000_000)
                .read(1, "x", "a", 5_000_000, 6_000_000)
                .check();

        String explanation = result.explanation();
        assertTrue(explanation.contains("no order places #2 p1 [4.000, 5.000] read x -> \"a\""), explanation);
        assertTrue(explanation.contains("longest linearizable prefix found: 2 calls"), explanation);
        assertTrue(explanation.contains("  #1 p0 [2.000, 3.000] write x = \"b\" -> ok\n"), explanation);
        assertTrue(explanation.contains("the register then holds \"b\""), explanation);
    }

    @Test
    void check_budgetSpent_givesUpWithUnknown() {
        Calls calls = concurrentWritesThenReads();

        Linearizability.Result result = Linearizability.check(calls.list(), 3);

        assertEquals(UNKNOWN, result.verdict(), result.explanation());
        assertTrue(result.explanation().contains("key x: gave up after 3 steps"), result.explanation());
        assertEquals(LINEARIZABLE, calls.check().verdict());
    }

    @Test
    void check_oneKeyNotLinearizable_winsOverAnotherGivenUpOn() {
        List<Call> calls = concurrentWritesThenReads().read(1, "bad", "z", 200, 300).list();

        Linearizability.Result result = Linearizability.check(calls, 3);

        assertEquals(NOT_LINEARIZABLE, result.verdict());
        assertTrue(result.explanation().contains("key x: gave up"), result.explanation());
    }

    @Test
    void check_budgetNotPositive_refused() {
        assertThrows(IllegalArgumentException.class, () -> Linearizability.check(List.of(), 0));
    }

    @Test
    void check_emptyHistory_linearizable() {
        assertLinearizable(new Calls());
    }

    @Test
    void candidates_unknownWritesAndRemoves_endAtTheLastReadThatCouldSeeThem() {
        List<Call> calls = new Calls()
                .write(0, "x", "a", 0, 10)
                .unknown(1, Op.write("x", "never read"), 0)
                .unknown(2, Op.write("x", "b"), 0)
                .unknown(3, Op.remove("x"), 0)
                .unknown(4, Op.remove("x"), 60)
                .failed(5, Op.write("x", "c"), 0, 5)
                .unknown(6, Op.read("x"), 0)
                .read(7, "x", "b", 20, 30)
                .read(7, "x", null, 40, 50)
                .read(7, "x", "b", 35, 45)
                .list();

        List<KeySearch.Candidate> expected = List.of(
                new KeySearch.Candidate(calls.get(0), 10),
                new KeySearch.Candidate(calls.get(2), 45),
                new KeySearch.Candidate(calls.get(3), 50),
                new KeySearch.Candidate(calls.get(7), 30),
                new KeySearch.Candidate(calls.get(8), 50),
                new KeySearch.Candidate(calls.get(9), 45));
        assertEquals(expected, KeySearch.candidates(calls));
    }

    @Test
    void check_unknownWriteSeenOnlyAfterItsLastPossibleReads_notLinearizable() {
        // Dropped after the read of b, it cannot come back for the second one: taking effect twice.
        assertNotLinearizable(new Calls()
                .unknown(0, Op.write("x", "b"), 0)
                .write(1, "x", "a", 5, 8)
                .read(1, "x", "b", 10, 20)
                .write(1, "x", "c", 30, 40)
                .read(1, "x", "b", 50, 60)
                .read(1, "x", "c", 70, 80));
    }

    @Test
    void check_manyUnknownRemovesAndMissingReads_linearizableWithinASmallBudget() {
        // Each unknown remove is a candidate only until the last read of a missing key after it,
        // so they do not multiply the states: a few hundred steps, not 2^40.
        Calls calls = new Calls();
        for (int i = 0; i < 40; i++) {
            calls.write(0, "x", "v" + i, 100 * i, 100 * i + 10)
                    .unknown(1, Op.remove("x"), 100 * i + 20)
                    .read(2, "x", null, 100 * i + 30, 100 * i + 40);
        }

        Linearizability.Result result = Linearizability.check(calls.list(), 10_000);

        assertEquals(LINEARIZABLE, result.verdict(), result.explanation());
    }

    /** Two writes, a and b, at once, and reads after both began that see a, then b. */
    private static Calls concurrentWritesThenReads() {
        return new Calls()
                .write(0, "x", "a", 0, 100)
                .write(1, "x", "b", 0, 100)
                .read(2, "x", "a", 10, 20)
                .read(2, "x", "b", 30, 40);
    }

    private static void assertLinearizable(Calls calls) {
        Linearizability.Result result = calls.check();
        assertEquals(LINEARIZABLE, result.verdict(), result.explanation());
    }

    private static void assertNotLinearizable(Calls calls) {
        Linearizability.Result result = calls.check();
        assertEquals(NOT_LINEARIZABLE, result.verdict(), () -> Call.describeAll(calls.list(), 0));
    }
}
