package kvs.server;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.StreamHandler;

/**
 * Server logs: one line per event, {@code 2026-11-26T21:50:00.123Z INFO message}, on stderr or
 * appended to a file ({@code --log-file}), at the level {@code --log-level} asks for. The code
 * logs through {@link System.Logger}, which the JDK backs with java.util.logging.
 */
final class LogSetup {

    /** {@code --log-level}: the least severe level written. */
    enum LogLevel {
        ERROR(Level.SEVERE), WARN(Level.WARNING), INFO(Level.INFO), DEBUG(Level.FINE);

        final Level jul;

        LogLevel(Level jul) {
            this.jul = jul;
        }

        static LogLevel parse(String s) {
            try {
                return valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("log level must be error, warn, info or debug; got '"
                        + s + "'");
            }
        }
    }

    private LogSetup() {
    }

    /**
     * Logs at {@code level} to {@code file}, appended to (created if missing), or to stderr if
     * {@code file} is null.
     *
     * @throws IOException if the file cannot be opened for appending; nothing changed then
     */
    static void configure(LogLevel level, Path file) throws IOException {
        Handler h;
        if (file == null) {
            h = new ConsoleHandler();
        } else {
            OutputStream out;
            try {
                out = new FileOutputStream(file.toFile(), true);
            } catch (IOException e) {
                throw new IOException("cannot open log file " + file + " for appending: " + e.getMessage()
                        + "; check that the directory exists and the user running kvs-server may"
                        + " write there, or leave out --log-file to log to stderr", e);
            }
            h = new FlushingHandler(out);
        }
        install(h, level);
    }

    /** Libraries whose logs start at warnings. */
    private static final java.util.List<String> LIBRARIES = java.util.List.of("io.netty", "org.apache.ratis");
    private static final java.util.Set<Logger> KEPT = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private static void install(Handler h, LogLevel level) {
        LogManager.getLogManager().reset(); // closes the handlers installed before
        Logger root = Logger.getLogger("");
        h.setLevel(Level.ALL);
        h.setFormatter(new LineFormatter());
        root.addHandler(h);
        root.setLevel(level.jul);
        // Netty's and Ratis's own chatter only from warnings up, whatever our level. The loggers
        // are kept: JUL holds its loggers weakly, and a level set on one collected is lost.
        Level libraries = level.jul.intValue() > Level.WARNING.intValue() ? level.jul : Level.WARNING;
        for (String name : LIBRARIES) {
            Logger l = Logger.getLogger(name);
            l.setLevel(libraries);
            KEPT.add(l);
        }
    }

    /** A file handler that writes each line through at once, as stderr does. */
    private static final class FlushingHandler extends StreamHandler {
        FlushingHandler(OutputStream out) {
            setOutputStream(out);
        }

        @Override
        public synchronized void publish(LogRecord r) {
            super.publish(r);
            flush();
        }
    }

    private static final class LineFormatter extends Formatter {
        @Override
        public String format(LogRecord r) {
            StringBuilder sb = new StringBuilder(128)
                    .append(Instant.ofEpochMilli(r.getMillis())).append(' ')
                    .append(name(r.getLevel())).append(' ')
                    .append(formatMessage(r)).append(System.lineSeparator());
            if (r.getThrown() != null) {
                StringWriter w = new StringWriter();
                r.getThrown().printStackTrace(new PrintWriter(w));
                sb.append(w);
            }
            return sb.toString();
        }

        private static String name(Level l) {
            if (l.intValue() >= Level.SEVERE.intValue()) {
                return "ERROR";
            }
            if (l.intValue() >= Level.WARNING.intValue()) {
                return "WARN ";
            }
            if (l.intValue() >= Level.INFO.intValue()) {
                return "INFO ";
            }
            return "DEBUG";
        }
    }
}
