package kvs.server;

import java.util.concurrent.Executor;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Work handed to event loops from other threads, gathered so that each loop gets one task for
 * many items rather than one task each. When an fsync makes the writes of many connections
 * durable (group commit under {@code --sync always}), the syncer thread completes their futures
 * one after another; each completion adds its connection here, and only the first of a burst
 * wakes that connection's event loop, whose one task then writes every reply made durable.
 */
final class LoopBatches {

    private static final System.Logger LOG = System.getLogger(LoopBatches.class.getName());

    private final ConcurrentHashMap<Executor, Loop> loops = new ConcurrentHashMap<>();

    /** Runs {@code work} on {@code loop} soon, in one task with whatever else is added meanwhile. */
    void run(Executor loop, Runnable work) {
        loops.computeIfAbsent(loop, Loop::new).add(work);
    }

    private static final class Loop implements Runnable {
        private final Executor executor;
        private final ConcurrentLinkedQueue<Runnable> work = new ConcurrentLinkedQueue<>();
        private final AtomicBoolean scheduled = new AtomicBoolean();

        Loop(Executor executor) {
            this.executor = executor;
        }

        void add(Runnable r) {
            work.add(r);
            if (scheduled.compareAndSet(false, true)) {
                try {
                    executor.execute(this);
                } catch (RuntimeException e) {
                    // The loop is shutting down: its channels are closing, nothing is left to answer.
                    scheduled.set(false);
                    work.clear();
                }
            }
        }

        @Override
        public void run() {
            scheduled.set(false); // work added from here on schedules another run
            for (Runnable r; (r = work.poll()) != null; ) {
                try {
                    r.run();
                } catch (Throwable t) {
                    // One connection's failure must not strand the others' replies.
                    LOG.log(System.Logger.Level.WARNING, "answering after an fsync failed", t);
                }
            }
        }
    }
}
