package kvs.store;

import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Collects the formatted messages a class logs (through java.util.logging) while open. */
final class LogCapture implements AutoCloseable {
    private final Logger logger;
    private final Handler handler;

    private LogCapture(Logger logger, Handler handler) {
        this.logger = logger;
        this.handler = handler;
    }

    static LogCapture of(Class<?> source, List<String> into) {
        Logger logger = Logger.getLogger(source.getName());
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord r) {
                synchronized (into) {
                    into.add(java.text.MessageFormat.format(r.getMessage(),
                            r.getParameters() == null ? new Object[0] : r.getParameters()));
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.addHandler(handler);
        return new LogCapture(logger, handler);
    }

    @Override
    public void close() {
        logger.removeHandler(handler);
    }
}
