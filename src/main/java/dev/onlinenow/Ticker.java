package dev.onlinenow;

/**
 * A monotonic time source in nanoseconds, for every timeout the live layer measures on its own
 * (heartbeats, rate limits, cursor expiry): unlike the wall {@link java.time.Clock}, a step of the
 * system time (NTP, a VM resumed, an operator) does not move it, so it never drops anybody.
 * Only differences between two readings mean anything. Tests pass a fake one (see Caffeine's
 * {@code Ticker}), so that a minute passes in a microsecond.
 */
@FunctionalInterface
public interface Ticker {

    /** Nanoseconds from an arbitrary origin; never goes back. */
    long nanos();

    /** {@link System#nanoTime()}. */
    static Ticker system() {
        return System::nanoTime;
    }
}
