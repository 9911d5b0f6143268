package kvs.server;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A server-wide allowance of bytes that connections hold between two points of their life: the
 * bytes of requests still being received ({@link PendingFrameGuard}), or of responses built but
 * not yet sent ({@link RequestHandler}). One instance per direction, shared by all connections.
 *
 * <p>A connection that finds no room registers a callback with the size it waits for, and stops
 * (reading, or answering). A {@link #release} calls, on the releasing thread, the callbacks that
 * the room now free can satisfy, first come first served (and the first always, once nothing is
 * held); each is called once, and must only hand off to its own event loop and try again there,
 * registering again if the room is gone by then, or {@link #poke} the next in line if its
 * connection is gone. Waking only those that fit, not all, keeps a
 * release from setting thousands of waiting connections to work for room that one can use.
 *
 * <p>Thread-safe: event loops and store threads reserve and release concurrently.
 */
final class MemoryBudget {

    private final String name;
    private final long limit;
    /** Bytes held now. Guarded by {@code this}. */
    private long used;
    /** Who waits for room, in arrival order. Guarded by {@code this}. */
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();

    private record Waiter(long bytes, Runnable onRoom) {
    }

    MemoryBudget(String name, long limit) {
        if (limit < 1) {
            throw new IllegalArgumentException(name + " must be at least 1 byte, got " + limit);
        }
        this.name = name;
        this.limit = limit;
    }

    long limit() {
        return limit;
    }

    synchronized long used() {
        return used;
    }

    /**
     * Takes {@code bytes} if they fit under the limit with what is held already; otherwise
     * takes nothing and calls {@code onRoom} at the next release.
     */
    synchronized boolean tryReserve(long bytes, Runnable onRoom) {
        if (used + bytes <= limit) {
            used += bytes;
            return true;
        }
        waiters.add(new Waiter(bytes, onRoom));
        return false;
    }

    /**
     * Takes {@code bytes} if they fit under the limit with what is held already, or if nothing is
     * held (so that something larger than the whole budget gets its turn too, alone).
     */
    synchronized boolean tryReserve(long bytes) {
        if (used + bytes <= limit || used == 0) {
            used += bytes;
            return true;
        }
        return false;
    }

    /**
     * Whether {@link #tryReserve(long)} would take {@code bytes} now; if not, {@code onRoom} is
     * called at the next release.
     */
    synchronized boolean fits(long bytes, Runnable onRoom) {
        if (used + bytes <= limit || used == 0) {
            return true;
        }
        waiters.add(new Waiter(bytes, onRoom));
        return false;
    }

    /** Counts bytes that are held already, whether they fit or not. */
    synchronized void add(long bytes) {
        used += bytes;
    }

    void release(long bytes) {
        if (bytes != 0) {
            wake(bytes);
        }
    }

    /**
     * Wakes the waiters that fit, as a release does: called by a woken waiter that did not take
     * its room after all (its connection closed), so that the room goes to the next in line.
     */
    void poke() {
        wake(0);
    }

    private void wake(long released) {
        List<Runnable> wake = new ArrayList<>();
        synchronized (this) {
            used -= released;
            if (used < 0) {
                throw new IllegalStateException(name + ": released more than was held");
            }
            long free = limit - used;
            boolean empty = used == 0;
            while (!waiters.isEmpty() && (waiters.peek().bytes() <= free || empty && wake.isEmpty())) {
                Waiter w = waiters.poll();
                free -= w.bytes();
                wake.add(w.onRoom());
            }
        }
        for (Runnable r : wake) {
            try {
                r.run();
            } catch (RuntimeException e) {
                // its event loop is shut down: the connection is gone with it
            }
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
