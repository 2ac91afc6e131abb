package dev.onlinenow.internal.store;

import dev.onlinenow.store.LastSeen;
import dev.onlinenow.store.PresenceStore;
import org.ehcache.Cache;
import org.ehcache.CacheManager;
import org.ehcache.config.builders.CacheConfigurationBuilder;
import org.ehcache.config.builders.CacheEventListenerConfigurationBuilder;
import org.ehcache.config.builders.CacheManagerBuilder;
import org.ehcache.config.builders.ExpiryPolicyBuilder;
import org.ehcache.config.builders.ResourcePoolsBuilder;
import org.ehcache.event.CacheEvent;
import org.ehcache.event.CacheEventListener;
import org.ehcache.event.EventType;
import org.ehcache.impl.internal.TimeSourceConfiguration;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * The in-process online index: one Ehcache entry per id, expiring at the threshold, plus an
 * ordered view for "most recent first".
 *
 * <p>Ehcache holds {@code id -> Seen(id, at)}, at most {@code maxTracked} entries on heap:
 * Ehcache's own eviction is the memory bound. An entry leaves when its time is a threshold old,
 * measured by the injected clock: the store sweeps it (see the design notes), before any
 * answer that depends on it.
 */
public final class EhcachePresenceStore implements PresenceStore {

    private static final System.Logger LOG = System.getLogger(EhcachePresenceStore.class.getName());

    /** How close two touches of one id may be before the second is not written (write coalescing). */
    public static final Duration DEFAULT_RESOLUTION = Duration.ofSeconds(1);

    /**
     * How much longer than the threshold Ehcache itself keeps an entry nobody touched (its
     * time-to-idle is the threshold plus this): a backstop, since the store removes entries at the
     * threshold by their own time. A user who keeps writing reaches Ehcache once in this time.
     */
    public static final Duration EXPIRY_MARGIN = Duration.ofMinutes(1);
    private static final long MARGIN_MILLIS = EXPIRY_MARGIN.toMillis();

