package kvs.server;

import java.io.IOException;
import java.lang.System.Logger.Level;
import kvs.proto.Error;
import kvs.proto.Request;

/**
 * Logs requests that failed, so that an operator sees each kind of failure without drowning in
 * it. Expected failures (bad input, storage errors such as a full disk or a damaged record) are
 * one line each, with the error the client got; a bug (any other exception or error) gets its
 * stack trace. Each kind, named by exception class and error code, gets at most one line a
 * second, with a count of those held back ({@link LogThrottle}). Thread-safe.
 */
final class FailureLog {

    private static final System.Logger LOG = System.getLogger(FailureLog.class.getName());

    private final LogThrottle<String> throttle;

    FailureLog(LogThrottle<String> throttle) {
        this.throttle = throttle;
    }

    /** Whether a failure is one the server expects (not a bug): it is logged without a trace. */
    static boolean expected(Throwable t) {
        return t instanceof IOException || t instanceof IllegalArgumentException;
    }

    /** Logs that {@code request} failed with {@code t}, answered with {@code error}. */
    void failed(Request request, Throwable t, Error error) {
        String kind = t.getClass().getName() + "/" + error.getCode();
        LogThrottle.Pass pass = throttle.tryPass(kind);
        if (pass == null) {
            return;
        }
        String line = "request " + request.getId() + " (" + request.getCommandCase() + ") failed: "
                + error.getCode() + ": " + error.getMessage() + pass.suffix();
        if (expected(t)) {
            LOG.log(t instanceof IllegalArgumentException ? Level.WARNING : Level.ERROR, line);
        } else {
            LOG.log(Level.ERROR, line + "; this is a bug, please report it with this trace", t);
        }
    }
}
