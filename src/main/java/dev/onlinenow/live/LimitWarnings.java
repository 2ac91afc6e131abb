package dev.onlinenow.live;

import dev.onlinenow.Ticker;

import java.lang.System.Logger.Level;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * WARNs for limits that users hit, at most once a minute per limit: an operator learns that a
 * limit is reached and what the server does about it, without a line per refused user.
 */
final class LimitWarnings {

    private static final System.Logger LOG = System.getLogger(LimitWarnings.class.getName());
    private static final long EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final Ticker ticker;
    private final ConcurrentHashMap<String, Long> last = new ConcurrentHashMap<>();

    LimitWarnings(Ticker ticker) {
        this.ticker = ticker;
    }

    /** Logs {@code message} unless {@code cause} was logged less than a minute ago. */
    void warn(String cause, String message) {
        long now = ticker.nanos();
        boolean[] log = new boolean[1];
        last.compute(cause, (k, at) -> {
            if (at == null || now - at >= EVERY_NANOS) {
                log[0] = true;
                return now;
            }
            return at;
        });
        if (log[0]) {
            LOG.log(Level.WARNING, message + " (said at most once a minute)");
        }
    }
}