    /*
     * Design notes.
     *
     * Race freedom. Entries come and go by compare-and-set on the Ehcache entry (putIfAbsent,
     * remove(k, old)); a returning user's time is moved forward by a compare-and-set on its Seen
     * (RecencyList.refresh), which can not succeed once the Seen has left (its time is then
     * RecencyList.DEAD), so a touch that races with a sweep, a logout or an eviction sees it and
     * puts a new Seen. Two requests of one user
     * can not both "win", and requests of different users touch different entries, so nothing is
     * ever lost, as it is in the Django snippet, which reads a shared list, edits it and writes
     * it back.
     *
     * Exact count. Ehcache's statistics would count entries we are about to sweep, so the count is
     * kept here: a synchronous event listener adds one for every CREATED entry and takes one away
     * for every REMOVED, EXPIRED or EVICTED entry. Ehcache fires exactly one of those per entry,
     * whoever causes it (our sweep, a logout, an eviction), so the counter always equals the
     * number of entries. Before answering count() we sweep the entries that reached the
     * threshold, so the answer is the number of ids active within it.
     *
     * Expiry. A write moves the Seen's time forward in place instead of replacing the Ehcache
     * value: at a million users, a replace (a second hash-map update, a new value holder, an
     * UPDATED event) doubled the cost of a write (docs/benchmarks.md). Ehcache's own expiry is
     * only a backstop: a time-to-idle of the threshold plus EXPIRY_MARGIN. Who counts, who is
     * listed and lastSeen() go by the Seen's own time, and the sweep below removes every entry at
     * the threshold by that time, so Ehcache holding an entry past the threshold never makes it
     * count (the count is exact whether the sweep or Ehcache gets there first: both end in one
     * event). The margin is what lets a writing request skip Ehcache (see Coalescing).
     *
     * THE INVARIANT the code relies on: for every Seen that is alive,
     *
     *     cachedAt > at - EXPIRY_MARGIN    (cachedAt <= the last time Ehcache read the entry)
     *
     * so Ehcache, which expires an entry a threshold plus the margin after its last read, can not
     * expire it before at + threshold, when the sweep takes it anyway: Ehcache never drops a user
     * who still counts. It holds because the time moves forward (refresh) only in touch(), either
     * right after touch() read the entry from Ehcache (cachedAt = the time read before that
     * read), or through SeenSlots only while now - cachedAt < EXPIRY_MARGIN (then at = now).
     * A look-up by lastSeen() or remove() also restarts Ehcache's idle time; that only keeps an
     * entry longer in Ehcache, never makes it count.
     *
     * Order. A RecencyList threads the same Seen objects, most recent first, into a linked list:
     * the top N in O(N), and moving a returning user to the front in O(1) (a skip list needed a
     * search from the top: microseconds at a million users). A request does not move its user
     * itself: it queues the move, and the moves are made in batches (RecencyList explains why).
     * A new Seen is linked before it is put, so a reader never misses an online id; a Seen that
     * left is unlinked by the event listener. A reader may see an id twice for a moment, and
     * recent() keeps the first (newest).
     *
     * Sweeping. The last in the list is ordered by a time no later than any Seen's own; nothing
     * can expire before that time is a threshold old, so we remember when that is (nextSweep) and
     * a touch or a read that comes earlier does no sweeping work at all: one volatile read.
     *
     * Coalescing. A touch less than `resolution` after the stored time writes nothing, and
     * last-seen stays accurate to `resolution`. Such a touch does not even read Ehcache when
     * SeenSlots, a lossy direct-mapped table of recently found Seens, still holds the user's: one
     * cache miss instead of Ehcache's three at a million users. A touch that writes does not read
     * Ehcache either when SeenSlots holds the Seen and Ehcache read it less than EXPIRY_MARGIN ago
     * (the invariant above): a user who writes every few seconds reaches Ehcache once a margin.
     * Nothing is written on the strength of a slot that holds a Seen which has left: the CAS in
     * refresh() fails on DEAD and the touch goes through Ehcache.
     *
     * Locations. A Seen's last location is a field of the Seen, and `here` indexes the Seens by
     * location, so "how many at L" is the size of one set and "who is at L" reads that set alone,
     * never every user. A move and a leave of one Seen are made under the Seen's monitor, and a
     * move checks there that the Seen has not left (its time is DEAD before left() runs), so no
     * Seen that left stays indexed. Nothing is written when the location is the one it has (read
     * without the monitor). The location string a Seen keeps is its Place's name, one String shared
     * by everyone there (each request's path is a new String: kept per Seen, it cost 56 bytes a
     * user at 1M users, measured with RetainedMemory).
     */

    private final String name;
    private final Clock clock;
    private final long thresholdMillis;
    private final long resolutionMillis;
    private final int maxTracked;
    private final CacheManager manager;
    private final Cache<String, Seen> cache;
    private final RecencyList order = new RecencyList();
    private final SeenSlots slots;
    private final LongAdder size = new LongAdder();
    /** Where people are: location -> the Seens whose last location it is (see "Locations" above). */
    private final ConcurrentHashMap<String, Place> here = new ConcurrentHashMap<>();

    /** One location: its name (the one String its Seens keep) and who is there. */
    private static final class Place {
        final String name;
        final Set<Seen> members = ConcurrentHashMap.newKeySet();

        Place(String name) {
            this.name = name;
        }
    }
    private final AtomicBoolean warnedFull = new AtomicBoolean();
    private volatile long nextSweep = Long.MAX_VALUE;
    private int created; // racy on purpose: only paces how often the slots' size is checked

    /**
     * @param name       a name for logs and for the Ehcache alias ({@code online-now-NAME})
     * @param threshold  how long an id stays online after its last touch
     * @param maxTracked the most ids kept; past it Ehcache evicts the least recently used (WARN once)
     * @param clock      the time source for thresholds; Ehcache's expiry uses it too
     */
    public EhcachePresenceStore(String name, Duration threshold, int maxTracked, Clock clock) {
        this(name, threshold, maxTracked, clock, DEFAULT_RESOLUTION);
    }

