package kvs.dist;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs the launchers and other programs as child processes, each bounded in time. */
final class Shell {

    private static final Pattern LISTENING = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");

    private final Path work;
    private final Map<String, String> env;
    private int count;

    /** Output files go to {@code work}; {@code env} is added to this process's environment. */
    Shell(Path work, Map<String, String> env) {
        this.work = work;
        this.env = env;
    }

    /** What a finished command did. */
    record Result(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + ", stdout [" + out + "], stderr [" + err + "]";
        }
    }

    /** Runs {@code command} to its end (at most 120 s: a first run may train a class archive). */
    Result run(String... command) throws IOException, InterruptedException {
        int n = ++count;
        Path out = work.resolve("out-" + n);
        Path err = work.resolve("err-" + n);
        Process p = builder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("still running after 120 s: " + List.of(command)
                    + "; stderr: " + Files.readString(err, UTF_8));
        }
        return new Result(p.exitValue(), Files.readString(out, UTF_8), Files.readString(err, UTF_8));
    }

    /** Starts {@code command} (a kvs-server) and waits for its "listening on" line: its port. */
    Server startServer(String... command) throws IOException, InterruptedException {
        Path log = work.resolve("server-" + (++count) + ".log");
        Process p = builder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline && p.isAlive()) {
            Matcher m = LISTENING.matcher(Files.readString(log, UTF_8));
            if (m.find()) {
                return new Server(p, Integer.parseInt(m.group(1)), log);
            }
            Thread.sleep(50);
        }
        p.destroyForcibly();
        throw new AssertionError("kvs-server did not start: " + Files.readString(log, UTF_8));
    }

    private ProcessBuilder builder(String... command) {
        ProcessBuilder b = new ProcessBuilder(command).directory(work.toFile());
        b.environment().putAll(env);
        return b;
    }

    /** A running kvs-server started by a launcher. */
    record Server(Process process, int port, Path log) implements AutoCloseable {

        String addr() {
            return "127.0.0.1:" + port;
        }

        /** Stops it with SIGTERM, as an operator would; returns its exit code. */
        int stop() throws IOException, InterruptedException {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("kvs-server ignored SIGTERM for 60 s: " + Files.readString(log, UTF_8));
            }
            return process.exitValue();
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }

    /** Writes an executable shell script. */
    static Path script(Path file, String body) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, "#!/bin/sh\n" + body + "\n", UTF_8);
        file.toFile().setExecutable(true);
        return file;
    }
}
