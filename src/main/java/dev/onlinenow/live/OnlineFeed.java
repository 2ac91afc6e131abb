package dev.onlinenow.live;

import dev.onlinenow.OnlineNow;
import dev.onlinenow.OnlineRecord;
import dev.onlinenow.OnlineUser;
import dev.onlinenow.Ticker;
import dev.onlinenow.store.LastSeen;

import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@code online} frame of protocol 1.1: who is online, pushed to the connections that asked
 * for it. A subscriber gets the frame at once (computed for it), then again when it changed, at
 * most once a second on the ticker.
 *
 * <p>Coalesced: each push computes the frame once per visibility class (viewers who may see
 * hidden users, and the others), whatever the number of subscribers and of changes since the
 * last push; every subscriber of a class is handed the same text. The only per-subscriber part is
 * a hidden user's own entry: a hidden user who is not in their class's list is put at its head,
 * as {@code onlineNow} lists them to themself. Whether a connection may see hidden users is decided
 * once, at its handshake ({@code seeHidden} roles, {@code isUserInRole} of the handshake request).
 */
final class OnlineFeed {

    private static final System.Logger LOG = System.getLogger(OnlineFeed.class.getName());
    static final long PUSH_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** One subscribed connection; what it was last sent. */
    static final class Subscriber {
        final LiveConnection c;
        /** The computation the text last sent came from (under this). */
        private long sentSeq = -1;
        private String sent; // under this

        Subscriber(LiveConnection c) {
            this.c = c;
        }

        /**
         * Sends {@code text} unless a newer computation was sent already, or (unless {@code again})
         * it is what was sent last.
         */
        synchronized void offer(long seq, String text, boolean again) {
            if (seq <= sentSeq || (!again && text.equals(sent))) {
                return;
            }
            sentSeq = seq;
            sent = text;
            c.send(text);
        }
    }

    /** One computation of a class's frame. */
    private record View(List<LastSeen> seen, Set<String> ids, Set<String> hiddenIds, long count, long guests,
                        long robots, OnlineRecord record, String text) {
    }

    private final OnlineNow online;
    private final Ticker ticker;
    private final Executor executor;
    private final ConcurrentHashMap<LiveConnection, Subscriber> subscribers = new ConcurrentHashMap<>();
    private final AtomicLong seq = new AtomicLong();
    private final AtomicBoolean pending = new AtomicBoolean();
    private volatile long lastPushNanos;
    /** The text of the last push per class, reused when unchanged so that comparing it is one reference check. */
    private String lastPlain;
    private String lastStaff;
    /** Computations of a class's frame since start (for tests and benchmarks). */
    private final AtomicLong computations = new AtomicLong();

    OnlineFeed(OnlineNow online, Executor executor) {
        this.online = online;
        this.ticker = online.settings().ticker();
        this.executor = executor;
        this.lastPushNanos = ticker.nanos();
    }

    /**
     * Subscribes the connection (again: idempotent) and sends it the frame now, computed for it
     * on the caller's (its socket's) thread.
     */
    void subscribe(LiveConnection c) {
        Subscriber s = subscribers.computeIfAbsent(c, Subscriber::new);
        if (c.dropped.get()) { // closed meanwhile: forget() may have run before we were added
            subscribers.remove(c);
            return;
        }
        long n = seq.incrementAndGet();
        View v = compute(c.seesHidden);
        s.offer(n, textFor(c, v), true); // asked for: answered, even if unchanged
    }

    /** The connection closed. */
    void unsubscribe(LiveConnection c) {
        subscribers.remove(c);
    }

    int subscribers() {
        return subscribers.size();
    }

    long computations() {
        return computations.get();
    }

