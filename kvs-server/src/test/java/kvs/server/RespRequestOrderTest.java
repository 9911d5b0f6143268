package kvs.server;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import kvs.common.HostPort;
import kvs.store.StoreOptions;
import kvs.store.SyncPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * RequestOrderTest for the RESP listener: pipelined commands, some answered on the event loop
 * (small values), some on a store thread (values over 64 KiB; writes that seal the active file,
 * kept small here), some made of several kvs requests (MGET, DEL), some answered without the
 * store (PING, errors). Replies carry no ids: they must come in request order, each as a
 * one-at-a-time client would have seen it.
 */
@Timeout(60)
class RespRequestOrderTest {

    @TempDir
    Path dir;
    private KvsServer server;

    @AfterEach
    void stop() throws IOException {
        if (server != null) {
            server.close();
        }
    }

    private static String bulk(String s) {
        return s == null ? "$-1\r\n" : "$" + s.length() + "\r\n" + s + "\r\n";
    }

    @ParameterizedTest
    @EnumSource(value = SyncPolicy.class, names = {"NEVER", "ALWAYS"})
    void pipelinedMixOfInlineAndOffloadedCommands_repliesInRequestOrder(SyncPolicy sync) throws Exception {
        server = KvsServer.start(ServerConfig.of(new HostPort("127.0.0.1", 0), dir)
                .withRespAddress(new HostPort("127.0.0.1", 0))
                .withStore(StoreOptions.defaults().withSync(sync).withMaxSegmentBytes(512 * 1024)));
        Random random = new Random(sync.ordinal() + 11);
        Map<String, String> model = new HashMap<>();
        ByteArrayOutputStream commands = new ByteArrayOutputStream();
        List<String> expected = new ArrayList<>();
        List<String> described = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            String key = "k" + random.nextInt(8);
            String other = "k" + random.nextInt(8);
            String[] command;
            String reply;
            switch (random.nextInt(10)) {
                case 0, 1, 2 -> {
                    // Small values mostly; one in three over the event loop's 64 KiB.
                    byte[] v = new byte[random.nextInt(3) == 0 ? 70_000 + random.nextInt(10_000) : random.nextInt(200)];
                    random.nextBytes(v);
                    String value = new String(v, ISO_8859_1);
                    model.put(key, value);
                    command = new String[] {"SET", key, value};
                    reply = "+OK\r\n";
                }
                case 3, 4, 5 -> {
                    command = new String[] {"GET", key};
                    reply = bulk(model.get(key));
                }
                case 6 -> {
                    command = new String[] {"MGET", key, other};
                    reply = "*2\r\n" + bulk(model.get(key)) + bulk(model.get(other));
                }
                case 7 -> {
                    command = new String[] {"DEL", key, other};
                    int removed = (model.remove(key) != null ? 1 : 0) + (model.remove(other) != null ? 1 : 0);
                    reply = ":" + removed + "\r\n";
                }
                case 8 -> {
                    command = new String[] {"STRLEN", key};
                    reply = ":" + (model.containsKey(key) ? model.get(key).length() : 0) + "\r\n";
                }
                default -> {
                    boolean ping = random.nextBoolean();
                    command = ping ? new String[] {"PING"} : new String[] {"NOPE", key};
                    reply = ping ? "+PONG\r\n" : "-ERR unknown command 'NOPE', with args beginning with: '" + key + "' \r\n";
                }
            }
            commands.writeBytes(RespDecoderTest.multibulk(command));
            expected.add(reply);
            described.add(command[0] + " " + command[1 % command.length] + (command.length > 2 ? " ..." : ""));
        }
        byte[] bytes = commands.toByteArray();
        try (RespSocket c = new RespSocket(server.respAddress())) {
            // All at once in large writes, from another thread: the client reads meanwhile, or
            // both sides would block on full buffers.
            Thread sender = new Thread(() -> {
                try {
                    for (int at = 0; at < bytes.length; at += 256 * 1024) {
                        c.send(java.util.Arrays.copyOfRange(bytes, at, Math.min(bytes.length, at + 256 * 1024)));
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            sender.start();
            for (int i = 0; i < expected.size(); i++) {
                String got = c.reply();
                if (!expected.get(i).equals(got)) {
                    // The message names the command; the bytes of a 70 KB value are not printed.
                    assertEquals(clip(expected.get(i)), clip(got), "reply " + i + " to " + described.get(i));
                    assertEquals(expected.get(i).length(), got.length(), "reply " + i + " to " + described.get(i));
                    throw new AssertionError("reply " + i + " to " + described.get(i) + " differs");
                }
            }
            sender.join(10_000);
            assertFalse(sender.isAlive(), "the sender finished");
        }
    }

    private static String clip(String s) {
        return s == null || s.length() < 100 ? s : s.substring(0, 100) + "... (" + s.length() + " chars)";
    }

    /** A GET that goes to a store thread (3 MiB) and the PINGs after it, which wait their turn. */
    @Test
    void offloadedGetThenInlineCommands_inlineOnesWaitTheirTurn() throws IOException {
        server = KvsServer.start(ServerConfig.of(new HostPort("127.0.0.1", 0), dir)
                .withRespAddress(new HostPort("127.0.0.1", 0)));
        byte[] big = new byte[3 * 1024 * 1024];
        new Random(1).nextBytes(big);
        server.store().set("big".getBytes(ISO_8859_1), big);
        try (RespSocket c = new RespSocket(server.respAddress())) {
            c.send("GET big\r\n" + "PING\r\n".repeat(49));
            assertEquals(bulk(new String(big, ISO_8859_1)), c.reply());
            for (int i = 0; i < 49; i++) {
                assertEquals("+PONG\r\n", c.reply(), "ping " + i);
            }
        }
    }
}
