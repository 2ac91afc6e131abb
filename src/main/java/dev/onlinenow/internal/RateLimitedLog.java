package dev.onlinenow.internal;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * A logger for paths that run per request, per frame or per Redis command: each cause is logged
 * at most once per period (a minute by default), and the next time it is logged it says how many
 * times it happened meanwhile. Not an API: the library's own helper, public only because its
 * packages share it.
 *
 * <pre>{@code
 * private static final RateLimitedLog WARN = new RateLimitedLog(System.getLogger(Foo.class.getName()));
 * WARN.log(Level.WARNING, "resolver", () -> "online-now: the user resolver failed; showing ids as names", e);
 * }</pre>
 *
 * <p>The message is built only when it is logged. Time comes from a ticker (nanoseconds, like
 * {@link System#nanoTime()}), so tests move it by hand.
 */
public final class RateLimitedLog {

    /** The most causes remembered; past it the memory starts over (causes are the code's own words). */
    static final int MAX_CAUSES = 256;

    private final Logger logger;
    private final long periodNanos;
    private final LongSupplier ticker;
    private final ConcurrentHashMap<String, Slot> slots = new ConcurrentHashMap<>();

    /** Once per cause per minute, on {@link System#nanoTime()}. */
    public RateLimitedLog(Logger logger) {
        this(logger, Duration.ofMinutes(1), System::nanoTime);
    }

    /**
     * @param period at most one record per cause in this period
     * @param ticker nanoseconds, only differences matter
     */
    public RateLimitedLog(Logger logger, Duration period, LongSupplier ticker) {
        this.logger = Objects.requireNonNull(logger, "logger");
        this.periodNanos = period.toNanos();
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        if (periodNanos <= 0) {
            throw new IllegalArgumentException("period must be positive: " + period);
        }
    }

    /** Logs a WARNING for this cause unless one was logged less than a period ago. */
    public void warn(String cause, Supplier<String> message, Throwable thrown) {
        log(Level.WARNING, cause, message, thrown);
    }

    /**
     * Logs at {@code level} for this cause unless one was logged less than a period ago; then
     * only counts it.
     *
     * @return true if it was logged
     */
    public boolean log(Level level, String cause, Supplier<String> message, Throwable thrown) {
        if (!logger.isLoggable(level)) {
            return false;
        }
        long now = ticker.getAsLong();
        Slot slot = slots.get(cause);
        if (slot == null) {
            if (slots.size() >= MAX_CAUSES) {
                slots.clear();
            }
            slot = slots.computeIfAbsent(cause, k -> new Slot(now - periodNanos));
        }
        long last = slot.last.get();
        if (now - last < periodNanos || !slot.last.compareAndSet(last, now)) {
            slot.suppressed.incrementAndGet();
            return false;
        }
        long suppressed = slot.suppressed.getAndSet(0);
        String text = message.get();
        if (suppressed > 0) {
            text += " (" + suppressed + " more like this since the last such message, "
                    + Duration.ofNanos(now - last).toSeconds() + " s ago)";
        }
        if (thrown == null) {
            logger.log(level, text);
        } else {
            logger.log(level, text, thrown);
        }
        return true;
    }

    /** How many causes are remembered now (tests). */
    int causes() {
        return slots.size();
    }

    private static final class Slot {
        final AtomicLong last;
        final AtomicLong suppressed = new AtomicLong();

        Slot(long last) {
            this.last = new AtomicLong(last);
        }
    }
}
