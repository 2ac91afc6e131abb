package dev.onlinenow.internal.store;

import dev.onlinenow.internal.store.EhcachePresenceStore.Seen;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A lossy, direct-mapped table of the {@link Seen} objects requests have recently found: one
 * slot per hash, the last Seen found there wins. It lets a request skip Ehcache altogether
 * when its user's Seen is there: a coalesced one (nothing to write), and a writing one while
 * Ehcache read that Seen less than {@link EhcachePresenceStore#EXPIRY_MARGIN} ago (the store's
 * invariant). At a million users an Ehcache look-up is three dependent cache misses (its hash
 * table's slot, its node, its value holder) before the Seen; this table is one (its slot).
 *
 * <p>It is only ever a shortcut to a Seen: a slot may hold another id's Seen (checked by id),
 * or one that has left ({@link RecencyList#DEAD}), or nothing, and then the caller asks Ehcache.
 * A write through a slot is a compare-and-set on the Seen's time, which fails once the Seen has
 * left, so the table needs no coherence with Ehcache beyond dropping a Seen that has left (so
 * that it can be collected).
 *
 * <p>It starts at {@value #MIN_SLOTS} slots and grows with the number of tracked ids, to two to
 * four slots per id (8 to 16 bytes per id), at most four per {@code maxTracked}; it does not
 * shrink when they leave. A grown table starts empty and fills again as requests find their
 * Seens in Ehcache.
 */
final class SeenSlots {

    static final int MIN_SLOTS = 1 << 10;
    private static final int MAX_SLOTS = 1 << 30;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Seen[].class);

    private final int maxSlots;
    private volatile Seen[] slots = new Seen[MIN_SLOTS];

    SeenSlots(int maxTracked) {
        long max = Long.highestOneBit(Math.max(MIN_SLOTS, (long) maxTracked * 4 - 1)) << 1;
        this.maxSlots = (int) Math.min(MAX_SLOTS, Math.max(MIN_SLOTS, max));
    }

    /** The Seen of {@code id} if its slot holds it (alive or not), else null. */
    Seen get(String id) {
        Seen[] t = slots;
        int h = id.hashCode();
        Seen s = t[index(h, t.length)];
        if (s == null) {
            return null;
        }
        String sid = s.id;
        // identity first: a container usually hands the same String for a user's every request
        return sid == id || (sid.hashCode() == h && sid.equals(id)) ? s : null;
    }

    /** Remembers {@code s} in its slot (whatever was there goes). */
    void put(Seen s) {
        Seen[] t = slots;
        int i = index(s.id.hashCode(), t.length);
        if (t[i] != s) { // a request that finds its own Seen there writes nothing
            t[i] = s;
        }
    }

    /** Forgets {@code s}, which has left, if its slot holds it. */
    void remove(Seen s) {
        Seen[] t = slots;
        SLOT.compareAndSet(t, index(s.id.hashCode(), t.length), s, null);
    }

    /** Grows the table (empty) if {@code tracked} ids fill more than half of it. */
    void sizeFor(long tracked) {
        Seen[] t = slots;
        if (tracked * 2 > t.length && t.length < maxSlots) {
            int want = (int) Math.min(maxSlots, Long.highestOneBit(Math.max(1, tracked * 4 - 1)) << 1);
            if (want > t.length) {
                slots = new Seen[want];
            }
        }
    }

    int length() {
        return slots.length;
    }

    void clear() {
        slots = new Seen[MIN_SLOTS];
    }

    private static int index(int h, int length) {
        // Fibonacci hashing: String.hashCode() of similar ids differ in their low bits only
        return (h * 0x9E3779B9) >>> (Integer.numberOfLeadingZeros(length) + 1);
    }
}
