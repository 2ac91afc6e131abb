package dev.onlinenow;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/** A clock that tests move by hand: thresholds pass in a microsecond, never by sleeping. */
public final class MutableClock extends Clock {

    private final AtomicLong millis;
    /* the monotonic side: moved by advance() only, so step() can imitate an NTP correction */
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    public MutableClock(Instant start) {
        this.millis = new AtomicLong(start.toEpochMilli());
    }

    public MutableClock() {
        this(Instant.parse("2026-01-01T00:00:00Z"));
    }

    /** Time passes: the wall clock and the ticker move together. */
    public void advance(Duration d) {
        millis.addAndGet(d.toMillis());
        nanos.addAndGet(d.toNanos());
    }

    /** The wall clock is set forward or back (NTP, an operator) while no time passes: the ticker stays. */
    public void step(Duration d) {
        millis.addAndGet(d.toMillis());
    }

    /** The monotonic ticker that moves with {@link #advance} (and not with {@link #step} or {@link #set}). */
    public Ticker ticker() {
        return nanos::get;
    }

    public void set(Instant instant) {
        millis.set(instant.toEpochMilli());
    }

    @Override
    public long millis() {
        return millis.get();
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis.get());
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException();
    }
}
