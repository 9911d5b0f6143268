package kvs.server;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * A test connection to the RESP listener that writes raw bytes or commands and reads one reply at
 * a time as its raw bytes, taken as chars (ISO-8859-1: one to one), so that a test pins the wire
 * format: {@code "+OK\r\n"}, {@code "$1\r\nv\r\n"}.
 */
final class RespSocket implements AutoCloseable {
    final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    RespSocket(InetSocketAddress address) throws IOException {
        socket = new Socket();
        socket.connect(address, 5000);
        socket.setSoTimeout(10_000);
        in = new BufferedInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    void send(String chars) throws IOException {
        send(chars.getBytes(ISO_8859_1));
    }

    /** Sends one command as a multibulk, each argument's chars taken as bytes. */
    void command(String... args) throws IOException {
        send(RespDecoderTest.multibulk(args));
    }

    /** Sends a command and reads its reply. */
    String call(String... args) throws IOException {
        command(args);
        return reply();
    }

    /** The next whole reply, or null if the server closed the connection before it. */
    String reply() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int first = in.read();
        if (first < 0) {
            return null;
        }
        b.write(first);
        readReply(first, b);
        return b.toString(ISO_8859_1);
    }

    private void readReply(int type, ByteArrayOutputStream b) throws IOException {
        String line = readLine(b);
        switch (type) {
            case '+', '-', ':', '_', '#', ',' -> {
            }
            case '$' -> {
                int n = Integer.parseInt(line);
                if (n >= 0) {
                    b.write(readExactly(n + 2));
                }
            }
            case '*', '%', '~' -> {
                int n = Integer.parseInt(line);
                for (int i = 0; i < (type == '%' ? 2 * n : n); i++) {
                    int t = next();
                    b.write(t);
                    readReply(t, b);
                }
            }
            default -> throw new IOException("not a RESP reply: type byte " + type + " then " + line);
        }
    }

    /** Reads up to and with CRLF into {@code b}; returns the line without it. */
    private String readLine(ByteArrayOutputStream b) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c = next(); ; c = next()) {
            b.write(c);
            if (c == '\r') {
                int lf = next();
                b.write(lf);
                if (lf != '\n') {
                    throw new IOException("CR without LF in a reply line: " + line);
                }
                return line.toString();
            }
            line.append((char) c);
        }
    }

    private byte[] readExactly(int n) throws IOException {
        byte[] bytes = in.readNBytes(n);
        if (bytes.length < n) {
            throw new EOFException("the connection ended inside a reply");
        }
        return bytes;
    }

    private int next() throws IOException {
        int c = in.read();
        if (c < 0) {
            throw new EOFException("the connection ended inside a reply");
        }
        return c;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
