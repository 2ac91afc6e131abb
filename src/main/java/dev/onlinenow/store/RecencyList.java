package dev.onlinenow.store;

import dev.onlinenow.store.EhcachePresenceStore.Seen;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The tracked ids in order of last activity, newest first: a doubly-linked list threaded through
 * the {@link Seen} objects themselves, guarded by one lock.
 *
 * <p>Every operation is O(1) except reading the newest {@code limit} (O(limit)) and inserting
 * behind a newer entry (only when two threads' clock readings cross, a step or two). A
 * {@link Seen}'s time is written only here, under the lock, so the order never disagrees with it.
 */
final class RecencyList {

    /*
     * Why a locked list and not a ConcurrentSkipListSet. A touch that writes replaces the user's
     * Seen, so the old one must leave the order. In a skip list that is a search from the top: at
     * a million users some thirty nodes, each a cache miss or more (measured: 10-20 us a write at
     * 1M users, docs/benchmarks.md). Unlinking a node whose neighbours it knows costs two pointer
     * writes. The lock is held for a few pointer writes per write (writes are coalesced to one a
     * second per user), and for the walk over the newest `limit` entries when a page lists them.
     * No Ehcache call is ever made while holding it: Ehcache's synchronous event listener calls
     * remove() from inside Ehcache operations, and lock order must stay one-way.
     *
     * A Seen is linked iff it is the head or its prev is set. Unlinking makes it dead for good:
     * prev is cleared and next points to itself, so removing a Seen twice, or one never linked,
     * does nothing, and refresh() can tell a Seen that left (swept, removed, evicted) from one
     * that is still there.
     */

    private final Object lock = new Object();
    private Seen head; // newest
    private Seen tail; // oldest

    /** Links {@code s}, which must be new, in its place: before every entry not newer than it. */
    void add(Seen s) {
        synchronized (lock) {
            link(s);
        }
    }

    private void link(Seen s) {
        Seen after = head;
        Seen before = null;
        // another thread may have read the clock after us and linked first: step behind it
        while (after != null && after.at > s.at) {
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

    /**
     * Sets the time of {@code s}, still linked, from {@code expectedAt} to {@code now} and moves it
     * to its place at the front. Returns false only if {@code s} has left the list (dead): the
     * caller must treat its id as not tracked. Returns true without writing if another touch has
     * changed the time since {@code expectedAt} was read: that touch is as good as this one.
     */
    boolean refresh(Seen s, long expectedAt, long now) {
        synchronized (lock) {
            if (s.next == s) {
                return false;
            }
            if (s.at != expectedAt) {
                return true;
            }
            unlink(s);
            s.at = now;
            link(s);
            return true;
        }
    }

    /** Unlinks {@code s} for good; false if it was not linked. */
    boolean remove(Seen s) {
        synchronized (lock) {
            return unlink(s);
        }
    }

    /** Unlinks and returns the oldest entry if its time is at or before {@code at}; null otherwise. */
    Seen pollOldestAtOrBefore(long at) {
        synchronized (lock) {
            Seen oldest = tail;
            if (oldest == null || oldest.at > at) {
                return null;
            }
            unlink(oldest);
            return oldest;
        }
    }

    /** The time of the oldest entry, or {@link Long#MIN_VALUE} if there is none. */
    long oldestAt() {
        synchronized (lock) {
            return tail == null ? Long.MIN_VALUE : tail.at;
        }
    }

    /**
     * The newest entries after {@code expiredAtOrBefore}, at most {@code limit}, one per id (the
     * newest, should an id briefly have two while a touch replaces its entry).
     */
    List<LastSeen> newest(int limit, long expiredAtOrBefore) {
        List<LastSeen> out = new ArrayList<>(Math.min(limit, 64));
        Set<String> ids = new HashSet<>(Math.min(limit, 64) * 2);
        synchronized (lock) {
            for (Seen s = head; s != null && s.at > expiredAtOrBefore; s = s.next) {
                if (ids.add(s.id)) {
                    out.add(new LastSeen(s.id, s.at));
                    if (out.size() == limit) {
                        break;
                    }
                }
            }
        }
        return out;
    }

    void clear() {
        synchronized (lock) {
            while (head != null) {
                unlink(head);
            }
        }
    }

    private boolean unlink(Seen s) {
        if (s.prev == null && head != s) {
            s.next = s; // never linked, or unlinked before: dead either way
            return false;
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
        s.next = s;
        return true;
    }
}