    public EhcachePresenceStore(String name, Duration threshold, int maxTracked, Clock clock, Duration resolution) {
        this.name = Objects.requireNonNull(name, "name");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.thresholdMillis = threshold.toMillis();
        this.resolutionMillis = Math.min(resolution.toMillis(), thresholdMillis);
        if (thresholdMillis <= 0 || maxTracked <= 0) {
            throw new IllegalArgumentException("online-now: threshold and maxTracked must be positive (threshold="
                    + threshold + ", maxTracked=" + maxTracked + ")");
        }
        this.maxTracked = maxTracked;
        this.slots = new SeenSlots(maxTracked);
        CacheEventListener<String, Seen> listener = this::onEvent;
        this.manager = CacheManagerBuilder.newCacheManagerBuilder()
                .using(new TimeSourceConfiguration(clock::millis))
                .using(new InlineEventExecution()) // events reach onEvent on the caller's thread
                .withCache("online-now-" + name, CacheConfigurationBuilder
                        .newCacheConfigurationBuilder(String.class, Seen.class, ResourcePoolsBuilder.heap(maxTracked))
                        // a backstop only: see "Expiry" and THE INVARIANT above
                        .withExpiry(ExpiryPolicyBuilder.timeToIdleExpiration(threshold.plus(EXPIRY_MARGIN)))
                        .withService(CacheEventListenerConfigurationBuilder
                                .newEventListenerConfiguration(listener,
                                        EventType.CREATED, EventType.REMOVED, EventType.EXPIRED, EventType.EVICTED)
                                .unordered().synchronous()))
                .build(true);
        this.cache = manager.getCache("online-now-" + name, String.class, Seen.class);
    }

    @Override
    public void touch(String id) {
        Objects.requireNonNull(id, "id");
        long now = clock.millis();
        sweepIfDue(now);
        Seen known = slots.get(id);
        if (known != null) {
            long at = known.at;
            if (coalesces(at, now)) {
                return; // nothing to write
            }
            // THE INVARIANT: Ehcache read this entry less than a margin ago, so after this write
            // (at = now) it still holds until at + threshold at least
            if (at != RecencyList.DEAD && now - known.cachedAt < MARGIN_MILLIS && order.refresh(known, at, now)) {
                return;
            }
        }
        for (int attempt = 0; attempt < 16; attempt++) {
            Seen current = cache.get(id); // restarts Ehcache's idle time at `now` or later
            if (current != null && current != known) {
                slots.put(current);
            }
            if (current == null) {
                Seen fresh = new Seen(id, now);
                // add to the order first: a reader must never miss an online id
                order.add(fresh);
                if (cache.putIfAbsent(id, fresh) == null) {
                    lowerNextSweep(fresh);
                    return;
                }
                order.remove(fresh);
            } else {
                if (current.cachedAt != now) {
                    current.cachedAt = now;
                }
                long at = current.at;
                if (coalesces(at, now) || order.refresh(current, at, now)) {
                    return;
                }
                // swept, removed or evicted while we looked: make sure it is gone, start over
                cache.remove(id, current);
            }
            // lost a race with another touch, a remove or a sweep of the same id: look again
        }
        // 16 lost races in a row means someone else is touching this id right now, which is
        // as good as our own touch.
    }

    /**
     * Whether a touch at {@code now} of a Seen whose time is {@code at} writes nothing: it is
     * still there and recent enough (or the clock went backwards, which never moves anyone into
     * the past).
     */
    private boolean coalesces(long at, long now) {
        return at != RecencyList.DEAD && (now < at || now - at < resolutionMillis);
    }

    @Override
    public boolean remove(String id) {
        long now = clock.millis();
        Seen removed = cache.get(id);
        if (removed == null) {
            return false;
        }
        long at = removed.at; // before the REMOVED event marks it gone
        if (cache.remove(id, removed)) { // its REMOVED event takes it off the order
            return at != RecencyList.DEAD && now - at < thresholdMillis;
        }
        // changed under us: remove whatever is there now
        return cache.get(id) != null && remove(id);
    }

    @Override
    public List<LastSeen> recent(int limit) {
        if (limit <= 0) {
            return List.of();
        }
        long now = clock.millis();
        sweepIfDue(now);
        return order.newest(limit, now - thresholdMillis);
    }

