package kvs.store;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/** A clock a test sets and moves: expiry without sleeping (the server's tests use it too). */
public final class TestClock extends Clock {

    private final AtomicLong millis;

    public TestClock(long millis) {
        this.millis = new AtomicLong(millis);
    }

    /** A clock at 2026-12-07T00:00:00Z. */
    public TestClock() {
        this(Instant.parse("2026-12-07T00:00:00Z").toEpochMilli());
    }

    public void advance(long ms) {
        millis.addAndGet(ms);
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
        throw new UnsupportedOperationException("a test clock has one zone");
    }
}
