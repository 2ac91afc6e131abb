package dev.onlinenow.live;

import dev.onlinenow.OnlineNowSettings;
import dev.onlinenow.OnlineNowStats;
import dev.onlinenow.Ticker;
import dev.onlinenow.internal.RateLimitedLog;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The room operations: join, leave, meta, cursor ticks and the delivery of room messages to this
 * server's members, each run on the room's {@link RoomShard}.
 *
 * <h2>Concurrency</h2>
 * A caller (a socket's thread, the tick, the bus) never touches a room: it queues the operation on
 * the room's shard and returns. On the shard an operation changes the room's {@link Room} at once
 * and asks the {@link RoomState} for the rest; the store's answer is queued back to the same shard
 * ({@code whenCompleteAsync(..., shard)}), which then announces the change. So no lock is held
 * while the store works, no thread waits for it, and one slow room costs the others nothing.
 * Between asking and the answer a member is <em>joining</em>: it gets no frames, a leave or drop is
 * kept for when the join lands, and a meta change too. A user's operations in one room reach the
 * store in the order they were made (one shard thread issues them, one store connection keeps
 * them), so their join is counted before their leave.
 *
 * <p>Room messages this server publishes come back to it through the bus and go to the members
 * from {@link #deliver}; the in-process bus does that at once on the publishing (shard) thread.
 */
final class RoomOps {

    private static final System.Logger LOG = System.getLogger(RoomOps.class.getName());
    private static final java.util.Comparator<Presence> JOIN_ORDER =
            java.util.Comparator.comparingLong(Presence::getJoinedAtMillis).thenComparing(Presence::getId);
    /** How long a room that only the server-side API reads stays watched after its last read. */
    static final long WATCH_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final OnlineNowSettings settings;
    private final Clock clock;
    private final Ticker ticker;
    private final RoomState state;
    private final RoomBus bus;
    /** The store is shared with other servers: views are fetched and reconciled, not only kept. */
    private final boolean shared;
    private final RoomShard[] shards;
    private final Executor events;
    private final PresenceEvents listeners;
    private final RateLimitedLog warnings;
    private final OnlineNowStats stats;

    /** Every room any shard holds, for the server-side API's reads. */
    private final ConcurrentHashMap<String, Room> index = new ConcurrentHashMap<>();
    /** Rooms with at least one member on this server. */
    private final AtomicInteger localRooms = new AtomicInteger();
    private final AtomicLong framesSent = new AtomicLong();
    /** The cluster's rooms as the store last listed them (shared stores). */
    private volatile Set<String> clusterRooms = Set.of();
    private volatile boolean trustAbsences = true;

    /** Who gets told of presence changes (the server-side API's listeners). */
    interface PresenceEvents {
        void joined(String room, Presence p);

        void left(String room, Presence p);
    }

    RoomOps(OnlineNowSettings settings, RoomState state, RoomBus bus, boolean shared, int shardCount,
            Executor events, PresenceEvents listeners, RateLimitedLog warnings, OnlineNowStats stats) {
        this.stats = stats;
        this.settings = settings;
        this.clock = settings.clock();
        this.ticker = settings.ticker();
        this.state = state;
        this.bus = bus;
        this.shared = shared;
        this.events = events;
        this.listeners = listeners;
        this.warnings = warnings;
        this.shards = new RoomShard[shardCount];
        for (int i = 0; i < shardCount; i++) {
            shards[i] = new RoomShard(i, "online-now-live-room");
        }
    }

    RoomShard shard(String room) {
        return shards[(room.hashCode() & 0x7fffffff) % shards.length];
    }

    private long nowMillisMonotonic() {
        return ticker.nanos() / 1_000_000;
    }

    // --- operations of a connection (called on the socket's thread) ------------------------------

    /**
     * Puts {@code c} into the room (the caller checked the message, the connection's room limit
     * and the authorizer, and added the room to {@code c.rooms}).
     */
    void join(LiveConnection c, String room, JsonObject meta) {
        RoomShard s = shard(room);
        s.execute(() -> joinOnShard(s, c, room, meta));
    }

    /**
     * Takes {@code c} out of the room, if it is in. Always queued, never run inline: a drop may
     * come from inside a delivery to the room's members (a send queue that overflowed).
     */
    void leave(LiveConnection c, String room, OnlineNowStats.LeaveReason reason) {
        RoomShard s = shard(room);
        s.later(() -> leaveOnShard(s, c, room, reason));
    }

    void meta(LiveConnection c, String room, JsonObject meta) {
        RoomShard s = shard(room);
        s.execute(() -> {
            Room r = s.rooms.get(room);
            Room.Member m = r == null ? null : r.members.get(c);
            if (m == null) {
                c.send(refuse(Protocol.NOT_JOINED, "join the room before setting meta", Protocol.META, room));
            } else if (!m.joined) {
                m.pendingMeta = meta;
            } else {
                metaOnShard(s, c, r, m, meta);
            }
        });
    }

    /** A cursor move; it goes out with the next tick if the mover is still in the room then. */
    void move(String room, String id, double x, double y, boolean fromClient) {
        shard(room).coalescer.move(room, id, x, y, clock.millis(), fromClient);
    }

    // --- on the shard ----------------------------------------------------------------------------

    private Room newRoom(RoomShard s, String name) {
        Room r = s.room(name);
        r.viewReady = !shared;
        index.put(name, r);
        return r;
    }

    private void joinOnShard(RoomShard s, LiveConnection c, String name, JsonObject meta) {
        if (c.dropped.get()) {
            c.rooms.remove(name);
            return;
        }
        Room r = s.rooms.get(name);
        Room.Member m = r == null ? null : r.members.get(c);
        if (m != null) {
            if (!m.joined) {
                if (meta != null) {
                    m.pendingMeta = meta;
                }
                return; // its state is on the way
            }
            // joined already: this connection alone gets the room again, nobody else hears of it
            if (meta != null) {
                metaOnShard(s, c, r, m, meta);
            }
            sendState(c, r);
            return;
        }
        boolean firstHere = r == null || !r.hasLocalMembers();
        if (firstHere && localRooms.get() >= settings.maxRooms()) {
            c.rooms.remove(name);
            warnings.warn(OnlineNowSettings.MAX_ROOMS, () -> "online-now: this server has members in " + settings.maxRooms()
                    + " rooms (" + OnlineNowSettings.MAX_ROOMS + "); joins of further rooms are refused with "
                    + Protocol.SERVER_FULL, null);
            c.send(refuse(Protocol.SERVER_FULL, "this server is at its limit of rooms", Protocol.JOIN, name));
            return;
        }
        if (r != null && !r.view.containsKey(c.userId) && r.view.size() >= settings.maxMembersPerRoom()) {
            c.rooms.remove(name);
            warnings.warn(OnlineNowSettings.MAX_MEMBERS_PER_ROOM, () -> "online-now: room " + abbreviate(name) + " has "
                    + settings.maxMembersPerRoom() + " members (" + OnlineNowSettings.MAX_MEMBERS_PER_ROOM
                    + "); further users are refused with " + Protocol.ROOM_FULL, null);
            c.send(refuse(Protocol.ROOM_FULL, "this room is full", Protocol.JOIN, name));
            return;
        }
        if (r == null) {
            r = newRoom(s, name);
        }
        if (firstHere) {
            localRooms.incrementAndGet();
        }
        Room.Member member = new Room.Member(new TokenBucket(settings.maxMetaPerSecond(), settings.maxMetaPerSecond(),
                nowMillisMonotonic()));
        r.members.put(c, member);
        r.inFlight++;
        Room room = r;
        state.join(name, c.userId, c.name, meta, clock.millis())
                .whenCompleteAsync((j, e) -> joinLanded(s, c, room, member, meta, j, e), s);
        if (!r.viewReady && r.touchedDuringFetch == null) {
            fetch(s, r);
        }
    }

    private void joinLanded(RoomShard s, LiveConnection c, Room r, Room.Member m, JsonObject meta,
                            RoomState.Joined j, Throwable e) {
        r.inFlight--;
        if (e != null || j == null) {
            LOG.log(Level.DEBUG, () -> "online-now: a join of " + c + " to " + r + " failed: " + e);
            removeMember(s, r, c);
            c.rooms.remove(r.name);
            c.send(refuse(Protocol.INTERNAL, "the server could not join this room; try again", Protocol.JOIN,
                    r.name));
            return;
        }
        m.joined = true;
        r.usersHere.merge(c.userId, 1, Integer::sum);
        if (j.first()) {
            // comes back through deliver(), which puts it into the view
            bus.publish(new RoomMessage(RoomMessage.Kind.JOIN, r.name, Protocol.join(r.name, j.presence()), c.userId,
                    null));
            Presence p = j.presence();
            stats.joined();
            events.execute(() -> listeners.joined(r.name, p));
        } else {
            r.view.put(c.userId, j.presence()); // their connection count, and meta if replaced
            r.publishView();
            if (meta != null) {
                bus.publish(new RoomMessage(RoomMessage.Kind.META, r.name, Protocol.meta(r.name, j.presence()), null,
                        c.id));
            }
        }
        if (m.leaveAfterJoin || c.dropped.get()) {
            leaveOnShard(s, c, r.name, m.leaveReason);
            return;
        }
        if (m.pendingMeta != null) {
            JsonObject pm = m.pendingMeta;
            m.pendingMeta = null;
            metaOnShard(s, c, r, m, pm);
        }
        if (r.viewReady) {
            sendState(c, r);
        } else {
            r.awaitingState.add(c);
        }
    }

    private void sendState(LiveConnection c, Room r) {
        if (c.send(Protocol.state(r.name, c.userId, r.view.values(), r.cursorView.values(),
                settings.pingInterval().toMillis()))) {
            framesSent.incrementAndGet();
        }
    }

    private void leaveOnShard(RoomShard s, LiveConnection c, String name, OnlineNowStats.LeaveReason reason) {
        Room r = s.rooms.get(name);
        Room.Member m = r == null ? null : r.members.get(c);
        if (m == null) {
            return;
        }
        if (!m.joined) {
            m.leaveAfterJoin = true;
            m.leaveReason = reason;
            return;
        }
        removeMember(s, r, c);
        Integer left = r.usersHere.computeIfPresent(c.userId, (k, n) -> n <= 1 ? null : n - 1);
        if (left == null) {
            s.coalescer.forget(name, c.userId); // a move still pending is not relayed after the leave
            r.placedAt.remove(c.userId);
        }
        r.inFlight++;
        state.leave(name, c.userId).whenCompleteAsync((l, e) -> {
            r.inFlight--;
            if (l == null) {
                return;
            }
            if (l.last()) {
                bus.publish(new RoomMessage(RoomMessage.Kind.LEAVE, name, Protocol.leave(name, c.userId), null, null));
                Presence p = l.presence();
                stats.left(reason);
                events.execute(() -> listeners.left(name, p));
            } else if (r.view.containsKey(c.userId)) {
                r.view.put(c.userId, l.presence());
                r.publishView();
            }
        }, s);
    }

    /* c.rooms is the socket thread's (Inbound adds a room before the join and removes it with the
     * leave, so that the next message already sees it); only a refused join takes it back here */
    private void removeMember(RoomShard s, Room r, LiveConnection c) {
        if (r.members.remove(c) != null && r.members.isEmpty()) {
            localRooms.decrementAndGet();
        }
        r.awaitingState.remove(c);
    }

    private void metaOnShard(RoomShard s, LiveConnection c, Room r, Room.Member m, JsonObject meta) {
        if (!m.metaBudget.tryTake(nowMillisMonotonic())) {
            c.send(refuse(Protocol.RATE_LIMITED, "more than " + settings.maxMetaPerSecond()
                    + " meta changes a second in this room; this one was dropped", Protocol.META, r.name));
            return;
        }
        r.inFlight++;
        state.meta(r.name, c.userId, meta).whenCompleteAsync((p, e) -> {
            r.inFlight--;
            if (p != null) {
                bus.publish(new RoomMessage(RoomMessage.Kind.META, r.name, Protocol.meta(r.name, p), null, c.id));
            }
        }, s);
    }

    // --- delivery ---------------------------------------------------------------------------------

    /** The bus's receiver: a room message, from this server or another, for this server's members. */
    void deliver(RoomMessage m) {
        RoomShard s = shard(m.room());
        s.execute(() -> deliverOnShard(s, m));
    }

    private void deliverOnShard(RoomShard s, RoomMessage m) {
        Room r = s.rooms.get(m.room());
        if (r == null) {
            return; // nobody here is in the room or watches it
        }
        apply(r, m);
        sendToMembers(r, m);
    }

    /** Keeps the view up to date with a room message. */
    private void apply(Room r, RoomMessage m) {
        JsonObject f = m.frame();
        switch (m.kind()) {
            case JOIN:
            case META: {
                Presence p = Presence.fromJson(f.getJsonObject("presence"));
                r.view.put(p.getId(), p);
                r.touched(p.getId());
                r.publishView();
                break;
            }
            case LEAVE: {
                String id = f.getString("id");
                r.view.remove(id);
                r.touched(id);
                r.publishView();
                if (r.cursorView.remove(id) != null) {
                    r.publishCursors();
                }
                break;
            }
            case CURSORS: {
                JsonArray cs = f.getJsonArray("cursors");
                long now = clock.millis();
                for (JsonValue v : cs) {
                    JsonObject e = v.asJsonObject();
                    String id = e.getString("id");
                    if (e.getBoolean("gone", false)) {
                        r.cursorView.remove(id);
                    } else {
                        r.cursorView.put(id, new Cursor(id, e.getJsonNumber("x").doubleValue(),
                                e.getJsonNumber("y").doubleValue(), now));
                    }
                }
                r.publishCursors();
                break;
            }
            default:
                break;
        }
    }

    private void sendToMembers(Room r, RoomMessage m) {
        if (r.members.isEmpty()) {
            return;
        }
        long start = System.nanoTime();
        CursorFrame cursors = m.kind() == RoomMessage.Kind.CURSORS ? new CursorFrame(m.room(), m.frame()) : null;
        String text = cursors != null ? cursors.without(null) : m.frame().toString(); // each entry serialized once
        Map<String, String> perUser = cursors == null ? null : new HashMap<>();
        for (Map.Entry<LiveConnection, Room.Member> e : r.members.entrySet()) {
            LiveConnection c = e.getKey();
            if (!e.getValue().joined || c.userId.equals(m.skipUser()) || c.id.equals(m.skipConnection())) {
                continue;
            }
            if (cursors == null) {
                if (c.send(text)) {
                    framesSent.incrementAndGet();
                }
                continue;
            }
            String out = text;
            if (cursors.has(c.userId)) {
                out = perUser.computeIfAbsent(c.userId, cursors::without);
                if (out.isEmpty()) {
                    continue; // only their own cursor changed
                }
            }
            switch (c.sendCursors(m.room(), cursors, out)) {
                case QUEUED -> framesSent.incrementAndGet();
                case MERGED -> stats.cursorFrameMerged();
                default -> { }
            }
        }
        stats.fanout(System.nanoTime() - start);
    }

    /** An {@code error} frame for a refused message, counted by its code. */
    private String refuse(String code, String message, String ref, String room) {
        stats.refused(code);
        return Protocol.error(code, message, ref, room);
    }

    // --- fetch and reconciliation (shared stores) -------------------------------------------------

    private void fetch(RoomShard s, Room r) {
        r.startFetch();
        r.inFlight++;
        CompletableFuture<List<Presence>> ps = state.presences(r.name).toCompletableFuture();
        CompletableFuture<List<Cursor>> cs = state.cursors(r.name).toCompletableFuture();
        ps.thenCombine(cs, (p, c) -> new Object[] {p, c}).whenCompleteAsync((pc, e) -> {
            r.inFlight--;
            Set<String> touched = r.touchedDuringFetch;
            r.touchedDuringFetch = null;
            boolean first = !r.viewReady;
            r.viewReady = true;
            if (e == null && pc != null) {
                @SuppressWarnings("unchecked")
                List<Presence> fresh = (List<Presence>) pc[0];
                @SuppressWarnings("unchecked")
                List<Cursor> freshCursors = (List<Cursor>) pc[1];
                merge(r, fresh, freshCursors, touched == null ? Set.of() : touched, !first);
            }
            if (first) {
                for (LiveConnection c : r.awaitingState) {
                    Room.Member m = r.members.get(c);
                    if (m != null && m.joined) {
                        sendState(c, r);
                    }
                }
                r.awaitingState.clear();
            }
        }, s);
    }

    /**
     * Makes the view what the store says, but for users a message changed while the store was
     * being read (the message is newer), and tells this server's members what they missed.
     */
    private void merge(Room r, List<Presence> fresh, List<Cursor> freshCursors, Set<String> touched, boolean tell) {
        Set<String> freshIds = new HashSet<>();
        for (Presence p : fresh) {
            freshIds.add(p.getId());
        }
        if (!freshIds.containsAll(r.usersHere.keySet())) {
            // the store lacks our own members: it lost data, and the backend puts them back; comparing
            // with it now would tell our sockets that everybody left
            return;
        }
        List<RoomMessage> missed = new ArrayList<>();
        LinkedHashMap<String, Presence> next = new LinkedHashMap<>();
        for (Presence p : fresh) {
            Presence before = r.view.get(p.getId());
            if (touched.contains(p.getId())) {
                if (before != null) {
                    next.put(p.getId(), before);
                }
                continue;
            }
            next.put(p.getId(), p);
            if (before == null) {
                missed.add(new RoomMessage(RoomMessage.Kind.JOIN, r.name, Protocol.join(r.name, p), p.getId(), null));
            } else if (!before.getMeta().equals(p.getMeta()) || !before.getName().equals(p.getName())) {
                missed.add(new RoomMessage(RoomMessage.Kind.META, r.name, Protocol.meta(r.name, p), null, null));
            }
        }
        for (Map.Entry<String, Presence> e : r.view.entrySet()) {
            String id = e.getKey();
            if (freshIds.contains(id)) {
                continue;
            }
            if (touched.contains(id) || !trustAbsences) {
                next.put(id, e.getValue());
            } else {
                missed.add(new RoomMessage(RoomMessage.Kind.LEAVE, r.name, Protocol.leave(r.name, id), null, null));
            }
        }
        // in join order, also where a member kept from the old view sits among fresh ones
        List<Presence> ordered = new ArrayList<>(next.values());
        ordered.sort(JOIN_ORDER);
        r.view.clear();
        for (Presence p : ordered) {
            r.view.put(p.getId(), p);
        }
        r.publishView();
        // cursors: the store's, but for those this server placed itself (it knows them best)
        Set<String> freshCursorIds = new HashSet<>();
        boolean cursorsChanged = false;
        for (Cursor c : freshCursors) {
            freshCursorIds.add(c.getId());
            if (!r.placedAt.containsKey(c.getId()) && !c.equals(r.cursorView.get(c.getId()))
                    && !r.cursorView.containsKey(c.getId())) {
                r.cursorView.put(c.getId(), c);
                cursorsChanged = true;
            }
        }
        cursorsChanged |= r.cursorView.keySet().removeIf(id -> !freshCursorIds.contains(id) && !r.placedAt.containsKey(id));
        if (cursorsChanged) {
            r.publishCursors();
        }
        if (tell) {
            for (RoomMessage m : missed) {
                LOG.log(Level.DEBUG, () -> "online-now: reconciled " + m);
                sendToMembers(r, m);
            }
        }
    }

    /**
     * Compares every room this server holds with the store and repairs what the bus lost (shared
     * stores only); also refreshes the cluster's list of rooms.
     */
    void reconcile(boolean trustAbsences) {
        if (!shared) {
            return;
        }
        this.trustAbsences = trustAbsences;
        for (RoomShard s : shards) {
            s.execute(() -> {
                for (Room r : s.rooms.values()) {
                    if (r.touchedDuringFetch == null) {
                        fetch(s, r);
                    }
                }
            });
        }
        state.rooms().whenComplete((rooms, e) -> {
            if (rooms != null) {
                clusterRooms = Set.copyOf(rooms);
            }
        });
    }

    // --- ticks ------------------------------------------------------------------------------------

    /** Sends each room's coalesced cursor changes as one frame (on every shard, not awaited). */
    void flushCursors() {
        for (RoomShard s : shards) {
            s.execute(() -> flushOnShard(s));
        }
    }

    private void flushOnShard(RoomShard s) {
        Map<String, List<CursorCoalescer.Entry>> drained = s.coalescer.drain();
        long now = ticker.nanos();
        for (Map.Entry<String, List<CursorCoalescer.Entry>> e : drained.entrySet()) {
            String name = e.getKey();
            Room r = s.rooms.get(name);
            List<CursorCoalescer.Entry> out = new ArrayList<>(e.getValue().size());
            for (CursorCoalescer.Entry c : e.getValue()) {
                if (!c.gone()) {
                    if (c.fromClient() && (r == null || !r.usersHere.containsKey(c.id()))) {
                        continue; // the mover left after moving
                    }
                    if (r == null) {
                        r = newRoom(s, name); // a cursor the server-side API placed in a room nobody is in
                    }
                    state.putCursor(name, new Cursor(c.id(), c.x(), c.y(), c.movedAt()));
                    r.placedAt.put(c.id(), now);
                }
                out.add(c);
            }
            if (!out.isEmpty()) {
                bus.publish(new RoomMessage(RoomMessage.Kind.CURSORS, name, Protocol.cursors(name, out), null, null));
            }
        }
    }

    /**
     * Expires the cursors this server placed that did not move for {@code cursorTimeout} (on the
     * ticker), and forgets rooms nothing keeps.
     */
    void sweep() {
        long now = ticker.nanos();
        long timeout = settings.cursorTimeout().toNanos();
        for (RoomShard s : shards) {
            s.execute(() -> {
                for (Iterator<Room> it = s.rooms.values().iterator(); it.hasNext(); ) {
                    Room r = it.next();
                    for (Iterator<Map.Entry<String, Long>> p = r.placedAt.entrySet().iterator(); p.hasNext(); ) {
                        Map.Entry<String, Long> e = p.next();
                        if (now - e.getValue() >= timeout) {
                            p.remove();
                            state.removeCursor(r.name, e.getKey());
                            s.coalescer.gone(r.name, e.getKey());
                        }
                    }
                    if (r.idle(now, WATCH_NANOS) && !s.coalescer.hasPending(r.name)) {
                        it.remove();
                        index.remove(r.name, r);
                    }
                }
            });
        }
    }

    /**
     * Cursors that nobody expires any more (their server died): a backstop on the wall clock,
     * long after their own server would have expired them.
     */
    void expireOrphanedCursors() {
        long before = clock.millis() - 3 * settings.cursorTimeout().toMillis();
        state.expireCursors(before).whenComplete((gone, e) -> {
            if (gone == null) {
                return;
            }
            gone.forEach((room, ids) -> {
                RoomShard s = shard(room);
                for (String id : ids) {
                    s.coalescer.gone(room, id);
                }
            });
        });
    }

    // --- the server-side API's reads and writes -----------------------------------------------------

    /** This server's view of the room (see {@link Room}); a shared store's room not seen yet is fetched. */
    private Room viewOf(String room) {
        Room r = index.get(room);
        if (r != null) {
            r.lastReadNanos = ticker.nanos();
            return r;
        }
        if (shared) {
            RoomShard s = shard(room);
            long now = ticker.nanos();
            s.execute(() -> {
                Room w = s.rooms.get(room);
                if (w == null) {
                    w = newRoom(s, room);
                }
                w.lastReadNanos = now;
                if (!w.viewReady && w.touchedDuringFetch == null) {
                    fetch(s, w);
                }
            });
        }
        return null;
    }

    List<Presence> presences(String room) {
        Room r = viewOf(room);
        return r == null ? List.of() : r.presences();
    }

    Presence presence(String room, String userId) {
        for (Presence p : presences(room)) {
            if (p.getId().equals(userId)) {
                return p;
            }
        }
        return null;
    }

    List<Cursor> cursors(String room) {
        Room r = viewOf(room);
        return r == null ? List.of() : r.cursors();
    }

    Set<String> rooms() {
        Set<String> out = new TreeSet<>(clusterRooms);
        index.forEach((name, r) -> {
            if (!r.presences().isEmpty()) {
                out.add(name);
            }
        });
        return out;
    }

    /** Rooms with at least one member on this server. */
    int localRooms() {
        return localRooms.get();
    }

    long framesSent() {
        return framesSent.get();
    }

    void removeCursor(String room, String id) {
        RoomShard s = shard(room);
        s.execute(() -> {
            Room r = s.rooms.get(room);
            if (r != null) {
                r.placedAt.remove(id);
            }
            state.removeCursor(room, id);
            s.coalescer.gone(room, id); // replaces any move still pending for this id
        });
    }

    // --- for tests and shutdown -------------------------------------------------------------------

    /** Runs {@code task} on every shard and waits until each has (for tests that drive the ticks). */
    void onEveryShardAndWait(Runnable perShard) {
        CountDownLatch done = new CountDownLatch(shards.length);
        for (RoomShard s : shards) {
            s.execute(() -> {
                try {
                    perShard.run();
                } finally {
                    done.countDown();
                }
            });
        }
        await(done);
    }

    /** Waits until every shard has run what was queued on it before this call. */
    void drain() {
        onEveryShardAndWait(() -> { });
    }

    private static void await(CountDownLatch done) {
        try {
            if (!done.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("online-now: a room shard did not answer within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void close() {
        for (RoomShard s : shards) {
            s.shutdown();
        }
    }

    void awaitTermination(long millis) throws InterruptedException {
        for (RoomShard s : shards) {
            s.awaitTermination(millis);
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
