package kvs.client.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import kvs.client.ClientOptions;
import kvs.client.KvsClient;
import kvs.client.OutcomeUnknownException;
import kvs.client.history.History;
import kvs.client.history.Linearizability;
import kvs.client.history.Op;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three kvs-server processes in a group, under writes, reads and removes from clients that follow
 * the leader, while a member is killed (-9) and restarted, or paused (SIGSTOP) and resumed. Each
 * run's history (invoke, then ok, fail or unknown, with times) must be linearizable, key by key,
 * and no call may take much longer than the clients' timeout.
 */
@Timeout(300)
class GroupFaultTest {

    private static final int CLIENTS = 4;
    private static final int KEYS = 5;
    private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(6);

    @TempDir
    Path dir;

    @Test
    void killTheLeader_andRestartIt() throws Exception {
        run("leader-kill", (group, leader) -> {
            group.kill(leader);
            Thread.sleep(2000);
            group.start(leader);
        });
    }

    @Test
    void pauseTheLeader_andResumeIt() throws Exception {
        run("leader-pause", (group, leader) -> {
            group.signal(leader, true);
            Thread.sleep(3000);
            group.signal(leader, false);
        });
    }

    @Test
    void killAFollower() throws Exception {
        run("follower-kill", (group, leader) -> group.kill((leader + 1) % group.size));
    }

    interface Fault {
        void inject(Group group, int leader) throws Exception;
    }

    private void run(String name, Fault fault) throws Exception {
        History history = new History();
        AtomicLong longestCallNanos = new AtomicLong();
        try (Group group = new Group(3, dir.resolve(name), List.of("--raft-election-timeout", "500ms",
                "--raft-snapshot-every", "200", "--raft-log-segment-bytes", "64KiB"))) {
            group.startAll();
            int leader = group.awaitLeader(Duration.ofSeconds(60));
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> clients = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                int process = c;
                Thread t = new Thread(() -> work(group, process, history, stop, longestCallNanos), "client-" + c);
                clients.add(t);
                t.start();
            }
            Thread.sleep(2000);
            fault.inject(group, leader);
            Thread.sleep(4000);
            stop.set(true);
            for (Thread t : clients) {
                t.join(Duration.ofSeconds(30).toMillis());
                assertTrue(!t.isAlive(), t.getName() + " still running: a call hangs");
            }
            // What the surviving majority holds, read through the leader, in the history too.
            try (KvsClient c = KvsClient.connect(group.clientAddresses,
                    new ClientOptions(Duration.ofSeconds(1), Duration.ofSeconds(20)))) {
                for (int k = 0; k < KEYS; k++) {
                    long op = history.invoke(CLIENTS, Op.read("k" + k));
                    history.ok(op, text(c.get(bytes("k" + k))));
                }
            }
            Linearizability.Result result = Linearizability.check(history);
            java.util.Map<String, Long> outcomes = new java.util.TreeMap<>();
            history.calls().forEach(call -> outcomes.merge(call.op().kind() + " " + call.outcome(), 1L, Long::sum));
            System.out.println(name + ": " + outcomes + ", search steps " + result.steps()
                    + ", longest call " + longestCallNanos.get() / 1_000_000 + " ms");
            assertEquals(Linearizability.Verdict.LINEARIZABLE, result.verdict(), () -> name + ": "
                    + result.explanation() + "\nlogs:\n" + group.logs());
        }
        long acknowledged = history.calls().stream().filter(c -> c.op().kind() != Op.Kind.READ && c.isOk()).count();
        assertTrue(acknowledged > 50, name + ": only " + acknowledged + " writes acknowledged");
        assertTrue(longestCallNanos.get() < CLIENT_TIMEOUT.toNanos() + Duration.ofSeconds(3).toNanos(),
                name + ": a call took " + longestCallNanos.get() / 1_000_000 + " ms, the timeout is "
                        + CLIENT_TIMEOUT.toMillis() + " ms");
    }

    /** One client: random writes, removes and reads on a few keys until {@code stop}, each recorded. */
    private static void work(Group group, int process, History history, AtomicBoolean stop, AtomicLong longest) {
        Random rnd = new Random(process);
        KvsClient c = null;
        try {
            for (int n = 0; n < 100_000 && !stop.get(); n++) {
                if (c == null) {
                    try {
                        c = KvsClient.connect(group.clientAddresses, new ClientOptions(Duration.ofSeconds(1),
                                CLIENT_TIMEOUT));
                    } catch (IOException noMemberYet) {
                        Thread.sleep(100);
                        continue;
                    }
                }
                String key = "k" + rnd.nextInt(KEYS);
                int kind = rnd.nextInt(10);
                Op op = kind < 5 ? Op.write(key, "p" + process + "-" + n) : kind < 6 ? Op.remove(key) : Op.read(key);
                long id = history.invoke(process, op);
                long start = System.nanoTime();
                try {
                    switch (op.kind()) {
                        case WRITE -> {
                            c.set(bytes(key), bytes(op.value()));
                            history.ok(id, null);
                        }
                        case REMOVE -> {
                            c.remove(bytes(key));
                            history.ok(id, null);
                        }
                        case READ -> history.ok(id, text(c.get(bytes(key))));
                    }
                } catch (OutcomeUnknownException e) {
                    history.unknown(id);
                } catch (IOException e) {
                    // Refused, or never sent: not applied (the client reports a write that may have
                    // been as OutcomeUnknownException). A read not answered applied nothing.
                    history.fail(id);
                }
                longest.accumulateAndGet(System.nanoTime() - start, Math::max);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (c != null) {
                try {
                    c.close();
                } catch (IOException ignored) {
                    // the member it talked to may be gone
                }
            }
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }
}
