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

    /**
     * A bound or connected socket's address as people write it: an IPv6 address compressed as
     * RFC 5952 has it ({@code [::1]:4000}, not {@code [0:0:0:0:0:0:0:1]:4000}).
     */
    public static HostPort of(InetSocketAddress address) {
        java.net.InetAddress ip = address.getAddress();
        String host = ip instanceof java.net.Inet6Address v6 ? compressed(v6.getAddress()) : address.getHostString();
        return new HostPort(host, address.getPort());
    }

    /** RFC 5952: lower-case hex groups without leading zeros, the longest run of 2+ zero groups as "::". */
    static String compressed(byte[] v6) {
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((v6[2 * i] & 0xff) << 8) | (v6[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 1; // a single zero group is not compressed
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                b.append("::");
                i += bestLength - 1;
                continue;
            }
            if (b.length() > 0 && b.charAt(b.length() - 1) != ':') {
                b.append(':');
            }
            b.append(Integer.toHexString(groups[i]));
        }
        return b.toString();
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
