package kvs.store;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fsyncs the active data file for the store: on demand with group commit (policy
 * {@code always}), or every sync interval ({@code interval}). One thread, its own.
 *
 * <h2>Group commit</h2>
 * A writer that must wait for durability registers the sequence number of its write and gets a
 * future. The syncer thread takes, under the store's write lock, the last sequence number written
 * and the active file; fsyncs that file outside the lock; then completes every waiter at or below
 * that number. Writes that arrive while an fsync runs gather for the next one, so under load one
 * fsync covers many writes. Writes in files sealed meanwhile are durable already: sealing fsyncs.
 * Futures are completed outside this object's monitor: whatever runs on completion (a reply, a
 * waiting writer) never holds up the syncer's bookkeeping or a writer registering.
 *
 * <h2>A failed fsync</h2>
 * Cannot be retried: the kernel may have dropped the dirty pages and a second fsync could succeed
 * without them. So the first failure is final: every waiter, and every write that asks later,
 * gets a {@link DurabilityUnknownException}, no more fsyncs are done, and the store is told
 * ({@link Target#fsyncFailed}), which turns read-only.
 */
final class Syncer {

    private static final System.Logger LOG = System.getLogger(Syncer.class.getName());

    /** What the syncer needs from the store, read atomically under its write lock. */
    interface Target {
        /** The last sequence number written and the file it went to, taken together. */
        Snapshot snapshot();

        /** An fsync of {@code file} failed; called once, on the syncer thread. */
        void fsyncFailed(Path file, IOException cause);
    }

    record Snapshot(long lastSeq, Segment active) {
    }

    private record Waiter(long seq, CompletableFuture<Void> done) {
    }

    private final SyncPolicy policy;
    private final long intervalNanos;
    private final Target target;
    private final Thread thread;
    private final AtomicLong fsyncs = new AtomicLong();
    /** Guarded by {@code this}. */
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    /** Guarded by {@code this}. */
    private long durableSeq;
    /** Guarded by {@code this}. */
    private boolean stopped;
    /** The failed fsync's error, or null while none failed; guarded by {@code this}. */
    private IOException failure;

    Syncer(SyncPolicy policy, java.time.Duration interval, Target target, String name) {
        this.policy = policy;
        this.intervalNanos = interval.toNanos();
        this.target = target;
        this.thread = new Thread(this::run, "kvs-sync " + name);
        thread.setDaemon(true);
        if (policy != SyncPolicy.NEVER) {
            thread.start();
        }
    }

    /**
     * A future completed once the write with sequence number {@code seq} is durable as the policy
     * promises: after an fsync for {@code always}, at once otherwise.
     */
    CompletableFuture<Void> whenDurable(long seq) {
        if (policy != SyncPolicy.ALWAYS) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> f = new CompletableFuture<>();
        synchronized (this) {
            if (seq <= durableSeq) {
                return CompletableFuture.completedFuture(null);
            }
            if (failure != null) {
                f.completeExceptionally(new DurabilityUnknownException(failure));
                return f;
            }
            if (stopped) {
                f.completeExceptionally(new StoreClosedException());
                return f;
            }
            waiters.add(new Waiter(seq, f));
            notifyAll();
        }
        return f;
    }

    long fsyncs() {
        return fsyncs.get();
    }

    /** Counts an fsync done elsewhere (sealing, closing). */
    void counted() {
        fsyncs.incrementAndGet();
    }

    private void run() {
        while (true) {
            synchronized (this) {
                try {
                    if (policy == SyncPolicy.ALWAYS) {
                        while (waiters.isEmpty() && !stopped) {
                            wait();
                        }
                    } else if (!stopped) {
                        TimeUnit.NANOSECONDS.timedWait(this, intervalNanos);
                    }
                } catch (InterruptedException e) {
                    stopped = true;
                }
                if (stopped && waiters.isEmpty()) {
                    return;
                }
            }
            syncOnce();
        }
    }

    private void syncOnce() {
        Snapshot s = target.snapshot();
        synchronized (this) {
            if (failure != null || (s.lastSeq() <= durableSeq && waiters.isEmpty())) {
                return; // nothing written since the last fsync, or no fsync is to be trusted
            }
        }
        IOException failed = null;
        try {
            s.active().force();
            fsyncs.incrementAndGet();
        } catch (java.nio.channels.ClosedChannelException e) {
            if (!s.active().retired()) {
                failed = e; // closed under us (an interrupted reader): not durable
            }
            // Otherwise sealed (which fsyncs), compacted and retired since the snapshot: durable.
        } catch (IOException e) {
            failed = e;
        }
        if (failed != null) {
            LOG.log(Level.ERROR, "fsync of " + s.active().path() + " failed", failed);
            target.fsyncFailed(s.active().path(), failed);
            failWaiters(failed);
            return;
        }
        List<CompletableFuture<Void>> durable = new ArrayList<>();
        synchronized (this) {
            if (failure != null) {
                return; // an fsync failed elsewhere meanwhile (sealing): its waiters are failed
            }
            durableSeq = Math.max(durableSeq, s.lastSeq());
            while (!waiters.isEmpty() && waiters.peek().seq() <= durableSeq) {
                durable.add(waiters.poll().done());
            }
        }
        for (CompletableFuture<Void> f : durable) {
            f.complete(null);
        }
    }

    /**
     * An fsync failed (here or in sealing): fails every waiter, and every later one, with a
     * {@link DurabilityUnknownException}; no fsync is done any more.
     */
    void failWaiters(IOException cause) {
        List<Waiter> failed;
        synchronized (this) {
            if (failure == null) {
                failure = cause;
            }
            failed = new ArrayList<>(waiters);
            waiters.clear();
        }
        for (Waiter w : failed) {
            w.done().completeExceptionally(new DurabilityUnknownException(cause));
        }
    }

    /** Stops the thread after a last fsync for whoever waits. */
    void stop() {
        synchronized (this) {
            stopped = true;
            notifyAll();
        }
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
