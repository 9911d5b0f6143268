package kvs.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import kvs.common.Frames;
import kvs.proto.Request;
import kvs.proto.Response;

/** A test connection that writes raw bytes or framed requests and reads framed responses. */
final class RawSocket implements AutoCloseable {
    final Socket socket;
    final InputStream in;
    final OutputStream out;

    RawSocket(InetSocketAddress address) throws IOException {
        socket = new Socket();
        socket.connect(address, 5000);
        socket.setSoTimeout(10_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    void send(Request request) throws IOException {
        send(Frames.encode(request));
    }

    /** The next response, or null if the server closed the connection. */
    Response read() throws IOException {
        byte[] frame = Frames.read(in, Integer.MAX_VALUE - 8);
        return frame == null ? null : Response.parseFrom(frame);
    }

    Response call(Request request) throws IOException {
        send(request);
        return read();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