    /**
     * Called often (by the live layer's timer, or a test): once a second on the ticker, queues a
     * push to every subscriber on the executor (at most one queued at a time).
     */
    void tick() {
        long now = ticker.nanos();
        if (subscribers.isEmpty() || now - lastPushNanos < PUSH_NANOS || !pending.compareAndSet(false, true)) {
            return;
        }
        lastPushNanos = now;
        try {
            executor.execute(() -> {
                try {
                    push();
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "online-now: could not push the online frame; trying again in a second", e);
                } finally {
                    pending.set(false);
                }
            });
        } catch (RejectedExecutionException stopping) {
            pending.set(false);
        }
    }

    /** One push: each class's frame computed once, each subscriber sent it if it changed. */
    void push() {
        long n = seq.incrementAndGet();
        View plain = null;
        View staff = null;
        for (Subscriber s : subscribers.values()) {
            View v;
            if (s.c.seesHidden) {
                if (staff == null) {
                    staff = compute(true);
                    if (staff.text.equals(lastStaff)) {
                        staff = withText(staff, lastStaff);
                    }
                    lastStaff = staff.text;
                }
                v = staff;
            } else {
                if (plain == null) {
                    plain = compute(false);
                    if (plain.text.equals(lastPlain)) {
                        plain = withText(plain, lastPlain);
                    }
                    lastPlain = plain.text;
                }
                v = plain;
            }
            s.offer(n, textFor(s.c, v), false);
        }
    }

    private static View withText(View v, String text) {
        return new View(v.seen, v.ids, v.hiddenIds, v.count, v.guests, v.robots, v.record, text);
    }

    /** The class's frame, or this connection's own when it is a hidden user missing from the list. */
    private String textFor(LiveConnection c, View v) {
        if (c.guest || !online.hidingEnabled() || v.ids.contains(c.userId)) {
            return v.text;
        }
        Optional<Instant> hiddenAt = online.lastSeenHidden(c.userId);
        if (hiddenAt.isEmpty()) {
            return v.text;
        }
        int max = online.settings().maxCount();
        List<LastSeen> withSelf = new ArrayList<>(v.seen.size() + 1);
        withSelf.add(new LastSeen(c.userId, hiddenAt.get().toEpochMilli()));
        withSelf.addAll(v.seen);
        if (withSelf.size() > max) {
            withSelf = withSelf.subList(0, max);
        }
        Set<String> hiddenIds = new HashSet<>(v.hiddenIds);
        hiddenIds.add(c.userId);
        return frame(v.count, v.guests, v.robots, v.record, online.resolve(withSelf, hiddenIds));
    }

    /** The frame of one class: the list as {@code onlineNow} shows it to such a viewer (self aside). */
    private View compute(boolean seesHidden) {
        computations.incrementAndGet();
        int max = online.settings().maxCount();
        long count = online.count();
        long guests = online.settings().trackAnonymous() ? online.guestCount() : 0;
        long robots = online.robotCount();
        online.noteCount(count + guests);
        OnlineRecord record = online.record();
        List<LastSeen> seen = online.recent(max);
        Set<String> hiddenIds = Set.of();
        if (seesHidden && online.hidingEnabled() && online.hiddenCount() > 0) {
            List<LastSeen> hidden = online.recentHidden(max);
            List<LastSeen> merged = new ArrayList<>(seen.size() + hidden.size());
            merged.addAll(seen);
            merged.addAll(hidden);
            merged.sort((a, b) -> Long.compare(b.epochMilli(), a.epochMilli()));
            seen = merged.size() > max ? merged.subList(0, max) : merged;
            Set<String> marked = new HashSet<>();
            for (LastSeen h : hidden) {
                marked.add(h.id());
            }
            marked.retainAll(idsOf(seen));
            hiddenIds = marked;
        }
        seen = List.copyOf(seen);
        Set<String> ids = idsOf(seen);
        String text = frame(count, guests, robots, record, online.resolve(seen, hiddenIds));
        return new View(seen, ids, hiddenIds, count, guests, robots, record, text);
    }

    private static Set<String> idsOf(List<LastSeen> seen) {
        Set<String> ids = new HashSet<>(seen.size() * 2);
        for (LastSeen s : seen) {
            ids.add(s.id());
        }
        return ids;
    }

    /** The {@code online} frame's text. */
    static String frame(long count, long guests, long robots, OnlineRecord record, List<OnlineUser> users) {
        StringBuilder sb = new StringBuilder(96 + 64 * users.size());
        sb.append("{\"type\":\"").append(Protocol.ONLINE).append("\",\"count\":").append(count)
                .append(",\"guests\":").append(guests).append(",\"robots\":").append(robots).append(",\"users\":[");
        boolean first = true;
        for (OnlineUser u : users) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            sb.append("{\"id\":").append(Protocol.PROVIDER.createValue(u.getId()))
                    .append(",\"name\":").append(Protocol.PROVIDER.createValue(u.getName() == null ? u.getId() : u.getName()))
                    .append(",\"lastSeen\":").append(u.getLastSeenMillis());
            if (u.isHidden()) {
                sb.append(",\"hidden\":true");
            }
            sb.append('}');
        }
        return sb.append("],\"record\":{\"count\":").append(record.getCount()).append(",\"at\":")
                .append(record.getMillis()).append("}}").toString();
    }
}
