package dev.onlinenow.live;

/**
 * A token bucket on a caller-supplied monotonic time in millis (the live layer's ticker), so tests
 * move time by hand and a step of the wall clock changes nothing. Holds up
 * to {@code capacity} tokens and gains {@code perSecond} tokens a second.
 */
final class TokenBucket {

    private final double capacity;
    private final double perMilli;
    private double tokens;
    private long last;

    TokenBucket(double capacity, double perSecond, long nowMillis) {
        if (capacity < 1 || perSecond <= 0) {
            throw new IllegalArgumentException("capacity " + capacity + ", perSecond " + perSecond);
        }
        this.capacity = capacity;
        this.perMilli = perSecond / 1000.0;
        this.tokens = capacity;
        this.last = nowMillis;
    }

    /** Takes one token if there is one. */
    synchronized boolean tryTake(long nowMillis) {
        if (nowMillis > last) {
            tokens = Math.min(capacity, tokens + (nowMillis - last) * perMilli);
            last = nowMillis;
        }
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }
}
