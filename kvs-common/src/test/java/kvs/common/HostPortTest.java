package kvs.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HostPortTest {

    @Test
    void parse_ipv4() {
        assertEquals(new HostPort("127.0.0.1", 4000), HostPort.parse("127.0.0.1:4000"));
    }

    @Test
    void parse_hostname() {
        assertEquals(new HostPort("localhost", 0), HostPort.parse("localhost:0"));
    }

    @Test
    void parse_bracketedIpv6() {
        HostPort hp = HostPort.parse("[::1]:4000");
        assertEquals(new HostPort("::1", 4000), hp);
        assertEquals("[::1]:4000", hp.toString());
    }

    @Test
    void toString_roundTrips() {
        assertEquals("127.0.0.1:65535", HostPort.parse("127.0.0.1:65535").toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "4000", ":4000", "127.0.0.1", "127.0.0.1:", "127.0.0.1:x",
        "127.0.0.1:65536", "127.0.0.1:-1", "::1:4000", "[::1]", "[::1]4000", "[]:4000",
        "[127.0.0.1]:4000", "host:4000:1", "127.0.0.1:123456"})
    void parse_malformed_saysWhatAGoodOneLooksLike(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HostPort.parse(text));
        assertTrue(e.getMessage().contains("127.0.0.1:4000"), e.getMessage());
    }

    @org.junit.jupiter.api.Test
    void ipv6_compressedAsRfc5952Writes() throws Exception {
        org.junit.jupiter.api.Assertions.assertEquals("::1", HostPort.compressed(
                java.net.InetAddress.getByName("0:0:0:0:0:0:0:1").getAddress()));
        org.junit.jupiter.api.Assertions.assertEquals("::", HostPort.compressed(new byte[16]));
        org.junit.jupiter.api.Assertions.assertEquals("2001:db8::1", HostPort.compressed(
                java.net.InetAddress.getByName("2001:0db8:0:0:0:0:0:1").getAddress()));
        org.junit.jupiter.api.Assertions.assertEquals("2001:db8:0:1:1:1:1:1", HostPort.compressed(
                java.net.InetAddress.getByName("2001:db8:0:1:1:1:1:1").getAddress()), "one zero group stays");
        org.junit.jupiter.api.Assertions.assertEquals("2001:0:0:1::1", HostPort.compressed(
                java.net.InetAddress.getByName("2001:0:0:1:0:0:0:1").getAddress()), "the longer run is compressed");
        org.junit.jupiter.api.Assertions.assertEquals("fe80::", HostPort.compressed(
                java.net.InetAddress.getByName("fe80:0:0:0:0:0:0:0").getAddress()));
        org.junit.jupiter.api.Assertions.assertEquals("[::1]:4000", HostPort.of(
                new java.net.InetSocketAddress(java.net.InetAddress.getByName("::1"), 4000)).toString());
        org.junit.jupiter.api.Assertions.assertEquals("127.0.0.1:4000", HostPort.of(
                new java.net.InetSocketAddress(java.net.InetAddress.getByName("127.0.0.1"), 4000)).toString());
    }
}
