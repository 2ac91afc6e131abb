package dev.onlinenow.live;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The one writer of a socket: every outgoing frame goes through {@link #offer}, at most one send
 * is in flight, and the next one starts when the previous completes.
 *
 * <p>Why: Tomcat throws {@code IllegalStateException: TEXT_FULL_WRITING} when a second send
 * starts before the first finished, and blocking sends would let one slow client stall the
 * thread that broadcasts to everybody. Async sends chained by their completion callback work on
 * Tomcat, Tyrus and Jetty alike. A send may complete inside the call that started it (Tomcat
 * does when the socket takes the bytes at once); a small state machine per send turns that into
 * a loop instead of a recursion, so a long queue never deepens the stack.
 *
 * <p>Sending starts on the given executor, not on the thread that queued the frame: a cursor
 * tick or a broadcast queues one frame for hundreds of sockets, and must not wait for hundreds of
 * socket writes (containers often write inline in an async send) before the next room's turn.
 *
 * <p>The queue is bounded: a client that reads slower than it is written to fills it, and is
 * then reported through {@code onOverflow} (the live layer closes it) instead of growing memory.
 */
final class Outbox {

    /** Starts one async send and calls {@code done} with null or the failure when it completes. */
    interface Sender {
        void send(String text, Consumer<Throwable> done);
    }

    private static final int SENDING = 0;
    private static final int RETURNED = 1;
    private static final int COMPLETED_INLINE = 2;

    private final Sender sender;
    private final java.util.concurrent.Executor executor;
    private final int capacity;
    private final Runnable onOverflow;
    private final Consumer<Throwable> onFailure;
    private final ConcurrentLinkedQueue<String> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger size = new AtomicInteger();
    private final AtomicBoolean busy = new AtomicBoolean();
    private volatile boolean closed;

    Outbox(Sender sender, java.util.concurrent.Executor executor, int capacity, Runnable onOverflow,
           Consumer<Throwable> onFailure) {
        this.sender = sender;
        this.executor = executor;
        this.capacity = capacity;
        this.onOverflow = onOverflow;
        this.onFailure = onFailure;
    }

    /**
     * Queues a frame. Returns false, queueing nothing, once the outbox is closed or when the
     * queue is full (then it closes and reports the overflow once).
     */
    boolean offer(String text) {
        if (closed) {
            return false;
        }
        if (size.incrementAndGet() > capacity) {
            size.decrementAndGet();
            overflow();
            return false;
        }
        queue.add(text);
        if (busy.compareAndSet(false, true)) {
            try {
                executor.execute(this::pump);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                fail(e); // the live layer is stopping
            }
        }
        return true;
    }

    /** Stops sending; queued frames are dropped. */
    void close() {
        closed = true;
        queue.clear();
    }

    boolean isClosed() {
        return closed;
    }

    private void overflow() {
        if (!closed) {
            closed = true;
            queue.clear();
            onOverflow.run();
        }
    }

    /* Runs while this thread owns 'busy'. */
    private void pump() {
        for (;;) {
            String next = closed ? null : queue.poll();
            if (next == null) {
                busy.set(false);
                // a frame offered between poll() and set(false) must not be stranded
                if (closed || queue.isEmpty() || !busy.compareAndSet(false, true)) {
                    return;
                }
                continue; // this thread owns the pump again
            }
            size.decrementAndGet();
            AtomicInteger phase = new AtomicInteger(SENDING);
            try {
                sender.send(next, failure -> completed(phase, failure));
            } catch (RuntimeException e) {
                fail(e);
                return;
            }
            if (phase.compareAndSet(SENDING, RETURNED)) {
                return; // the completion callback continues the pump
            }
            if (closed) {
                return;
            }
            // completed inline: loop instead of recursing
        }
    }

    private void completed(AtomicInteger phase, Throwable failure) {
        if (failure != null) {
            fail(failure);
            return;
        }
        if (phase.compareAndSet(SENDING, COMPLETED_INLINE)) {
            return; // pump() is still on the stack and continues
        }
        pump();
    }

    private void fail(Throwable failure) {
        boolean wasOpen = !closed;
        closed = true;
        queue.clear();
        busy.set(false);
        if (wasOpen) {
            onFailure.accept(failure);
        }
    }
}
