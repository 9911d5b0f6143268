package kvs.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import kvs.store.Store;

/**
 * A running kvs server: one {@link Store} behind a Netty listener. The lifecycle, nothing else:
 * the pipeline is {@link ServerInitializer}'s, request handling {@link RequestHandler}'s.
 *
 * <h2>Threads</h2>
 * One acceptor thread; event-loop threads for socket I/O, codecs and the requests that wait for
 * nothing; a pool of store threads for the requests that may wait on the disk, so that no event
 * loop ever does (docs/ARCHITECTURE.md, "Life of a request").
 *
 * <h2>Shutdown order ({@link #close})</h2>
 * <ol>
 * <li>Stop accepting connections.
 * <li>Stop reading from every connection.
 * <li>Drain: wait (up to the configured drain timeout) until every request already received has
 *     been applied and its response written out. Requests that still arrive are refused with
 *     {@code UNAVAILABLE}.
 * <li>Close every connection, stop the threads.
 * <li>Close the store: fsync, close files, release the directory lock.
 * <li>Remove the PID file, if there is one and it still names this process.
 * </ol>
 */
public final class KvsServer implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(KvsServer.class.getName());

    private final ServerConfig config;
    private final Store store;
    private final EventLoopGroup acceptor;
    private final EventLoopGroup workers;
    private final ExecutorService storeExecutor;
    private final InFlight inFlight = new InFlight();
    private final ServerStats stats;
    private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final CountDownLatch closed = new CountDownLatch(1);
    private final Channel serverChannel;
    /** The RESP listener's channel, or null if there is none. */
    private final Channel respChannel;
    /** {@link ServerConfig#pidFile}'s, or null if there is none. */
    private final PidFile pidFile;
    /** Set when shutdown begins: connections are read no more. */
    private volatile boolean draining;
    /** Set once the requests already read are answered: any later one is refused. */
    private volatile boolean closing;
    private volatile IOException closeFailure;
    /** Set when this member stops because its store could not apply a replicated write. */
    private volatile boolean halted;
    private boolean closeStarted;
    /** A replicated member's Raft server, or null: a single server. */
    private final Replication replication;

    private KvsServer(ServerConfig config, Store store, LogClock logClock, PidFile pidFile) throws IOException {
        this.config = config;
        this.store = store;
        this.pidFile = pidFile;
        int cores = Runtime.getRuntime().availableProcessors();
        // The native epoll transport where the platform has it (Linux): fewer copies and system
        // calls per request than NIO; NIO elsewhere.
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        acceptor = new MultiThreadIoEventLoopGroup(1, io);
        workers = new MultiThreadIoEventLoopGroup(cores, io);
        storeExecutor = Executors.newFixedThreadPool(Math.max(4, 2 * cores), storeThreads());
        MemoryBudget pendingRequests = new MemoryBudget("--max-pending-bytes (requests)",
                config.maxPendingBytes());
        MemoryBudget unsentResponses = new MemoryBudget("--max-pending-bytes (responses)",
                config.maxPendingBytes());
        stats = new ServerStats(pendingRequests, unsentResponses);
        StoreCommands commands = new StoreCommands(store, config, () -> closing, stats);
        if (config.raft() != null) {
            // Every member applies every entry, shutting down or not: the log's applier never refuses.
            StoreCommands local = new StoreCommands(store, config, () -> false, stats);
            replication = Replication.start(config.raft(), config.dir(), store, logClock, config.store().clock(),
                    local, this::halt);
            commands.replicate(replication, local);
        } else {
            replication = null;
        }
        LoopBatches loopBatches = new LoopBatches();
        serverChannel = listen(config.address(), new ServerInitializer(config, commands, storeExecutor,
                inFlight, channels, stats, () -> draining, () -> closing, pendingRequests, unsentResponses,
                loopBatches, false), null);
        if (config.respAddress() == null) {
            respChannel = null;
        } else {
            // The RESP listener shares everything with the first: store, budgets, the connection
            // limit, stats, event loops, shutdown.
            respChannel = listen(config.respAddress(), new ServerInitializer(config, commands,
                    storeExecutor, inFlight, channels, stats, () -> draining, () -> closing,
                    pendingRequests, unsentResponses, loopBatches, true), serverChannel);
        }
    }

    /** Binds a listener; if that fails, closes {@code other} (if any) and stops the threads. */
    private Channel listen(kvs.common.HostPort address, ServerInitializer initializer, Channel other)
            throws IOException {
        ServerBootstrap b = new ServerBootstrap()
                .group(acceptor, workers)
                .channel(Epoll.isAvailable() ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(256 * 1024, 1024 * 1024))
                // One write system call per connection per turn of its event loop: a 60 MiB
                // value being sent to a fast reader would otherwise hold the loop for up to 16
                // socket buffers' worth of copying, while the loop's other connections wait.
                .childOption(ChannelOption.WRITE_SPIN_COUNT, 1)
                .childHandler(initializer);
        ChannelFuture bind = b.bind(address.toSocketAddress()).awaitUninterruptibly();
        if (!bind.isSuccess()) {
            if (other != null) {
                other.close().awaitUninterruptibly();
            }
            shutdownThreads();
            Throwable cause = bind.cause();
            String why = cause.getMessage() == null ? cause.toString() : cause.getMessage();
            throw new IOException("cannot listen on " + address + ": " + why, cause);
        }
        initializer.bound(((InetSocketAddress) bind.channel().localAddress()).getPort());
        return bind.channel();
    }

    /**
     * Opens the store in the configured directory, starts listening, then writes the PID file
     * if one is configured.
     *
     * @throws IOException if the PID file names a running kvs-server (checked first), the store
     *     cannot be opened, the address cannot be bound or the PID file cannot be written;
     *     nothing is left running then, and a data directory this start created is removed again
     */
    public static KvsServer start(ServerConfig config) throws IOException {
        if (config.raft() != null && config.maxValueBytes() > RaftOptions.MAX_VALUE_BYTES) {
            LOG.log(Level.INFO, "a replicated group takes values up to {0}: --max-value-bytes {1} is lowered"
                    + " to that", kvs.common.Units.formatSize(RaftOptions.MAX_VALUE_BYTES),
                    kvs.common.Units.formatSize(config.maxValueBytes()));
            config = config.withMaxValueBytes(RaftOptions.MAX_VALUE_BYTES);
        }
        PidFile pidFile = config.pidFile() == null ? null : PidFile.claim(config.pidFile());
        CreatedDirectory created = CreatedDirectory.before(config.dir());
        KvsServer server;
        try {
            Store store;
            LogClock logClock = null;
            if (config.raft() != null) {
                // The Raft log is what is durable; the store is rebuilt from the snapshot and the log.
                Replication.restoreStore(config.dir());
                logClock = new LogClock();
                store = Store.open(Replication.storeDir(config.dir()),
                        config.store().withSync(kvs.store.SyncPolicy.NEVER).withClock(logClock));
            } else {
                store = config.salvage() ? Store.openSalvaging(config.dir(), config.store())
                        : Store.open(config.dir(), config.store());
            }
            try {
                server = new KvsServer(config, store, logClock, pidFile);
            } catch (IOException | RuntimeException e) {
                closeAfter(e, store);
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            created.remove(e);
            throw e;
        }
        if (pidFile != null) {
            try {
                pidFile.write();
            } catch (IOException e) {
                closeAfter(e, server);
                created.remove(e);
                throw e;
            }
        }
        return server;
    }

    /** Closes {@code c} after {@code e} failed a start; a failure to is added to {@code e}. */
    private static void closeAfter(Exception e, AutoCloseable c) {
        try {
            c.close();
        } catch (Exception again) {
            e.addSuppressed(again);
        }
    }

    /** The address listened on, with the actual port if port 0 was asked for. */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    /** The RESP listener's address, with its actual port; null if there is none. */
    public InetSocketAddress respAddress() {
        return respChannel == null ? null : (InetSocketAddress) respChannel.localAddress();
    }

    public Store store() {
        return store;
    }

    public ServerConfig config() {
        return config;
    }

    /** Waits until {@link #close} has finished. */
    public void awaitClosed() throws InterruptedException {
        closed.await();
    }

    /** Shuts down in the order the class documents. Idempotent; later calls wait for the first. */
    @Override
    public void close() throws IOException {
        synchronized (this) {
            if (closeStarted) {
                awaitClosedUninterruptibly();
                return;
            }
            closeStarted = true;
        }
        try {
            draining = true;
            serverChannel.close().awaitUninterruptibly();
            if (respChannel != null) {
                respChannel.close().awaitUninterruptibly();
            }
            long deadline = System.nanoTime() + config.drainTimeout().toNanos();
            List<Future<?>> pending = new ArrayList<>();
            for (Channel ch : channels) {
                pending.add(ch.eventLoop().submit(() -> ch.config().setAutoRead(false)));
            }
            awaitAll(pending, deadline);
            boolean drained = awaitDrained(deadline);
            closing = true;
            pending.clear();
            for (Channel ch : channels) {
                // Written from the head of the pipeline: completes once earlier responses are out.
                pending.add(ch.pipeline().firstContext().writeAndFlush(Unpooled.EMPTY_BUFFER));
            }
            drained &= awaitAll(pending, deadline);
            if (!drained) {
                LOG.log(Level.WARNING, "shutdown: requests still in progress after {0}; closing"
                        + " connections anyway", config.drainTimeout());
            }
            // Half-close: the client reads every response, then end of stream. Whatever it still
            // sends is read and dropped for a moment, so that closing does not reset the
            // connection under responses it has not read yet.
            pending.clear();
            for (Channel ch : channels) {
                if (ch instanceof DuplexChannel d) {
                    pending.add(ch.eventLoop().submit(() -> {
                        d.shutdownOutput();
                        ch.config().setAutoRead(true);
                    }));
                }
            }
            awaitAll(pending, deadline);
            pending.clear();
            for (Channel ch : channels) {
                pending.add(ch.closeFuture());
            }
            awaitAll(pending, Math.min(deadline, System.nanoTime() + TimeUnit.SECONDS.toNanos(1)));
            channels.close().awaitUninterruptibly();
            shutdownThreads();
        } finally {
            try {
                if (replication != null) {
                    replication.close();
                }
                store.close();
            } catch (IOException | RuntimeException e) {
                closeFailure = e instanceof IOException io ? io : new IOException(e);
                throw e;
            } finally {
                if (pidFile != null) {
                    pidFile.close();
                }
                closed.countDown();
            }
        }
    }

    /** Stops this server, from another thread: its store could not apply a replicated write. */
    private void halt() {
        halted = true;
        try {
            close();
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.ERROR, "stopping after a failed apply: " + e.getMessage());
        }
    }

    /** Whether this member stopped because its store could not apply a replicated write: a failure. */
    public boolean halted() {
        return halted;
    }

    /** Why closing the store failed, or null: a failed close is a failed shutdown. */
    public IOException closeFailure() {
        return closeFailure;
    }

    private void shutdownThreads() {
        storeExecutor.shutdown();
        List<Future<?>> done = List.of(
                acceptor.shutdownGracefully(0, 1, TimeUnit.SECONDS),
                workers.shutdownGracefully(0, 1, TimeUnit.SECONDS));
        for (Future<?> f : done) {
            f.awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        try {
            storeExecutor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean awaitDrained(long deadlineNanos) {
        try {
            return inFlight.awaitZero(deadlineNanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static ThreadFactory storeThreads() {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "kvs-store-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    private static boolean awaitAll(List<Future<?>> futures, long deadlineNanos) {
        boolean all = true;
        for (Future<?> f : futures) {
            long left = deadlineNanos - System.nanoTime();
            all &= f.awaitUninterruptibly(Math.max(0, left), TimeUnit.NANOSECONDS);
        }
        return all;
    }

    private void awaitClosedUninterruptibly() {
        boolean interrupted = false;
        while (true) {
            try {
                closed.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
