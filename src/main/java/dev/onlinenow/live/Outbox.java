package dev.onlinenow.live;

import jakarta.websocket.RemoteEndpoint;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
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
 *
 * <p>{@code cursors} frames are special: a newer one of a room merges into the room's frame
 * that is still waiting (see {@link #offerCursors}), so a socket that fell behind catches up
 * with one frame of every mover's latest position instead of working through a queue of stale
 * ones; on a busy machine that keeps a short stall from turning into seconds of cursor latency.
 *
 * <p>One lock per outbox guards the queue and its counts; it is held for a few field updates,
 * never over a send or a callback.
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

    /** What {@link #offerCursors} did with a {@code cursors} frame. */
    enum Offered {
        /** queued as a frame of its own */
        QUEUED,
        /** merged into the room's {@code cursors} frame that was still waiting */
        MERGED,
        /** not queued: the outbox is closed, or it was full and is now closed */
        REFUSED
    }

    private static final int SENDING = 0;
    private static final int RETURNED = 1;
    private static final int COMPLETED_INLINE = 2;
    private static final int DONE = 3;

    private final Sender sender;
    private final Executor executor;
    private final int capacity;
    private final long maxChars;
    private final Runnable onOverflow;
    private final Consumer<Throwable> onFailure;
    /* Strings and CursorBatches. The queue, size, chars, open and busy are guarded by 'this'. */
    private final ArrayDeque<Object> queue = new ArrayDeque<>(4);
    private int size;
    private long chars;
    /* the rooms whose waiting cursors batch has no frame queued after it; null when there is none */
    private Map<String, CursorBatch> open;
    /* a pump is scheduled or running */
    private boolean busy;
    private volatile boolean closed;

    /**
     * @param capacity frames that may wait
     * @param maxChars characters of text that may wait (beyond the first frame)
     */
    Outbox(Sender sender, Executor executor, int capacity, long maxChars, Runnable onOverflow,
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
     * It seals every waiting {@code cursors} frame: no later cursor move is merged into a frame
     * queued before this one (a join, a leave, a {@code state}), so none overtakes it.
     */
    boolean offer(String text) {
        boolean queued;
        synchronized (this) {
            if (closed) {
                return false;
            }
            queued = fits(text.length());
            if (queued) {
                open = null;
                queue.add(text);
                size++;
                chars += text.length();
                if (busy) {
                    return true;
                }
                busy = true;
            }
        }
        return queued ? start() : overflow();
    }

    /**
     * Queues a room's {@code cursors} frame for one recipient, or merges it into that room's
     * {@code cursors} frame still waiting here when no other frame was queued after that one. In a
     * merge the newest entry of each mover wins: a socket that reads slower than the ticks gets
     * one frame with every mover's latest position instead of a queue of stale frames.
     *
     * @param room      the frame's room
     * @param frame     the frame, in entries
     * @param text      the frame as this recipient gets it when nothing is merged ({@code frame}
     *                  without the recipient's own entry); not empty
     * @param recipient the recipient's user id: their own entry is never merged in
     */
    Offered offerCursors(String room, CursorFrame frame, String text, String recipient) {
        boolean queued = false;
        synchronized (this) {
            if (closed) {
                return Offered.REFUSED;
            }
            CursorBatch waiting = open == null ? null : open.get(room);
            if (waiting != null) {
                long grown = waiting.merge(frame);
                if (size <= 1 || chars + grown <= maxChars) {
                    chars += grown;
                    return Offered.MERGED;
                }
                // over the bound even merged: this socket reads too slowly, as with any other frame
            } else if (fits(text.length())) {
                CursorBatch b = new CursorBatch(room, frame, text, recipient);
                if (open == null) {
                    open = new HashMap<>(4);
                }
                open.put(room, b);
                queue.add(b);
                size++;
                chars += b.chars;
                if (busy) {
                    return Offered.QUEUED;
                }
                busy = true;
                queued = true;
            }
        }
        if (queued) {
            return start() ? Offered.QUEUED : Offered.REFUSED;
        }
        overflow();
        return Offered.REFUSED;
    }

    /* Holding the lock: whether a frame of this many characters may join the queue. */
    private boolean fits(int length) {
        return size + 1 <= capacity && (size == 0 || chars + length <= maxChars);
    }

    /* Starts the pump this thread just marked busy; false if the executor refused (the outbox is then failed). */
    private boolean start() {
        try {
            executor.execute(this::pump);
            return true;
        } catch (RejectedExecutionException e) {
            fail(e); // the live layer is stopping
            return false;
        }
    }

    /** Stops sending; queued frames are dropped. */
    void close() {
        synchronized (this) {
            closed = true;
            clear();
        }
    }

    boolean isClosed() {
        return closed;
    }

    /** Frames waiting (for tests). */
    synchronized int queued() {
        return size;
    }

    /** Characters waiting (for tests). */
    synchronized long queuedChars() {
        return chars;
    }

    /* Holding the lock. */
    private void clear() {
        queue.clear();
        open = null;
        size = 0;
        chars = 0;
    }

    /* Closes and reports the overflow, once; returns false (nothing was queued). */
    private boolean overflow() {
        synchronized (this) {
            if (closed) {
                return false;
            }
            closed = true;
            clear();
        }
        try {
            onOverflow.run();
        } catch (RuntimeException e) {
            // the live layer's handler failed; this outbox is closed either way
        }
        return false;
    }

    /* Runs while this thread owns 'busy'. */
    private void pump() {
        for (;;) {
            Object item;
            synchronized (this) {
                item = closed ? null : queue.poll();
                if (item == null) {
                    busy = false;
                    return;
                }
                size--;
                if (item instanceof CursorBatch b) {
                    chars -= b.chars;
                    if (open != null && open.remove(b.room, b) && open.isEmpty()) {
                        open = null;
                    }
                } else {
                    chars -= ((String) item).length();
                }
            }
            // a batch out of the queue is this thread's alone: nothing merges into it any more
            String next = item instanceof CursorBatch b ? b.text() : (String) item;
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
        boolean wasOpen;
        synchronized (this) {
            wasOpen = !closed;
            closed = true;
            clear();
            busy = false;
        }
        if (wasOpen) {
            try {
                onFailure.accept(failure);
            } catch (RuntimeException e) {
                // the live layer's handler failed; this outbox is closed either way
            }
        }
    }

    /**
     * One room's {@code cursors} frame waiting for one recipient: the frame as queued and, once
     * newer frames were merged in, every mover's newest entry (the recipient's own left out).
     * Guarded by the outbox's lock while queued; the pump's alone once taken.
     */
    static final class CursorBatch {
        final String room;
        private final String recipient;
        private final CursorFrame first;
        private final String firstText;
        /* id -> entry, in order of first appearance; null until a second frame is merged */
        private LinkedHashMap<String, String> merged;
        /** The characters this batch will send. */
        long chars;

        CursorBatch(String room, CursorFrame first, String firstText, String recipient) {
            this.room = room;
            this.recipient = recipient;
            this.first = first;
            this.firstText = firstText;
            this.chars = firstText.length();
        }

        /** Merges a newer frame of the room in; returns how many characters the batch grew by (may be negative). */
        long merge(CursorFrame newer) {
            if (merged == null) {
                merged = new LinkedHashMap<>(first.size() * 2);
                put(first);
            }
            put(newer);
            long before = chars;
            chars = CursorFrame.length(first.head(), merged.values());
            return chars - before;
        }

        private void put(CursorFrame f) {
            for (int i = 0; i < f.size(); i++) {
                String id = f.id(i);
                if (!id.equals(recipient)) {
                    merged.put(id, f.part(i));
                }
            }
        }

        /** The frame to send. */
        String text() {
            return merged == null ? firstText : CursorFrame.join(first.head(), merged.values(), (int) chars);
        }
    }
}
