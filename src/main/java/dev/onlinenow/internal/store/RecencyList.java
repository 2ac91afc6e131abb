package dev.onlinenow.internal.store;

import dev.onlinenow.store.LastSeen;
import dev.onlinenow.internal.store.EhcachePresenceStore.Seen;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The tracked ids in order of last activity, newest first: a doubly-linked list threaded through
 * the {@link Seen} objects themselves, guarded by one lock, and a lock-free queue of the entries
 * whose time moved forward since they were last put in their place.
 *
 * <p>A returning user's time moves forward without the lock ({@link #refresh}: one compare-and-set
 * and a push); whoever next needs the order (the newest N, the sweep of the oldest) or the
 * every {@value #DRAIN_AT}th push moves the queued entries to the front, all under one acquisition of
 * the lock. Reading the newest {@code limit} is O(limit) plus that drain; everything else is O(1).
 */
final class RecencyList {

    /*
     * Why a list, and why a queue in front of it. A skip list needs a search from the top to move
     * an entry: at a million users some thirty nodes, each a cache miss or more (measured: 10-20
     * us a write at 1M users, docs/benchmarks.md). Unlinking a node whose neighbours it knows
     * costs two pointer writes, but those neighbours are cold at a million users: moving an entry
     * on the request thread, under the lock, cost a request about 250 ns of waiting on memory,
     * with the lock held all that while. So a request only moves the time forward (a CAS on the
     * Seen it has just read, which is in its cache) and pushes the Seen on a Treiber stack (one
     * per stripe of threads, so that threads do not contend for one word); the moves are done
     * later in one batch under one acquisition of the lock, where the CPU can wait on several
     * entries' neighbours at once. The same trade as Caffeine's read buffer, except
     * that nothing is ever dropped: the order must be exact, so a full queue is drained by the
     * writer that filled it rather than discarded.
     *
     * State of a Seen (fields in EhcachePresenceStore.Seen):
     * - at: its time, moved forward only by CAS; DEAD once it has left (removed, swept, evicted),
     *   after which no CAS can succeed, so a touch that races with its leaving sees it and starts
     *   over with a new Seen (EhcachePresenceStore.touch).
     * - placedAt: the time it is ordered by; at >= placedAt. The list is sorted by placedAt,
     *   newest first. at > placedAt means a move is owed: the Seen is queued, or the thread that
     *   moved its time is about to queue it.
     * - prev/next: its links, under the lock. A live Seen is always linked (head, or prev set).
     * - queueNext/queueDepth: its place in the queue; queueDepth > 0 iff queued (claimed by CAS
     *   from 0, so a Seen is in the queue at most once).
     *
     * Why the sweep stays exact. An expired Seen (at <= cutoff) has placedAt <= at <= cutoff, so
     * all of them sit in the tail-side run of entries with placedAt <= cutoff. The sweep takes that
     * run from the tail: an entry whose at is still <= cutoff leaves (CAS to DEAD, so a touch that
     * comes after sees it gone), one whose at moved on is put in its place by at and the walk goes
     * on. Nothing expired can hide behind an entry the sweep stops at.
     *
     * The queue's handshake. A writer CASes `at`, then reads queueDepth; the drain sets queueDepth
     * to 0, then reads `at`. Both are volatile, so at least one sees the other: either the writer
     * sees 0 and queues again, or the drain sees the new time. No time move is ever left unplaced.
     *
     * No Ehcache call is made while holding the lock: Ehcache's synchronous event listener calls
     * remove() from inside Ehcache operations, and lock order must stay one-way.
     */

    /** The time of a Seen that has left. */
    static final long DEAD = Long.MIN_VALUE;

    /** Every this many queued moves, the writer that queued the last drains the queue itself. */
    static final int DRAIN_AT = 32;

    private static final VarHandle AT;
    private static final VarHandle QUEUE_DEPTH;
    private static final VarHandle QUEUES = MethodHandles.arrayElementVarHandle(Seen[].class);

    /**
     * The queue is striped by thread, so that request threads do not all compare-and-set one
     * memory word: a stripe per two processors (at least 4, at most 64), each in its own cache
     * line (PAD references apart).
     */
    private static final int STRIPES = Math.min(64, Math.max(4,
            Integer.highestOneBit(Runtime.getRuntime().availableProcessors() * 2 - 1) << 1));
    private static final int STRIPE_SHIFT = 32 - Integer.numberOfTrailingZeros(STRIPES);
    private static final int PAD = 16;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            AT = lookup.findVarHandle(Seen.class, "at", long.class);
            QUEUE_DEPTH = lookup.findVarHandle(Seen.class, "queueDepth", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final ReentrantLock lock = new ReentrantLock();
    private Seen head; // newest
    private Seen tail; // oldest
    // per stripe, at index stripe * PAD: the last pushed; queueNext leads to the earlier ones
    private final Seen[] queues = new Seen[STRIPES * PAD];

    /** Links {@code s}, which must be new, in its place: before every entry not newer than it. */
    void add(Seen s) {
        lock.lock();
        try {
            s.placedAt = s.at;
            link(s);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Moves the time of {@code s} from {@code expectedAt} to {@code now}; its place in the order
     * follows before anyone reads the order again. Returns false only if {@code s} has left (or
     * leaves at this moment): the caller must treat its id as not tracked. Returns true without
     * writing if another touch moved the time since {@code expectedAt} was read: that touch is as
     * good as this one.
     */
    boolean refresh(Seen s, long expectedAt, long now) {
        if (expectedAt == DEAD) {
            return false;
        }
        if (!AT.compareAndSet(s, expectedAt, now)) {
            return s.at != DEAD;
        }
        if (s.queueDepth == 0 && QUEUE_DEPTH.compareAndSet(s, 0, -1)) {
            push(s);
        }
        return true;
    }

    private void push(Seen s) {
        int slot = stripe();
        Seen last;
        int depth;
        do {
            last = (Seen) QUEUES.getVolatile(queues, slot);
            s.queueNext = last;
            // only a hint for when to drain: `last` may be drained meanwhile (then the CAS fails)
            depth = last == null ? 1 : Math.max(last.queueDepth, 0) + 1;
            s.queueDepth = depth; // still non-zero: queued
        } while (!QUEUES.compareAndSet(queues, slot, last, s));
        // one push in DRAIN_AT drains, waiting for the lock if need be: a queue left to grow
        // while the lock is busy would make the next drain longer, and the lock busier
        if (depth % DRAIN_AT == 0) {
            lock.lock();
            try {
                drain();
            } finally {
                lock.unlock();
            }
        }
    }

    /** Marks {@code s} gone for good and unlinks it; false if it had already left. */
    boolean remove(Seen s) {
        lock.lock();
        try {
            boolean wasLive = (long) AT.getAndSet(s, DEAD) != DEAD;
            unlink(s);
            return wasLive;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Unlinks, marks gone and returns the oldest entry if its time is at or before {@code at};
     * null if there is none. The caller removes it from Ehcache.
     */
    Seen pollOldestAtOrBefore(long at) {
        lock.lock();
        try {
            drain();
            while (tail != null && tail.placedAt <= at) {
                Seen oldest = tail;
                long t = oldest.at;
                if (t <= at) {
                    if (AT.compareAndSet(oldest, t, DEAD)) {
                        unlink(oldest);
                        return oldest;
                    }
                    continue; // a touch moved it this instant: look again
                }
                place(oldest, t); // it moved on and its move is still owed: make it now
            }
            return null;
        } finally {
            lock.unlock();
        }
    }

    /** The time the oldest entry is ordered by (its time or earlier), or {@link Long#MIN_VALUE} if none. */
    long oldestAt() {
        lock.lock();
        try {
            return tail == null ? Long.MIN_VALUE : tail.placedAt;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The newest entries after {@code expiredAtOrBefore}, at most {@code limit}, one per id (the
     * newest, should an id briefly have two while a touch replaces its entry), newest first.
     */
    List<LastSeen> newest(int limit, long expiredAtOrBefore) {
        return newest(limit, expiredAtOrBefore, null);
    }

    /** Like {@link #newest(int, long)}, of the entries {@code which} accepts (all when null). */
    List<LastSeen> newest(int limit, long expiredAtOrBefore, java.util.function.Predicate<Seen> which) {
        List<LastSeen> out = new ArrayList<>(Math.min(limit, 64));
        Set<String> ids = new HashSet<>(Math.min(limit, 64) * 2);
        boolean sorted = true;
        lock.lock();
        try {
            drain();
            for (Seen s = head; s != null && s.placedAt > expiredAtOrBefore; s = s.next) {
                long at = s.at; // later than placedAt only if it moved after the drain above
                if (at != DEAD && (which == null || which.test(s)) && ids.add(s.id)) {
                    if (!out.isEmpty() && at > out.get(out.size() - 1).epochMilli()) {
                        sorted = false;
                    }
                    out.add(new LastSeen(s.id, at, s.location));
                    if (out.size() == limit) {
                        break;
                    }
                }
            }
        } finally {
            lock.unlock();
        }
        if (!sorted) {
            out.sort((a, b) -> Long.compare(b.epochMilli(), a.epochMilli()));
        }
        return out;
    }

    void clear() {
        lock.lock();
        try {
            drain();
            while (head != null) {
                AT.setVolatile(head, DEAD);
                unlink(head);
            }
        } finally {
            lock.unlock();
        }
    }

    /** The calling thread's stripe of the queue (its index in {@link #queues}). */
    private static int stripe() {
        @SuppressWarnings("deprecation") // Thread.threadId() is Java 19+
        int id = (int) Thread.currentThread().getId();
        return ((id * 0x9E3779B9) >>> STRIPE_SHIFT) * PAD;
    }

    /** Under the lock: puts every queued Seen in its place, stripe by stripe, in the order queued. */
    private void drain() {
        for (int slot = 0; slot < queues.length; slot += PAD) {
            if (QUEUES.getVolatile(queues, slot) != null) {
                drain((Seen) QUEUES.getAndSet(queues, slot, (Seen) null));
            }
        }
    }

    private void drain(Seen last) {
        // the queue runs newest push first; reverse it, so that each entry goes to the front
        Seen first = null;
        while (last != null) {
            Seen earlier = last.queueNext;
            last.queueNext = first;
            first = last;
            last = earlier;
        }
        for (Seen s = first; s != null; ) {
            Seen next = s.queueNext;
            s.queueNext = null;
            QUEUE_DEPTH.setVolatile(s, 0); // before reading at: see "The queue's handshake"
            long at = (long) AT.getVolatile(s);
            if (at != DEAD && at != s.placedAt) {
                place(s, at);
            }
            s = next;
        }
    }

    /** Under the lock: moves the linked {@code s} to its place for time {@code at}. */
    private void place(Seen s, long at) {
        unlink(s);
        s.placedAt = at;
        link(s);
    }

    private void link(Seen s) {
        Seen after = head;
        Seen before = null;
        // another thread may have read the clock after us and linked first: step behind it
        while (after != null && after.placedAt > s.placedAt) {
            before = after;
            after = after.next;
        }
        s.prev = before;
        s.next = after;
        if (before == null) {
            head = s;
        } else {
            before.next = s;
        }
        if (after == null) {
            tail = s;
        } else {
            after.prev = s;
        }
    }

    private void unlink(Seen s) {
        if (s.prev == null && head != s) {
            return; // not linked: never added, or already unlinked
        }
        Seen prev = s.prev;
        Seen next = s.next;
        if (prev == null) {
            head = next;
        } else {
            prev.next = next;
        }
        if (next == null) {
            tail = prev;
        } else {
            next.prev = prev;
        }
        s.prev = null;
        s.next = null;
    }
}