    @Override
    public long count() {
        sweepIfDue(clock.millis());
        return Math.max(0, size.sum());
    }

    @Override
    public Optional<Instant> lastSeen(String id) {
        Seen s = cache.get(id);
        long at = s == null ? RecencyList.DEAD : s.at;
        if (at == RecencyList.DEAD || clock.millis() - at >= thresholdMillis) {
            return Optional.empty();
        }
        return Optional.of(Instant.ofEpochMilli(at));
    }

    @Override
    public void sweep() {
        sweepIfDue(clock.millis());
    }

    /**
     * Puts back an id read from a saved index, last seen at {@code at}, at {@code location}
     * (or none). Skipped if it passed the threshold, or if the id is here already. Call it oldest
     * first (each goes to the front of the order, at no cost).
     */
    public void restore(String id, long at, String location) {
        long now = clock.millis();
        if (now - at >= thresholdMillis) {
            return;
        }
        Seen fresh = new Seen(id, Math.min(at, now));
        fresh.cachedAt = now; // Ehcache reads it now (the put)
        order.add(fresh);
        if (cache.putIfAbsent(id, fresh) != null) {
            order.remove(fresh);
            return;
        }
        lowerNextSweep(fresh);
        if (location != null) {
            move(fresh, location); // the Seen is at hand: no look-up
        }
    }

    @Override
    public boolean locate(String id, String location) {
        Objects.requireNonNull(location, "location");
        Seen s = slots.get(id);
        if (s == null || s.at == RecencyList.DEAD) {
            s = cache.get(id);
            if (s == null) {
                return false;
            }
            slots.put(s);
        }
        if (location.equals(s.location)) {
            return s.at != RecencyList.DEAD; // there already: nothing to write
        }
        return move(s, location);
    }

    /** Indexes {@code seen} at {@code location} (off its old one); false if it has left. */
    private boolean move(Seen seen, String location) {
        synchronized (seen) {
            if (seen.at == RecencyList.DEAD) {
                return false;
            }
            String old = seen.location;
            if (location.equals(old)) {
                return true;
            }
            if (old != null) {
                unindex(seen, old);
            }
            here.compute(location, (key, place) -> {
                Place p = place != null ? place : new Place(key);
                p.members.add(seen);
                seen.location = p.name;
                return p;
            });
        }
        return true;
    }

    /** The last location of {@code id} if it is online here, else null. */
    public String locationOf(String id) {
        Seen s = slots.get(id);
        if (s == null || s.at == RecencyList.DEAD) {
            s = cache.get(id);
        }
        if (s == null) {
            return null;
        }
        long at = s.at;
        return at == RecencyList.DEAD || clock.millis() - at >= thresholdMillis ? null : s.location;
    }

    @Override
    public long countAt(String location) {
        sweepIfDue(clock.millis());
        Place there = here.get(location);
        return there == null ? 0 : there.members.size();
    }

    @Override
    public List<LastSeen> recentAt(String location, int limit) {
        long now = clock.millis();
        sweepIfDue(now);
        Place place = here.get(location);
        if (place == null || limit <= 0) {
            return List.of();
        }
        long cutoff = now - thresholdMillis;
        Set<Seen> there = place.members;
        long members = there.size();
        long everyone = Math.max(members, size.sum());
        /* Two ways to the newest `limit` here, whichever reads fewer entries: the location's own
         * members (all of them), or the recency list of everyone from the newest, keeping those
         * here (about limit * everyone / members of them until `limit` are found). A crowded
         * location is read from the recency list, a quiet one from its members. */
        if (members * members > (long) limit * everyone) {
            return order.newest(limit, cutoff, s -> location.equals(s.location));
        }
        java.util.PriorityQueue<LastSeen> newest = new java.util.PriorityQueue<>(limit + 1,
                (a, b) -> Long.compare(a.epochMilli(), b.epochMilli()));
        for (Seen s : there) {
            long at = s.at;
            if (at != RecencyList.DEAD && at > cutoff && (newest.size() < limit || at > newest.peek().epochMilli())) {
                newest.add(new LastSeen(s.id, at, location));
                if (newest.size() > limit) {
                    newest.poll();
                }
            }
        }
        List<LastSeen> out = new ArrayList<>(newest);
        out.sort((a, b) -> Long.compare(b.epochMilli(), a.epochMilli()));
        return out;
    }

