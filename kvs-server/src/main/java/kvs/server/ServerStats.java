package kvs.server;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import kvs.proto.ErrorCode;
import kvs.proto.Request;
import kvs.store.StoreStats;

/**
 * The server's counters, for the {@code Stats} request (docs/PROTOCOL.md, "Stats"). Updated from
 * event loops and store threads alike: every counter is a {@link LongAdder}, except the open
 * connections, which {@link ConnectionGate} checks and increments in one atomic step.
 */
final class ServerStats {

    private final long startedNanos = System.nanoTime();
    /** Connections admitted and still open; changed only by {@link ConnectionGate}. */
    final AtomicInteger connectionsCurrent = new AtomicInteger();
    final LongAdder connectionsTotal = new LongAdder();
    final LongAdder connectionsRefused = new LongAdder();
    final LongAdder bytesIn = new LongAdder();
    final LongAdder bytesOut = new LongAdder();
    private final Map<Request.CommandCase, LongAdder> requests = new EnumMap<>(Request.CommandCase.class);
    private final Map<ErrorCode, LongAdder> errors = new EnumMap<>(ErrorCode.class);
    private final MemoryBudget pendingRequests;
    private final MemoryBudget unsentResponses;

    /** Without budgets of its own (tests): they read 0. */
    ServerStats() {
        this(new MemoryBudget("pending requests", Long.MAX_VALUE),
                new MemoryBudget("unsent responses", Long.MAX_VALUE));
    }

    ServerStats(MemoryBudget pendingRequests, MemoryBudget unsentResponses) {
        this.pendingRequests = pendingRequests;
        this.unsentResponses = unsentResponses;
        for (Request.CommandCase c : Request.CommandCase.values()) {
            requests.put(c, new LongAdder());
        }
        for (ErrorCode c : ErrorCode.values()) {
            if (c != ErrorCode.UNRECOGNIZED) {
                errors.put(c, new LongAdder());
            }
        }
    }

    void request(Request.CommandCase command) {
        requests.get(command).increment();
    }

    void error(ErrorCode code) {
        LongAdder a = errors.get(code);
        if (a != null) {
            a.increment();
        }
    }

    /** Every figure by name, sorted; the store's figures included. */
    Map<String, Long> snapshot(StoreStats store) {
        Map<String, Long> m = new TreeMap<>();
        m.put("uptime_ms", (System.nanoTime() - startedNanos) / 1_000_000);
        m.put("connections_current", (long) connectionsCurrent.get());
        m.put("connections_total", connectionsTotal.sum());
        m.put("connections_refused", connectionsRefused.sum());
        m.put("bytes_in", bytesIn.sum());
        m.put("bytes_out", bytesOut.sum());
        m.put("pending_request_bytes", pendingRequests.used());
        m.put("unsent_response_bytes", unsentResponses.used());
        for (Map.Entry<Request.CommandCase, LongAdder> e : requests.entrySet()) {
            String name = e.getKey() == Request.CommandCase.COMMAND_NOT_SET ? "none"
                    : e.getKey().name().toLowerCase(Locale.ROOT);
            m.put("requests_" + name, e.getValue().sum());
        }
        for (Map.Entry<ErrorCode, LongAdder> e : errors.entrySet()) {
            if (e.getKey() != ErrorCode.ERROR_CODE_UNSPECIFIED) {
                m.put("errors_" + e.getKey().name().toLowerCase(Locale.ROOT), e.getValue().sum());
            }
        }
        m.put("keys", store.keys());
        m.put("live_bytes", store.liveBytes());
        m.put("dead_bytes", store.deadBytes());
        m.put("segments", (long) store.segments());
        m.put("compactions", store.compactions());
        m.put("last_compaction_ms", store.lastCompactionMillis());
        m.put("fsyncs", store.fsyncs());
        m.put("damaged_reads", store.damagedReads());
        m.put("damaged_files", (long) store.damagedFiles());
        m.put("read_only", store.readOnly() ? 1L : 0L);
        m.put("keys_with_expiry", store.keysWithExpiry());
        m.put("expired_keys", store.expiredKeys());
        return m;
    }
}
