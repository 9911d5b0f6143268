package kvs.store;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * A {@link StorageIo} over the real file system that a test observes and breaks: it sees every
 * write and every real {@code force()}, in order; it can run out of space ("No space left on
 * device" once a budget of bytes is used up, after a short write, as the kernel does), fail
 * forces, and hold forces until the test lets each one go. Public so that server tests can pass
 * it in through {@link StoreOptions#withIo}.
 */
public final class FaultyIo implements StorageIo {

    /** The longest a force is held, so that a test that forgets to release it fails, not hangs. */
    private static final Duration HOLD_LIMIT = Duration.ofSeconds(60);

    private final Object lock = new Object();
    /** Whether maps fail; see {@link #failMaps}. */
    private volatile boolean failMaps;
    /** Bytes writes may still add, all files together; guarded by {@link #lock}. */
    private long space = Long.MAX_VALUE;
    /** Forces of matching files fail with this, or null; guarded by {@link #lock}. */
    private IOException forceFailure;
    private Predicate<Path> failing = p -> false;
    /** Truncations fail with this, or null; guarded by {@link #lock}. */
    private IOException truncateFailure;
    /** Whether forces wait for a permit; guarded by {@link #lock}. */
    private boolean holding;
    private int permits;
    private int forcesEntered;
    private int forcesDone;
    /** Per file: the end of the furthest write, and that end as of the last force that returned. */
    private final Map<Path, Long> written = new HashMap<>();
    private final Map<Path, Long> synced = new HashMap<>();
    private final List<String> events = new ArrayList<>();

    @Override
    public FileChannel open(Path path, OpenOption... options) throws IOException {
        return new Channel(path, FileChannel.open(path, options));
    }

    /** From now on writes may add {@code bytes} more; {@link Long#MAX_VALUE}: space is back. */
    public void spaceLeft(long bytes) {
        synchronized (lock) {
            space = bytes;
        }
    }

    /** From now on every force of a file that {@code which} accepts fails with {@code e}. */
    public void failForces(Predicate<Path> which, IOException e) {
        synchronized (lock) {
            failing = which;
            forceFailure = e;
        }
    }

    /** From now on every map of a file fails, as it does past the process's limit of maps. */
    public void failMaps() {
        failMaps = true;
    }

    /** From now on every truncation fails with {@code e}; null: truncations work again. */
    public void failTruncates(IOException e) {
        synchronized (lock) {
            truncateFailure = e;
        }
    }

    /** From now on each force waits inside the seam until {@link #release} lets it go. */
    public void holdForces() {
        synchronized (lock) {
            holding = true;
        }
    }

    /** Lets {@code n} more held forces go. */
    public void release(int n) {
        synchronized (lock) {
            permits += n;
            lock.notifyAll();
        }
    }

    /** Lets every force go, now and from now on. */
    public void releaseAll() {
        synchronized (lock) {
            holding = false;
            lock.notifyAll();
        }
    }

    /** Waits until {@code n} forces have begun (held or not); false if not within the timeout. */
    /** Forces begun so far, held or not. */
    public int forcesEntered() {
        synchronized (lock) {
            return forcesEntered;
        }
    }

    public boolean awaitForcesEntered(int n, Duration timeout) throws InterruptedException {
        return await(() -> forcesEntered >= n, timeout);
    }

    /** Waits until {@code n} forces have returned; false if not within the timeout. */
    public boolean awaitForcesDone(int n, Duration timeout) throws InterruptedException {
        return await(() -> forcesDone >= n, timeout);
    }

    public int forcesDone() {
        synchronized (lock) {
            return forcesDone;
        }
    }

    /** The end of the furthest write to {@code file} that a returned force covers. */
    public long syncedEnd(Path file) {
        synchronized (lock) {
            return synced.getOrDefault(file, 0L);
        }
    }

    /** The end of the furthest write to {@code file}. */
    public long writtenEnd(Path file) {
        synchronized (lock) {
            return written.getOrDefault(file, 0L);
        }
    }

    /** What happened, in order: "write NAME AT LENGTH", "short-write ...", "enospc NAME", "force NAME". */
    public List<String> events() {
        synchronized (lock) {
            return List.copyOf(events);
        }
    }

    private boolean await(BooleanSupplier done, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (!done.getAsBoolean()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
            return true;
        }
    }

    /** How many of {@code wanted} bytes may be written now; throws once the space is gone. */
    private int take(Path file, int wanted) throws IOException {
        synchronized (lock) {
            if (wanted > 0 && space == 0) {
                events.add("enospc " + file.getFileName());
                throw new IOException("No space left on device");
            }
            int n = (int) Math.min(wanted, space);
            if (space != Long.MAX_VALUE) {
                space -= n;
            }
            return n;
        }
    }

    private void wrote(Path file, long at, int n, boolean whole) {
        synchronized (lock) {
            events.add((whole ? "write " : "short-write ") + file.getFileName() + " " + at + " " + n);
            written.merge(file, at + n, Math::max);
        }
    }

    /** Waits for a permit if forces are held; then the failure to throw, or null. */
    private IOException enterForce(Path file) throws IOException {
        synchronized (lock) {
            forcesEntered++;
            lock.notifyAll();
            try {
                long deadline = System.nanoTime() + HOLD_LIMIT.toNanos();
                while (holding && permits == 0) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new IOException("test seam: a held force was not released within "
                                + HOLD_LIMIT);
                    }
                    TimeUnit.NANOSECONDS.timedWait(lock, left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted in a held force");
            }
            if (holding) {
                permits--;
            }
            return failing.test(file) ? forceFailure : null;
        }
    }

    /** A channel that counts, and may refuse, what goes through it. */
    private final class Channel extends FileChannel {
        private final Path path;
        private final FileChannel d;

        Channel(Path path, FileChannel delegate) {
            this.path = path;
            this.d = delegate;
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            int n = take(path, src.remaining());
            boolean whole = n == src.remaining();
            ByteBuffer part = src.duplicate();
            part.limit(part.position() + n);
            int w = d.write(part, position);
            src.position(src.position() + w);
            wrote(path, position, w, whole);
            return w;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            long at = d.position();
            int w = write(src, at);
            d.position(at + w);
            return w;
        }

        @Override
        public void force(boolean metaData) throws IOException {
            IOException failure = enterForce(path);
            if (failure != null) {
                synchronized (lock) {
                    events.add("force-failed " + path.getFileName());
                }
                throw failure;
            }
            long end = writtenEnd(path);
            d.force(metaData);
            synchronized (lock) {
                forcesDone++;
                synced.merge(path, end, Math::max);
                events.add("force " + path.getFileName());
                lock.notifyAll();
            }
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            synchronized (lock) {
                if (truncateFailure != null) {
                    events.add("truncate-failed " + path.getFileName() + " " + size);
                    throw truncateFailure;
                }
            }
            d.truncate(size);
            synchronized (lock) {
                events.add("truncate " + path.getFileName() + " " + size);
                written.computeIfPresent(path, (p, end) -> Math.min(end, size));
            }
            return this;
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return d.read(dst);
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return d.read(dst, position);
        }

        @Override
        public long position() throws IOException {
            return d.position();
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            d.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return d.size();
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) {
            throw new UnsupportedOperationException("not used by the store");
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) {
            throw new UnsupportedOperationException("not used by the store");
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) {
            throw new UnsupportedOperationException("not used by the store");
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) {
            throw new UnsupportedOperationException("not used by the store");
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
            if (failMaps) {
                throw new IOException("Map failed (test: as when the process has too many maps)");
            }
            return d.map(mode, position, size); // reads only: nothing to log
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) {
            throw new UnsupportedOperationException("not used by the store");
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) {
            throw new UnsupportedOperationException("not used by the store");
        }

        @Override
        protected void implCloseChannel() throws IOException {
            d.close();
        }
    }
}
