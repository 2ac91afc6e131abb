package dev.onlinenow.bench;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The clock a benchmark runs on, shared by the code under test and by Ehcache's TimeSource.
 *
 * <ul>
 *   <li>{@code real}: the system clock, as in production. Whether a touch writes depends on how
 *       fast the benchmark runs and how many users there are, so the write mix is whatever it is.</li>
 *   <li>{@code coalesced}: time stands still, so after setup every request is a repeat within a
 *       second of the same user's previous one: the best case for the online-now store.</li>
 *   <li>{@code writes}: time moves one second every {@value #OPS_PER_SECOND} requests, so almost
 *       every request comes more than a second after the same user's previous one and writes:
 *       the worst case for the online-now store (for 10k users about 95% of requests write, for
 *       1M users over 99.9%).</li>
 * </ul>
 */
final class BenchClock extends Clock {

    /** Requests per simulated second in {@code writes} mode. */
    static final int OPS_PER_SECOND = 1000;

    private final boolean real;
    private final boolean stepping;
    private final AtomicLong now = new AtomicLong(System.currentTimeMillis());

    private BenchClock(boolean real, boolean stepping) {
        this.real = real;
        this.stepping = stepping;
    }

    static BenchClock of(String mode) {
        switch (mode) {
            case "real":
                return new BenchClock(true, false);
            case "coalesced":
                return new BenchClock(false, false);
            case "writes":
                return new BenchClock(false, true);
            default:
                throw new IllegalArgumentException("unknown clock mode " + mode + "; use real, coalesced or writes");
        }
    }

    /** Called once per request by each benchmark thread with its own request count. */
    void tick(long threadOps) {
        if (stepping && threadOps % OPS_PER_SECOND == 0) {
            now.addAndGet(1000);
        }
    }

    @Override
    public long millis() {
        return real ? System.currentTimeMillis() : now.get();
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
        throw new UnsupportedOperationException();
    }
}
