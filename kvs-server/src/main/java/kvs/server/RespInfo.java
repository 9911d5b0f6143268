package kvs.server;

import java.util.List;
import java.util.Map;

/**
 * {@code INFO}'s text, in Redis's format ({@code # Section} lines, then {@code name:value} lines,
 * CRLF-ended, sections apart by an empty line), made from the server's figures (the kvs
 * protocol's {@code Stats}). The fields are Redis's where kvs has the same figure; a {@code kvs}
 * section gives all of kvs's own.
 */
final class RespInfo {

    /** The sections {@code INFO} with no argument gives, as Redis's default does. */
    static final List<String> DEFAULT = List.of("server", "clients", "stats", "persistence", "keyspace");
    private static final List<String> ALL = List.of("server", "clients", "stats", "persistence",
            "keyspace", "kvs");

    private RespInfo() {
    }

    static String render(Map<String, Long> s, List<String> asked, ServerConfig config, int port) {
        List<String> sections = asked.isEmpty() || asked.contains("default") ? DEFAULT
                : asked.contains("all") || asked.contains("everything") ? ALL : asked;
        StringBuilder b = new StringBuilder();
        for (String section : ALL) {
            if (!sections.contains(section)) {
                continue;
            }
            if (b.length() > 0) {
                b.append("\r\n");
            }
            b.append("# ").append(Character.toUpperCase(section.charAt(0))).append(section.substring(1))
                    .append("\r\n");
            switch (section) {
                case "server" -> {
                    long uptime = s.getOrDefault("uptime_ms", 0L) / 1000;
                    line(b, "redis_version", RespCommands.REDIS_VERSION);
                    line(b, "kvs_version", RespCommands.kvsVersion());
                    line(b, "redis_mode", "standalone");
                    line(b, "os", System.getProperty("os.name") + " " + System.getProperty("os.version")
                            + " " + System.getProperty("os.arch"));
                    line(b, "process_id", ProcessHandle.current().pid());
                    line(b, "tcp_port", port);
                    line(b, "uptime_in_seconds", uptime);
                    line(b, "uptime_in_days", uptime / 86400);
                    line(b, "executable", "kvs-server");
                }
                case "clients" -> {
                    line(b, "connected_clients", s.getOrDefault("connections_current", 0L));
                    line(b, "maxclients", config.maxConnections());
                }
                case "stats" -> {
                    long commands = 0;
                    for (Map.Entry<String, Long> e : s.entrySet()) {
                        if (e.getKey().startsWith("requests_")) {
                            commands += e.getValue();
                        }
                    }
                    line(b, "total_connections_received", s.getOrDefault("connections_total", 0L));
                    line(b, "total_commands_processed", commands);
                    line(b, "total_net_input_bytes", s.getOrDefault("bytes_in", 0L));
                    line(b, "total_net_output_bytes", s.getOrDefault("bytes_out", 0L));
                    line(b, "rejected_connections", s.getOrDefault("connections_refused", 0L));
                    line(b, "expired_keys", s.getOrDefault("expired_keys", 0L));
                    line(b, "evicted_keys", 0);
                }
                case "persistence" -> {
                    line(b, "loading", 0);
                    line(b, "aof_enabled", 1);
                    line(b, "aof_rewrite_in_progress", 0);
                    line(b, "aof_rewrites", s.getOrDefault("compactions", 0L));
                    line(b, "aof_last_write_status", s.getOrDefault("read_only", 0L) == 0 ? "ok" : "err");
                    line(b, "kvs_sync", config.store().sync());
                    line(b, "kvs_fsyncs", s.getOrDefault("fsyncs", 0L));
                    line(b, "kvs_read_only", s.getOrDefault("read_only", 0L));
                }
                case "keyspace" -> {
                    long keys = s.getOrDefault("keys", 0L);
                    if (keys > 0) {
                        line(b, "db0", "keys=" + keys + ",expires=" + s.getOrDefault("keys_with_expiry", 0L)
                                + ",avg_ttl=0");
                    }
                }
                case "kvs" -> {
                    for (Map.Entry<String, Long> e : new java.util.TreeMap<>(s).entrySet()) {
                        line(b, e.getKey(), e.getValue());
                    }
                }
                default -> throw new AssertionError(section);
            }
        }
        return b.toString();
    }

    private static void line(StringBuilder b, String name, Object value) {
        b.append(name).append(':').append(value).append("\r\n");
    }
}
