package kvs.server;

import static kvs.server.ServerTest.get;
import static kvs.server.ServerTest.rm;
import static kvs.server.ServerTest.set;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import kvs.proto.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real crashes: {@code kvs-server} as a child process, several clients writing and recording
 * every acknowledged write, then {@code kill -9} (or SIGTERM) at a random moment; after a restart
 * every acknowledged write must be there with its latest acknowledged value, and nothing that was
 * never written. Small data files and low compaction thresholds make sealing and compaction
 * happen during the run, so crashes land in them too. Bounded: a few rounds, seeds printed.
 */
class CrashTest {

    private static final String[] BUSY = {"--max-segment-bytes", "32KiB", "--compact-ratio", "0.3",
        "--compact-min-bytes", "32KiB"};
    private static final int WRITERS = 4;
    private static final int KEYS_PER_WRITER = 40;

    @TempDir
    Path dir;

    /** What one writer knows: acknowledged values (null: removed), and the one op in flight. */
    private static final class Ledger {
        final Map<String, String> acked = new ConcurrentHashMap<>();
        volatile String inFlightKey;
        volatile String inFlightValue;
        volatile boolean inFlightIsRemove;
    }

    @Test
    void kill9_atRandomMoments_keepsEveryAcknowledgedWrite() throws Exception {
        // The first round waits for a compaction before its crash, so that one crash at least
        // lands with merged files and hints on disk (and perhaps in the middle of the next merge);
        // the others crash after a random number of acknowledged writes, wherever that falls.
        assertTrue(runRound(1, false, true, new String[0]).contains("compacted"),
                "round 1 crashed before any compaction");
        runRound(2, false, false, new String[0]);
        runRound(3, false, false, new String[0]);
    }

    @Test
    void kill9_underSyncAlways_keepsEveryAcknowledgedWrite() throws Exception {
        runRound(4, false, false, new String[] {"--sync", "always"});
    }

    @Test
    void sigterm_whileClientsWrite_exits0_andKeepsEveryAcknowledgedWrite() throws Exception {
        runRound(5, true, false, new String[0]);
    }