    /** Locations with someone there (for tests and the memory benchmark). */
    int locations() {
        return here.size();
    }

    private void unindex(Seen seen, String location) {
        here.computeIfPresent(location, (key, place) -> {
            place.members.remove(seen);
            return place.members.isEmpty() ? null : place;
        });
    }

    @Override
    public void close() {
        manager.close();
        order.clear();
        slots.clear();
        here.clear();
    }

    @Override
    public String toString() {
        return "EhcachePresenceStore[" + name + ", threshold=" + Duration.ofMillis(thresholdMillis) + "]";
    }

    private void sweepIfDue(long now) {
        if (now < nextSweep) {
            return;
        }
        sweep(now);
    }

    /** Whether Ehcache itself still holds {@code id}, without restarting its idle time (for tests). */
    boolean cached(String id) {
        return cache.containsKey(id);
    }

    private void sweep(long now) {
        long expiredBefore = now - thresholdMillis; // an entry with at <= this is expired
        while (true) {
            Seen oldest = order.pollOldestAtOrBefore(expiredBefore);
            if (oldest == null) {
                long oldestAt = order.oldestAt();
                nextSweep = (oldestAt == Long.MIN_VALUE ? now : oldestAt) + thresholdMillis;
                return;
            }
            // conditional: only the entry we saw; a fresher touch of the same id stays
            cache.remove(oldest.id, oldest);
        }
    }

    private void lowerNextSweep(Seen fresh) {
        long due = fresh.at + thresholdMillis;
        if (due < nextSweep) {
            nextSweep = due; // benign race: a sweep that comes early only costs one look at the tail
        }
    }

    private void onEvent(CacheEvent<? extends String, ? extends Seen> event) {
        switch (event.getType()) {
            case CREATED:
                size.increment();
                if ((++created & 1023) == 0) {
                    slots.sizeFor(size.sum());
                }
                break;
            case EVICTED:
                if (warnedFull.compareAndSet(false, true)) {
                    LOG.log(Level.WARNING, "online-now: the " + name + " index reached maxTracked=" + maxTracked
                            + "; the least recently active are dropped to stay within it. Raise maxTracked if "
                            + "more users than that are really online.");
                }
                size.decrement();
                left(event.getOldValue());
                break;
            case REMOVED:
            case EXPIRED:
                size.decrement();
                left(event.getOldValue());
                break;
            default:
                break;
        }
    }

    private void left(Seen s) {
        order.remove(s); // its time is DEAD from here on: no move indexes it again
        slots.remove(s);
        // always under the monitor, even when no location shows yet: a move that checked the time
        // before it became DEAD may be indexing this Seen right now, and must finish first
        synchronized (s) {
            String location = s.location;
            if (location != null) {
                s.location = null;
                unindex(s, location);
            }
        }
    }

    /**
     * One id's last activity; the same object is the Ehcache value and the node of the order
     * (every field but the id belongs to {@link RecencyList}, which documents them), so a tracked
     * id costs one small object besides the id string. Identity matters: Ehcache's conditional
     * operations compare with equals(), which is identity here on purpose.
     */
    static final class Seen {
        final String id;
        volatile long at; // moved forward by CAS only; RecencyList.DEAD once it has left
        long placedAt; // the time it is ordered by, under the order's lock
        Seen prev;
        Seen next;
        Seen queueNext;
        volatile int queueDepth; // > 0 while queued for a move
        /** No later than the last time Ehcache read this entry (THE INVARIANT in the store's notes). */
        volatile long cachedAt;
        /** Its last location, or null; written under this Seen's monitor ("Locations" in the notes). */
        volatile String location;

        Seen(String id, long at) {
            this.id = id;
            this.at = at;
            this.cachedAt = at; // put right after: Ehcache's idle time starts at `at` or later
        }

        @Override
        public String toString() {
            return id + "@" + at;
        }
    }
}
