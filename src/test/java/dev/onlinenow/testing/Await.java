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

    private Await() {
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
