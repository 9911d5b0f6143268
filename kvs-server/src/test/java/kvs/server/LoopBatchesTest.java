package kvs.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;

class LoopBatchesTest {

    /** An event loop that holds its tasks until the test runs them. */
    private static final class HeldLoop implements Executor {
        final List<Runnable> tasks = new ArrayList<>();

        @Override
        public void execute(Runnable r) {
            tasks.add(r);
        }

        void runAll() {
            List<Runnable> now = new ArrayList<>(tasks);
            tasks.clear();
            now.forEach(Runnable::run);
        }
    }

    @Test
    void manyWorksForOneLoop_oneTask_runningThemAllInOrder() {
        LoopBatches batches = new LoopBatches();
        HeldLoop loop = new HeldLoop();
        List<Integer> ran = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            int n = i;
            batches.run(loop, () -> ran.add(n));
        }
        assertEquals(1, loop.tasks.size(), "one task for the burst");
        loop.runAll();
        assertEquals(100, ran.size());
        for (int i = 0; i < 100; i++) {
            assertEquals(i, ran.get(i));
        }
        batches.run(loop, () -> ran.add(100));
        assertEquals(1, loop.tasks.size(), "after the task ran, new work schedules another");
        loop.runAll();
        assertEquals(101, ran.size());
    }

    @Test
    void eachLoopGetsItsOwnTask() {
        LoopBatches batches = new LoopBatches();
        HeldLoop a = new HeldLoop();
        HeldLoop b = new HeldLoop();
        int[] ran = new int[2];
        for (int i = 0; i < 10; i++) {
            batches.run(a, () -> ran[0]++);
            batches.run(b, () -> ran[1]++);
        }
        assertEquals(1, a.tasks.size());
        assertEquals(1, b.tasks.size());
        a.runAll();
        b.runAll();
        assertEquals(10, ran[0]);
        assertEquals(10, ran[1]);
    }

    @Test
    void workAddedWhileTheTaskRuns_runsInItOrInTheNext_neverLost() {
        LoopBatches batches = new LoopBatches();
        HeldLoop loop = new HeldLoop();
        int[] ran = new int[1];
        batches.run(loop, () -> {
            ran[0]++;
            batches.run(loop, () -> ran[0]++); // as a completion arriving meanwhile
        });
        loop.runAll();
        loop.runAll();
        assertEquals(2, ran[0]);
        assertEquals(0, loop.tasks.size());
    }

    @Test
    void aLoopThatRefusesTasks_dropsTheWork_andAcceptsLaterWork() {
        LoopBatches batches = new LoopBatches();
        Executor closed = r -> {
            throw new RejectedExecutionException("shut down");
        };
        batches.run(closed, () -> { });
        HeldLoop open = new HeldLoop();
        int[] ran = new int[1];
        batches.run(open, () -> ran[0]++);
        open.runAll();
        assertEquals(1, ran[0]);
    }
}
