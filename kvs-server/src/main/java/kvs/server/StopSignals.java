package kvs.server;

import java.lang.System.Logger.Level;
import java.util.concurrent.atomic.AtomicInteger;
import sun.misc.Signal;

/**
 * SIGTERM and SIGINT: the first closes the server cleanly on a new thread, so that the process
 * exits 0 from {@code main}; a second halts at once. Acknowledged writes survive either way: they
 * are in the OS before they are acknowledged.
 *
 * <p>Signal handlers rather than a shutdown hook, because a JVM stopped by a hook exits with
 * 128 + the signal number, and ignores a second signal while the hook runs. {@code sun.misc.Signal}
 * is in the {@code jdk.unsupported} module, which exists for uses like this one; javac warns
 * about it, and this is the one class that uses it.
 */
final class StopSignals {

    private static final System.Logger LOG = System.getLogger(StopSignals.class.getName());

    private StopSignals() {
    }

    static void install(KvsServer server) {
        AtomicInteger received = new AtomicInteger();
        for (String name : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(name), sig -> {
                if (received.getAndIncrement() > 0) {
                    LOG.log(Level.WARNING, "second SIG{0}: exiting now", sig.getName());
                    Runtime.getRuntime().halt(1);
                }
                LOG.log(Level.INFO, "SIG{0}: shutting down", sig.getName());
                Thread t = new Thread(() -> {
                    try {
                        server.close();
                    } catch (Exception e) {
                        LOG.log(Level.ERROR, "shutdown failed", e);
                    }
                }, "kvs-shutdown");
                t.start();
            });
        }
    }
}
