package kvs.server;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A replicated member's store clock: the group's log time, the leader's clock when it proposed
 * the newest entry applied here (docs/REPLICATION.md, "Time"). Every member applies an entry at
 * the entry's time, so what expiry decides (a conditional set, an incr, a sweep) is the same on
 * every member, whenever it applies the entry. It only moves forward.
 */
final class LogClock extends Clock {

    private final AtomicLong millis = new AtomicLong();

    /** Moves the clock to {@code time}, if that is later. */
    void advanceTo(long time) {
        millis.accumulateAndGet(time, Math::max);
    }

    @Override
    public long millis() {
        return millis.get();
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis());
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("the log's clock has one zone");
    }
}
