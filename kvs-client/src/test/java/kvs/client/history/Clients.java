package kvs.client.history;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/** Real client threads for tests: all start together, each with its process number. */
final class Clients {

    private Clients() {}

    /** Runs {@code client} on {@code processes} threads at once and waits (bounded) for them all. */
    static void run(int processes, IntConsumer client) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(processes);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int p = 0; p < processes; p++) {
                int process = p;
                done.add(pool.submit(() -> {
                    start.await();
                    client.accept(process);
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
