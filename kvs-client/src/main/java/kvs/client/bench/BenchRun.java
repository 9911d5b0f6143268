package kvs.client.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.Locale;
import kvs.common.HostPort;
import org.HdrHistogram.Histogram;

/**
 * One {@code kvs-client bench} run and its report: a live progress line on stderr when
 * interactive, then throughput and latency percentiles as text or JSON.
 *
 * <p>Apart from the command class on purpose: picocli reflects over every command's methods when
 * the command line is built, and the one-shot commands should not load the load tool's classes.
 */
public final class BenchRun {

    private BenchRun() {
    }

    /**
     * Runs the workload, prints the report; returns the number of errors. With {@code progress}, a
     * progress line is redrawn on {@code err} about once a second: the caller knows whether that
     * is a terminal, which a carriage return would garble otherwise.
     */
    public static long run(HostPort address, Workload w, boolean json, boolean progress, PrintWriter out,
            PrintWriter err) throws IOException, InterruptedException {
        LoadGenerator gen = new LoadGenerator(address, w);
        long[] last = {0, System.nanoTime()};
        LoadGenerator.Result r = gen.run(() -> {
            if (progress) {
                long done = gen.done();
                long now = System.nanoTime();
                double rate = (done - last[0]) / ((now - last[1]) / 1e9);
                last[0] = done;
                last[1] = now;
                Histogram h = gen.interval();
                err.printf(Locale.ROOT, "\r%,d requests, %,.0f/s, p99 %.3f ms, %d errors   ", done, rate,
                        h.getValueAtPercentile(99) / 1000.0, gen.errors());
                err.flush();
            }
        });
        if (progress) {
            err.print("\r" + " ".repeat(70) + "\r");
            err.flush();
        }
        out.print(json ? json(w, r) : text(w, r));
        out.flush();
        // One line a kind of error, with its count: a server that dies mid-run fails every
        // connection the same way.
        java.util.Map<String, Integer> kinds = new java.util.LinkedHashMap<>();
        for (String e : r.firstErrors()) {
            kinds.merge(e, 1, Integer::sum);
        }
        for (java.util.Map.Entry<String, Integer> e : kinds.entrySet()) {
            err.println("kvs-client bench: " + (e.getValue() > 1 ? e.getValue() + " x " : "") + e.getKey());
        }
        if (r.errors() > r.firstErrors().size()) {
            err.println("kvs-client bench: ... and " + (r.errors() - r.firstErrors().size()) + " more errors");
        }
        err.flush();
        return r.errors();
    }

    private static String text(Workload w, LoadGenerator.Result r) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%d clients, pipeline %d, %d-byte keys over %d keys,"
                + " %d-byte values, set:get %d:%d%s%n", w.clients(), w.pipeline(), w.keySize(), w.keys(),
                w.valueSize(), w.setWeight(), w.getWeight(),
                w.rate() > 0 ? String.format(Locale.ROOT, ", paced at %,.0f requests/s", w.rate()) : ""));
        if (w.warmup().toNanos() > 0) {
            sb.append(String.format(Locale.ROOT, "warm-up: %,d requests in %.2f s, checked and not counted%n",
                    r.warmupRequests(), w.warmup().toNanos() / 1e9));
        }
        sb.append(String.format(Locale.ROOT, "%,d requests in %.2f s: %,.0f requests/s (sets %,.0f/s,"
                + " gets %,.0f/s)%n", r.requests(), r.seconds(), r.requests() / r.seconds(),
                r.sets() / r.seconds(), r.gets() / r.seconds()));
        sb.append(String.format(Locale.ROOT, "latency ms %9s %9s %9s %9s %9s%n", "p50", "p90", "p99",
                "p99.9", "max"));
        line(sb, "all", r.allLatency());
        line(sb, "set", r.setLatency());
        line(sb, "get", r.getLatency());
        if (w.rate() > 0) {
            // Included in the latencies above: the generator's own lateness, shown so that it is
            // not mistaken for the server's.
            line(sb, "send lag", r.sendLag());
        }
        sb.append("errors: ").append(r.errors()).append(System.lineSeparator());
        return sb.toString();
    }

    private static void line(StringBuilder sb, String name, Histogram h) {
        if (h.getTotalCount() == 0) {
            return;
        }
        sb.append(String.format(Locale.ROOT, "%-10s %9.3f %9.3f %9.3f %9.3f %9.3f%n", name,
                h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(90) / 1000.0,
                h.getValueAtPercentile(99) / 1000.0, h.getValueAtPercentile(99.9) / 1000.0,
                h.getMaxValue() / 1000.0));
    }

    private static String json(Workload w, LoadGenerator.Result r) {
        return String.format(Locale.ROOT, "{\"clients\":%d,\"pipeline\":%d,\"keys\":%d,\"key_size\":%d,"
                + "\"value_size\":%d,\"set_weight\":%d,\"get_weight\":%d,\"requests\":%d,\"sets\":%d,"
                + "\"gets\":%d,\"errors\":%d,\"seconds\":%.3f,\"requests_per_second\":%.1f,"
                + "\"rate\":%.1f,\"latency_ms\":{\"all\":%s,\"set\":%s,\"get\":%s},\"send_lag_ms\":%s,"
                + "\"warmup_requests\":%d}%n",
                w.clients(), w.pipeline(),
                w.keys(), w.keySize(), w.valueSize(), w.setWeight(), w.getWeight(), r.requests(), r.sets(),
                r.gets(), r.errors(), r.seconds(), r.requests() / r.seconds(), w.rate(), json(r.allLatency()),
                json(r.setLatency()), json(r.getLatency()), json(r.sendLag()), r.warmupRequests());
    }

    private static String json(Histogram h) {
        if (h.getTotalCount() == 0) {
            return "null";
        }
        return String.format(Locale.ROOT, "{\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,\"p99_9\":%.3f,\"max\":%.3f}",
                h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(90) / 1000.0,
                h.getValueAtPercentile(99) / 1000.0, h.getValueAtPercentile(99.9) / 1000.0,
                h.getMaxValue() / 1000.0);
    }
}
