package kvs.server.store;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
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
 */
final class Syncer {

    private static final System.Logger LOG = System.getLogger(Syncer.class.getName());

    /** What the syncer needs from the store, read atomically under its write lock. */
    interface Target {
        /** The last sequence number written and the file it went to, taken together. */
        Snapshot snapshot();
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
            if (s.lastSeq() <= durableSeq && waiters.isEmpty()) {
                return; // nothing written since the last fsync
            }
        }
        IOException failure = null;
        try {
            s.active().force();
            fsyncs.incrementAndGet();
        } catch (java.nio.channels.ClosedChannelException e) {
            if (!s.active().retired()) {
                failure = e; // closed under us (an interrupted reader): not durable
                LOG.log(Level.ERROR, "fsync of " + s.active().path() + " failed: the file is closed", e);
            }
            // Otherwise sealed (which fsyncs), compacted and retired since the snapshot: durable.
        } catch (IOException e) {
            failure = e;
            LOG.log(Level.ERROR, "fsync of " + s.active().path() + " failed", e);
        }
        synchronized (this) {
            if (failure == null) {
                durableSeq = Math.max(durableSeq, s.lastSeq());
            }
            while (!waiters.isEmpty() && (failure != null || waiters.peek().seq() <= durableSeq)) {
                Waiter w = waiters.poll();
                if (failure == null) {
                    w.done().complete(null);
                } else {
                    w.done().completeExceptionally(new DurabilityUnknownException(failure));
                }
            }
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