    /**
     * One round; returns the first server's log. With {@code afterCompaction}, the crash comes a
     * random number of writes after the server first logs a compaction, not before.
     */
    private String runRound(long seed, boolean graceful, boolean afterCompaction, String[] extra)
            throws Exception {
        Path data = dir.resolve("round-" + seed);
        Random rnd = new Random(seed);
        List<Ledger> ledgers = new ArrayList<>();
        String[] args = concat(BUSY, extra);
        String log;
        try (ServerProcess server = ServerProcess.start(data, args)) {
            AtomicBoolean stop = new AtomicBoolean();
            int target = 300 + rnd.nextInt(1200);
            AtomicInteger acks = new AtomicInteger();
            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                Ledger ledger = new Ledger();
                ledgers.add(ledger);
                long writerSeed = seed * 100 + w;
                int id = w;
                Thread t = new Thread(() -> write(server, id, writerSeed, ledger, acks, stop), "writer-" + w);
                writers.add(t);
                t.start();
            }
            // Let writes, seals and compactions happen, then stop the server mid-stream.
            awaitAcks(acks, target, seed, server);
            if (afterCompaction) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (!server.log().contains("compacted") && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertTrue(server.log().contains("compacted"), "seed " + seed
                        + ": no compaction within 30 s of writes; log: " + server.log());
                awaitAcks(acks, acks.get() + rnd.nextInt(300), seed, server);
            }
            if (graceful) {
                server.process.toHandle().destroy();
                assertEquals(0, server.waitFor(30), "seed " + seed + ": " + server.log());
            } else {
                server.process.toHandle().destroyForcibly();
                server.waitFor(30);
            }
            stop.set(true);
            for (Thread t : writers) {
                t.join(10_000);
            }
            log = server.log();
        }
        try (ServerProcess server = ServerProcess.start(data, args);
                RawSocket c = new RawSocket(server.address)) {
            long id = 1;
            for (int w = 0; w < WRITERS; w++) {
                Ledger l = ledgers.get(w);
                for (int k = 0; k < KEYS_PER_WRITER; k++) {
                    String key = "w" + w + "-k" + k;
                    Response r = c.call(get(id++, key));
                    String got = r.getResultCase() == Response.ResultCase.VALUE
                            ? r.getValue().getValue().toStringUtf8() : null;
                    String want = l.acked.get(key);
                    boolean inFlight = key.equals(l.inFlightKey);
                    String maybe = inFlight && !l.inFlightIsRemove ? l.inFlightValue : null;
                    boolean ok = java.util.Objects.equals(got, want)
                            || (inFlight && java.util.Objects.equals(got, maybe));
                    if (!ok) {
                        fail("seed " + seed + ": " + key + " reads " + got + ", acknowledged " + want
                                + (inFlight ? ", in flight " + (l.inFlightIsRemove ? "rm" : maybe) : "")
                                + "; server log:\n" + server.log());
                    }
                }
            }
        }
        return log;
    }

    private static void awaitAcks(AtomicInteger acks, int target, long seed, ServerProcess server)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (acks.get() < target && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertTrue(acks.get() >= target, "seed " + seed + ": writers too slow (" + acks.get() + " of "
                + target + " acknowledged in 20 s); log: " + server.log());
    }

    /** One writer: sets and removes its own keys, one request at a time, recording each answer. */
    private static void write(ServerProcess server, int w, long seed, Ledger ledger, AtomicInteger acks,
            AtomicBoolean stop) {
        Random rnd = new Random(seed);
        try (RawSocket c = new RawSocket(server.address)) {
            for (long n = 1; !stop.get() && n < 1_000_000; n++) {
                String key = "w" + w + "-k" + rnd.nextInt(KEYS_PER_WRITER);
                boolean remove = rnd.nextInt(10) == 0;
                String value = "w" + w + "-n" + n + "-" + "x".repeat(rnd.nextInt(200));
                ledger.inFlightKey = key;
                ledger.inFlightValue = value;
                ledger.inFlightIsRemove = remove;
                Response r = c.call(remove ? rm(n, key) : set(n, key, value));
                if (r == null) {
                    return; // the server is gone
                }
                if (r.getResultCase() == Response.ResultCase.DONE) {
                    if (remove) {
                        ledger.acked.remove(key);
                    } else {
                        ledger.acked.put(key, value);
                    }
                } else if (r.getResultCase() == Response.ResultCase.NOT_FOUND && remove) {
                    ledger.acked.remove(key);
                } else {
                    return; // an error (shutting down): the op was not applied
                }
                ledger.inFlightKey = null;
                acks.incrementAndGet();
            }
        } catch (IOException e) {
            // The server died mid-request: the op in flight may or may not have been applied.
        }
    }

    /**
     * Batches under kill -9: each writer sends, in turn, {@code SetMany} requests and {@code Batch}
     * requests (one batch record each), each setting a random group of its keys to one value, a
     * {@code Batch} also removing one other key; values are large enough that batches span several
     * KiB and the data files' limit, so the crash often lands inside one. After a restart, every
     * key holds what the last acknowledged batch that wrote it left (a value, or nothing), or what
     * the batch in flight writes; and the batch in flight is there whole or not at all, its remove
     * included.
     */
    @Test
    void kill9_duringBatches_findsEachBatchWholeOrNotAtAll() throws Exception {
        for (long seed = 11; seed <= 13; seed++) {
            Path data = dir.resolve("batches-" + seed);
            Random rnd = new Random(seed);
            List<Ledger> ledgers = new ArrayList<>();
            List<List<String>> inFlight = new ArrayList<>();
            try (ServerProcess server = ServerProcess.start(data, BUSY)) {
                AtomicBoolean stop = new AtomicBoolean();
                AtomicInteger acks = new AtomicInteger();
                List<Thread> writers = new ArrayList<>();
                for (int w = 0; w < WRITERS; w++) {
                    Ledger ledger = new Ledger();
                    ledgers.add(ledger);
                    List<String> keys = java.util.Collections.synchronizedList(new ArrayList<>());
                    inFlight.add(keys);
                    long writerSeed = seed * 100 + w;
                    int id = w;
                    Thread t = new Thread(() -> writeBatches(server, id, writerSeed, ledger, keys, acks, stop),
                            "batch-writer-" + w);
                    writers.add(t);
                    t.start();
                }
                awaitAcks(acks, 50 + rnd.nextInt(200), seed, server);
                server.process.toHandle().destroyForcibly();
                server.waitFor(30);
                stop.set(true);
                for (Thread t : writers) {
                    t.join(10_000);
                }
            }
            try (ServerProcess server = ServerProcess.start(data, BUSY);
                    RawSocket c = new RawSocket(server.address)) {
                long id = 1;
                for (int w = 0; w < WRITERS; w++) {
                    Ledger l = ledgers.get(w);
                    List<String> batch = inFlight.get(w);
                    String removed = l.inFlightKey;
                    int ofTheBatchInFlight = 0;
                    String removedReads = null;
                    for (int k = 0; k < KEYS_PER_WRITER; k++) {
                        String key = "w" + w + "-k" + k;
                        Response r = c.call(get(id++, key));
                        String got = r.getResultCase() == Response.ResultCase.VALUE
                                ? r.getValue().getValue().toStringUtf8() : null;
                        boolean fromBatchInFlight = batch.contains(key) && got != null && got.equals(l.inFlightValue);
                        ofTheBatchInFlight += fromBatchInFlight ? 1 : 0;
                        if (key.equals(removed)) {
                            removedReads = got;
                            fromBatchInFlight = got == null;
                        }
                        if (!fromBatchInFlight && !java.util.Objects.equals(got, l.acked.get(key))) {
                            fail("seed " + seed + ": " + key + " reads " + abbreviate(got) + ", acknowledged "
                                    + abbreviate(l.acked.get(key)) + "; server log:\n" + server.log());
                        }
                    }
                    if (ofTheBatchInFlight != 0 && ofTheBatchInFlight != batch.size()) {
                        fail("seed " + seed + ": " + ofTheBatchInFlight + " of the " + batch.size()
                                + " keys of writer " + w + "'s batch in flight were found set: part of a batch");
                    }
                    if (removed != null && batch.size() > 0 && (ofTheBatchInFlight > 0) != (removedReads == null)
                            && l.acked.get(removed) != null) {
                        fail("seed " + seed + ": writer " + w + "'s batch in flight is found "
                                + (ofTheBatchInFlight > 0 ? "set but its remove of " + removed + " not applied"
                                        : "not set but its remove of " + removed + " applied") + ": part of a batch");
                    }
                }
                assertTrue(!server.log().contains("look like good records"), "a batch cut short by the crash"
                        + " is an interrupted write, nothing to set aside; log:\n" + server.log());
            }
        }
    }

    private static String abbreviate(String v) {
        return v == null ? null : v.substring(0, Math.min(v.length(), 24));
    }

    /**
     * One writer of batches: each sets 2 to 8 of its keys, all to one value of 500 to 4,000 bytes,
     * by turns as a {@code SetMany} and as a {@code Batch} that also removes one more of its keys;
     * {@code batchInFlight} holds the keys the one unanswered sets, the ledger's {@code
     * inFlightKey} the key it removes (null for none).
     */
    private static void writeBatches(ServerProcess server, int w, long seed, Ledger ledger,
            List<String> batchInFlight, AtomicInteger acks, AtomicBoolean stop) {
        Random rnd = new Random(seed);
        try (RawSocket c = new RawSocket(server.address)) {
            for (long n = 1; !stop.get() && n < 1_000_000; n++) {
                String value = "w" + w + "-n" + n + "-" + "x".repeat(500 + rnd.nextInt(3500));
                java.util.LinkedHashSet<String> keys = new java.util.LinkedHashSet<>();
                int size = 2 + rnd.nextInt(7);
                for (int i = 0; i < 100 && keys.size() < size; i++) {
                    keys.add("w" + w + "-k" + rnd.nextInt(KEYS_PER_WRITER));
                }
                String removed = null;
                for (int i = 0; i < 100 && n % 2 == 0 && removed == null; i++) {
                    String k = "w" + w + "-k" + rnd.nextInt(KEYS_PER_WRITER);
                    removed = keys.contains(k) ? null : k;
                }
                List<kvs.proto.Set> sets = new ArrayList<>();
                for (String k : keys) {
                    sets.add(kvs.proto.Set.newBuilder().setKey(com.google.protobuf.ByteString.copyFromUtf8(k))
                            .setValue(com.google.protobuf.ByteString.copyFromUtf8(value)).build());
                }
                kvs.proto.Request.Builder request = kvs.proto.Request.newBuilder().setId(n);
                if (n % 2 == 0) {
                    kvs.proto.Batch.Builder batch = kvs.proto.Batch.newBuilder();
                    sets.forEach(set -> batch.addWrites(kvs.proto.BatchWrite.newBuilder().setSet(set)));
                    if (removed != null) {
                        batch.addWrites(kvs.proto.BatchWrite.newBuilder().setRm(
                                kvs.proto.Rm.newBuilder().setKey(com.google.protobuf.ByteString.copyFromUtf8(removed))));
                    }
                    request.setBatch(batch);
                } else {
                    request.setSetMany(kvs.proto.SetMany.newBuilder().addAllSets(sets));
                }
                ledger.inFlightValue = value;
                ledger.inFlightKey = removed;
                batchInFlight.clear();
                batchInFlight.addAll(keys);
                Response r = c.call(request.build());
                if (r == null || r.getResultCase() != Response.ResultCase.DONE) {
                    return; // the server is gone, or refused it: nothing more is in flight
                }
                for (String k : keys) {
                    ledger.acked.put(k, value);
                }
                if (removed != null) {
                    ledger.acked.remove(removed);
                }
                ledger.inFlightKey = null;
                batchInFlight.clear();
                acks.incrementAndGet();
            }
        } catch (IOException e) {
            // The server died mid-request: the batch in flight may or may not have been applied.
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
