package kvs.client;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import kvs.common.Frames;
import kvs.common.HostPort;
import kvs.proto.Error;
import kvs.proto.ErrorCode;
import kvs.proto.Request;
import kvs.proto.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A client following a group's members (Session), against members that misbehave on purpose (issue 15). */
@Timeout(60)
class SessionFollowTest {

    /** What a fake member does with a request it read: answer with a response, or null to say nothing. */
    interface Behaviour {
        Response answer(Request request, Socket connection) throws IOException;
    }

    final List<ServerSocket> sockets = new ArrayList<>();

    @AfterEach
    void close() throws IOException {
        for (ServerSocket s : sockets) {
            s.close();
        }
    }

    HostPort member(Behaviour behaviour) throws IOException {
        ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        sockets.add(s);
        Thread t = new Thread(() -> {
            while (!s.isClosed()) {
                try {
                    Socket c = s.accept();
                    Thread h = new Thread(() -> {
                        try (c) {
                            InputStream in = c.getInputStream();
                            OutputStream out = c.getOutputStream();
                            for (byte[] frame; (frame = Frames.read(in, 1 << 20)) != null; ) {
                                Response r = behaviour.answer(Request.parseFrom(frame), c);
                                if (c.isClosed()) {
                                    return;
                                }
                                if (r != null) {
                                    Frames.write(out, r);
                                    out.flush();
                                }
                            }
                        } catch (IOException ignored) {
                            // the client went
                        }
                    });
                    h.setDaemon(true);
                    h.start();
                } catch (IOException ignored) {
                    return;
                }
            }
        });
        t.setDaemon(true);
        t.start();
        return new HostPort("127.0.0.1", s.getLocalPort());
    }

    static Response error(Request r, ErrorCode code, String leader) {
        Error.Builder e = Error.newBuilder().setCode(code).setMessage(code + " (a fake member)");
        if (leader != null) {
            e.setLeaderAddr(leader);
        }
        return Response.newBuilder().setId(r.getId()).setError(e).build();
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * One member answers NOT_LEADER late in the client's time, naming a leader that takes the
     * write and never answers (stopped, SIGSTOP): the call must still end about when its time is up.
     */
    @Test
    void aCall_endsWhenItsTimeIsUp_evenIfTheLastMemberTriedNeverAnswers() throws Exception {
        HostPort stuck = member((r, c) -> null);
        HostPort slow = member((r, c) -> {
            try {
                Thread.sleep(800);
            } catch (InterruptedException e) {
                throw new java.io.InterruptedIOException();
            }
            return error(r, ErrorCode.NOT_LEADER, stuck.toString());
        });
        ClientOptions options = new ClientOptions(Duration.ofSeconds(1), Duration.ofSeconds(1));
        try (KvsClient kvs = KvsClient.connect(List.of(slow, stuck), options)) {
            long start = System.nanoTime();
            assertThrows(OutcomeUnknownException.class, () -> kvs.set(b("k"), b("v")));
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms < 1_500, "a call with a timeout of 1 s lasted " + ms + " ms");
        }
    }

    /**
     * The write reached a member whose connection then failed (it may have applied); the next
     * member refuses the retry for want of memory (RESOURCE_EXHAUSTED, before its log): that
     * settles nothing about the first, so the write's outcome is unknown, not failed.
     */
    @Test
    void aWriteThatMayHaveApplied_isNotReportedFailed_whenItsRetryIsRefusedForWantOfMemory() throws Exception {
        HostPort full = member((r, c) -> error(r, ErrorCode.RESOURCE_EXHAUSTED, null));
        HostPort lost = member((r, c) -> {
            if (r.hasSet()) {
                c.close(); // the write was taken, then the connection lost
            }
            return error(r, ErrorCode.NOT_LEADER, null);
        });
        ClientOptions options = new ClientOptions(Duration.ofSeconds(1), Duration.ofSeconds(1));
        try (KvsClient kvs = KvsClient.connect(List.of(lost, full), options)) {
            IOException e = assertThrows(IOException.class, () -> kvs.set(b("k"), b("v")));
            assertTrue(e instanceof OutcomeUnknownException, "the write may have applied, but the client said: " + e);
        }
    }
}
