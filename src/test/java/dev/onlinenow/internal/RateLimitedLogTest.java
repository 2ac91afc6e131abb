package dev.onlinenow.internal;

import org.junit.jupiter.api.Test;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.ResourceBundle;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/** Once per cause per period, on a ticker the test moves; what was suppressed is said next time. */
class RateLimitedLogTest {

    private final AtomicLong nanos = new AtomicLong(123_456_789L);
    private final Capture logger = new Capture();
    private final RateLimitedLog log = new RateLimitedLog(logger, Duration.ofMinutes(1), nanos::get);

    @Test
    void aCauseIsLoggedOncePerMinuteAndTheNextRecordCountsWhatWasSuppressed() {
        RuntimeException boom = new RuntimeException("boom");
        assertThat(log.log(Level.WARNING, "resolver", () -> "the resolver failed", boom)).isTrue();
        for (int i = 0; i < 1000; i++) {
            nanos.addAndGet(Duration.ofMillis(50).toNanos()); // 50 s in all: still inside the minute
            assertThat(log.log(Level.WARNING, "resolver", () -> "the resolver failed", boom)).isFalse();
        }
        assertThat(logger.records).containsExactly("WARNING the resolver failed [boom]");

        nanos.addAndGet(Duration.ofSeconds(10).toNanos()); // a minute after the first
        log.warn("resolver", () -> "the resolver failed", boom);
        assertThat(logger.records).hasSize(2);
        assertThat(logger.records.get(1)).isEqualTo(
                "WARNING the resolver failed (1000 more like this since the last such message, 60 s ago) [boom]");

        nanos.addAndGet(Duration.ofMinutes(5).toNanos());
        log.warn("resolver", () -> "the resolver failed", null);
        assertThat(logger.records.get(2)).as("nothing suppressed since: no count").isEqualTo("WARNING the resolver failed");
    }

    @Test
    void causesAreLimitedEachOnTheirOwn() {
        log.warn("a", () -> "A", null);
        log.warn("b", () -> "B", null);
        log.warn("a", () -> "A", null);
        log.warn("b", () -> "B", null);
        assertThat(logger.records).containsExactly("WARNING A", "WARNING B");
    }

    @Test
    void aSuppressedMessageIsNeverBuilt() {
        AtomicInteger built = new AtomicInteger();
        Supplier<String> message = () -> "built " + built.incrementAndGet();
        for (int i = 0; i < 100; i++) {
            log.warn("x", message, null);
        }
        assertThat(built).hasValue(1);
    }

    @Test
    void aLevelTheLoggerDropsIsNeitherBuiltNorCounted() {
        logger.minimum = Level.ERROR;
        AtomicInteger built = new AtomicInteger();
        assertThat(log.log(Level.WARNING, "x", () -> "built " + built.incrementAndGet(), null)).isFalse();
        logger.minimum = Level.ALL;
        assertThat(log.log(Level.WARNING, "x", () -> "now", null)).as("the first that is written").isTrue();
        assertThat(built).hasValue(0);
        assertThat(logger.records).containsExactly("WARNING now");
    }

    @Test
    void manyDistinctCausesDoNotGrowWithoutBound() {
        for (int i = 0; i < RateLimitedLog.MAX_CAUSES * 3; i++) {
            log.warn("cause " + i, () -> "m", null);
        }
        assertThat(logger.records).as("each cause is new, so each is logged").hasSize(RateLimitedLog.MAX_CAUSES * 3);
        assertThat(log.causes()).isBetween(1, RateLimitedLog.MAX_CAUSES);
    }

    /** A System.Logger that keeps what it was given. */
    static final class Capture implements System.Logger {
        final List<String> records = new ArrayList<>();
        volatile Level minimum = Level.ALL;

        @Override
        public String getName() {
            return "capture";
        }

        @Override
        public boolean isLoggable(Level level) {
            return level.getSeverity() >= minimum.getSeverity();
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
            records.add(level + " " + msg + (thrown == null ? "" : " [" + thrown.getMessage() + "]"));
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String format, Object... params) {
            records.add(level + " " + format);
        }
    }
}
