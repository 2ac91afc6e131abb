package dev.onlinenow.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Waits for a condition that has no event to wait on: a counter on the server side, Redis's own
 * TTL timers, another JVM. Everything that does have an event (frames, callbacks) waits on it
 * instead ({@link WsClient#next}, {@link Events}). The deadline is the only timing here; how fast
 * the condition comes true is never asserted.
 */
public final class Await {

    /** How often the condition is looked at: short against any timeout, long against a spin. */
    private static final long POLL_MILLIS = 10;

    /**
     * The usual deadline for something the server does on its own threads: long against any
     * latency of a loaded 2-core machine (the premise of no test is "fast"), short enough for a
     * broken test to fail within a run.
     */
    public static final Duration WAIT = Duration.ofSeconds(30);

    private Await() {
    }

    /** An assertion that may throw: an AssertJ chain, usually. */
    @FunctionalInterface
    public interface Assertion {
        void check() throws Exception;
    }

    /**
     * Returns once {@code assertion} passes; after {@code timeout} fails with its last failure, so
     * the message says what was expected and what was there. For a value that another thread
     * changes (a room applied on its shard, a counter bumped after a frame was sent): the
     * assertion is the one the test means, only read again until the change has landed.
     */
    public static void untilAsserted(Duration timeout, Assertion assertion) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (;;) {
            try {
                assertion.check();
                return;
            } catch (AssertionError | Exception e) {
                if (System.nanoTime() > deadline) {
                    AssertionError failure = new AssertionError("still failing after " + timeout + ": " + e.getMessage(), e);
                    throw failure;
                }
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
    }

    /** {@link #untilAsserted(Duration, Assertion)} with the tests' usual wait, {@link #WAIT}. */
    public static void untilAsserted(Assertion assertion) {
        untilAsserted(WAIT, assertion);
    }

    /** Returns once {@code condition} holds; fails naming {@code what} after {@code timeout}. */
    public static void until(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting until " + what);
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting until " + what, e);
            }
        }
    }
}
