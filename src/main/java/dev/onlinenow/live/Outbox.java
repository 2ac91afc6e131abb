package dev.onlinenow.live;

import jakarta.websocket.RemoteEndpoint;

import java.io.IOException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
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
 * <p>The queue is bounded in frames and in characters: a client that reads slower than it is
 * written to fills it, and is then reported through {@code onOverflow} (the live layer closes it)
 * instead of growing memory. A frame always fits into an empty queue, so one frame larger than
 * the character bound (a big room's {@code state}) still goes out.
 *
 * <p>The writer survives whatever the container does: a send that throws (Tomcat throws
 * {@code IllegalArgumentException} for text it cannot encode, Tyrus wraps failures in a
 * {@code java.lang.Error}) or completes with a failure closes this outbox and reports it through
 * {@code onFailure} (the live layer closes that one socket); a completion reported twice is
 * counted once. No failure leaves the outbox busy with frames that never go out.
 */
final class Outbox {

    /** Starts one async send and calls {@code done} with null or the failure when it completes. */
    interface Sender {
        void send(String text, Consumer<Throwable> done);
    }

    /** The sender of a socket: its async remote (a result that is not OK is a failure, whatever it carries). */
    static Sender sender(RemoteEndpoint.Async remote) {
        return (text, done) -> remote.sendText(text, r -> done.accept(r.isOK() ? null
                : r.getException() != null ? r.getException() : new IOException("send failed")));
    }

    private static final int SENDING = 0;
    private static final int RETURNED = 1;
    private static final int COMPLETED_INLINE = 2;
    private static final int DONE = 3;

    private final Sender sender;
    private final java.util.concurrent.Executor executor;
    private final int capacity;
    private final long maxChars;
    private final Runnable onOverflow;
    private final Consumer<Throwable> onFailure;
    private final ConcurrentLinkedQueue<String> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger size = new AtomicInteger();
    private final AtomicLong chars = new AtomicLong();
    private final AtomicBoolean busy = new AtomicBoolean();
    private volatile boolean closed;

    /**
     * @param capacity frames that may wait
     * @param maxChars characters of text that may wait (beyond the first frame)
     */
    Outbox(Sender sender, java.util.concurrent.Executor executor, int capacity, long maxChars, Runnable onOverflow,
           Consumer<Throwable> onFailure) {
        this.sender = sender;
        this.executor = executor;
        this.capacity = capacity;
        this.maxChars = maxChars;
        this.onOverflow = onOverflow;
        this.onFailure = onFailure;
    }

    /**
     * Queues a frame. Returns false, queueing nothing, once the outbox is closed or when the
     * queue is full, in frames or in characters (then it closes and reports the overflow once).
     */
    boolean offer(String text) {
        if (closed) {
            return false;
        }
        int n = size.incrementAndGet();
        long c = chars.addAndGet(text.length());
        if (n > capacity || (n > 1 && c > maxChars)) {
            size.decrementAndGet();
            chars.addAndGet(-text.length());
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

    /** Frames waiting (for tests). */
    int queued() {
        return size.get();
    }

    /** Characters waiting (for tests). */
    long queuedChars() {
        return chars.get();
    }

    private void overflow() {
        if (!closed) {
            closed = true;
            queue.clear();
            try {
                onOverflow.run();
            } catch (RuntimeException e) {
                // the live layer's handler failed; this outbox is closed either way
            }
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
            chars.addAndGet(-next.length());
            AtomicInteger phase = new AtomicInteger(SENDING);
            try {
                sender.send(next, failure -> completed(phase, failure));
            } catch (RuntimeException | Error e) {
                // whatever the container throws, Tyrus's Errors included: this socket is done, and the
                // failure goes to onFailure; thrown on, it would reach the thread that offered the frame
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
        for (;;) {
            int p = phase.get();
            if (p == DONE || p == COMPLETED_INLINE) {
                return; // a second completion of one send: counted once
            }
            if (failure != null) {
                if (phase.compareAndSet(p, DONE)) {
                    fail(failure);
                    return;
                }
            } else if (p == SENDING) {
                if (phase.compareAndSet(SENDING, COMPLETED_INLINE)) {
                    return; // pump() is still on the stack and continues
                }
            } else if (phase.compareAndSet(RETURNED, DONE)) {
                pump();
                return;
            }
        }
    }

    private void fail(Throwable failure) {
        boolean wasOpen = !closed;
        closed = true;
        queue.clear();
        busy.set(false);
        if (wasOpen) {
            try {
                onFailure.accept(failure);
            } catch (RuntimeException e) {
                // the live layer's handler failed; this outbox is closed either way
            }
        }
    }
}
