package kvs.common;

import java.net.InetSocketAddress;

/**
 * A {@code HOST:PORT} address as users type it: {@code 127.0.0.1:4000}, {@code localhost:4000}
 * or a bracketed IPv6 literal such as {@code [::1]:4000}.
 *
 * <p>Parsing never resolves names; {@link #toSocketAddress()} does, when the address is used.
 */
public record HostPort(String host, int port) {

    /** What a good address looks like; every parse error ends with it. */
    public static final String EXPECTED =
            "expected HOST:PORT with a port from 0 to 65535, e.g. 127.0.0.1:4000 or [::1]:4000";

    public HostPort {
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("empty host; " + EXPECTED);
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " out of range; " + EXPECTED);
        }
    }

    /**
     * Parses {@code HOST:PORT}.
     *
     * @throws IllegalArgumentException naming what is wrong and what a good address looks like
     */
    public static HostPort parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty address; " + EXPECTED);
        }
        String host;
        String port;
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0 || close + 1 >= text.length() || text.charAt(close + 1) != ':') {
                throw bad(text);
            }
            host = text.substring(1, close);
            port = text.substring(close + 2);
            if (host.isEmpty() || !host.contains(":")) {
                throw bad(text);
            }
        } else {
            int colon = text.lastIndexOf(':');
            if (colon <= 0 || text.indexOf(':') != colon) {
                // No colon, empty host, or an unbracketed IPv6 literal.
                throw bad(text);
            }
            host = text.substring(0, colon);
            port = text.substring(colon + 1);
        }
        if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw bad(text);
        }
        int p = Integer.parseInt(port);
        if (p > 65535) {
            throw bad(text);
        }
        return new HostPort(host, p);
    }

    private static IllegalArgumentException bad(String text) {
        return new IllegalArgumentException("invalid address '" + text + "': " + EXPECTED);
    }

    /** Resolves the host; the result may be unresolved if the name is unknown. */
    public InetSocketAddress toSocketAddress() {
        return new InetSocketAddress(host, port);
    }

    @Override
    public String toString() {
        return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
    }
}
