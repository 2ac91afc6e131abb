package dev.onlinenow.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * What callbacks reported, in order, for a test to wait on: {@link #add} is called from any
 * thread (a listener), {@link #awaitAll} blocks until the expected entries arrived or the time is
 * up. Event-driven: the waiter wakes on each add, it does not poll.
 */
public final class Events {

    private final List<String> seen = new ArrayList<>();

    public synchronized void add(String event) {
        seen.add(event);
        notifyAll();
    }

    public synchronized boolean contains(String event) {
        return seen.contains(event);
    }

    /** Waits until every one of {@code expected} was reported; fails after {@code timeout}. */
    public synchronized void awaitAll(Collection<String> expected, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!seen.containsAll(expected)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + expected + "; saw " + seen);
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }

    @Override
    public synchronized String toString() {
        return seen.toString();
    }
}
