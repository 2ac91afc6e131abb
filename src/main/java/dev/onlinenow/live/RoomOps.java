package dev.onlinenow.live;

import dev.onlinenow.internal.StatsRecorder;
import dev.onlinenow.OnlineNowSettings;
import dev.onlinenow.OnlineNowStats;
import dev.onlinenow.Ticker;
import dev.onlinenow.internal.RateLimitedLog;
import jakarta.json.JsonObject;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executor;

/**
 * The room operations of connections (join, leave, meta, cursor moves) and the delivery of room
 * messages to this server's members, each run on the room's {@link RoomShard}, and the entry for
 * the server-side API's reads. The other jobs are parts of their own: {@link Fanout} (messages and
 * {@code state} to sockets, the one place a message becomes text), {@link RoomFetch} (fetch and
 * reconciliation, merging with the pure {@link ViewMerge}), {@link RoomTicks} (cursor tick and
 * sweep), {@link Shards} (which shard owns a room); {@link Room#apply} keeps a view from a message.
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

    private final OnlineNowSettings settings;
    private final Clock clock;
    private final Ticker ticker;
    private final RoomState state;
    private final RoomBus bus;
    private final Shards shards;
    private final Fanout fanout;
    private final RoomFetch fetch;
    private final RoomTicks ticks;
    private final Executor events;
    private final PresenceEvents listeners;
    private final RateLimitedLog warnings;
    private final StatsRecorder stats;

    /** Who gets told of presence changes (the server-side API's listeners). */
    interface PresenceEvents {
        void joined(String room, Presence p);

        void left(String room, Presence p);
    }

    RoomOps(OnlineNowSettings settings, RoomState state, RoomBus bus, boolean shared, int shardCount,
            Executor events, PresenceEvents listeners, RateLimitedLog warnings, StatsRecorder stats) {
        this.stats = stats;
        this.settings = settings;
        this.clock = settings.clock();
        this.ticker = settings.ticker();
        this.state = state;
        this.bus = bus;
        this.events = events;
        this.listeners = listeners;
        this.warnings = warnings;
        this.shards = new Shards(shardCount, shared, settings.roomListLimit());
        if (state instanceof ShardBound) {
            ((ShardBound) state).bind(shards); // the in-process rooms are the shards' own
        }
        this.fanout = new Fanout(stats, settings.pingInterval().toMillis());
        this.fetch = new RoomFetch(shards, state, fanout);
        if (shared) {
            // a bus that carries each room only where it is held hears of rooms made and dropped
            shards.watchWith(bus);
            bus.onMissed(fetch::missed);
        }
        this.ticks = new RoomTicks(settings, shards, state, bus, fanout);
    }

    RoomShard shard(String room) {
        return shards.of(room);
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
                c.send(fanout.refuse(Protocol.NOT_JOINED, "join the room before setting meta", Protocol.META, room));
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
            fanout.state(c, r);
            return;
        }
        boolean firstHere = r == null || !r.hasLocalMembers();
        if (firstHere && shards.localRooms.get() >= settings.maxRooms()) {
            c.rooms.remove(name);
            warnings.warn(OnlineNowSettings.MAX_ROOMS, () -> "online-now: this server has members in " + settings.maxRooms()
                    + " rooms (" + OnlineNowSettings.MAX_ROOMS + "); joins of further rooms are refused with "
                    + Protocol.SERVER_FULL, null);
            c.send(fanout.refuse(Protocol.SERVER_FULL, "this server is at its limit of rooms", Protocol.JOIN, name));
            return;
        }
        if (r != null && !r.view.containsKey(c.userId) && r.view.size() >= settings.maxMembersPerRoom()) {
            c.rooms.remove(name);
            warnings.warn(OnlineNowSettings.MAX_MEMBERS_PER_ROOM, () -> "online-now: room " + abbreviate(name) + " has "
                    + settings.maxMembersPerRoom() + " members (" + OnlineNowSettings.MAX_MEMBERS_PER_ROOM
                    + "); further users are refused with " + Protocol.ROOM_FULL, null);
            c.send(fanout.refuse(Protocol.ROOM_FULL, "this room is full", Protocol.JOIN, name));
            return;
        }
        if (r == null) {
            r = shards.newRoom(s, name);
        }
        if (firstHere) {
            shards.localRooms.incrementAndGet();
        }
        Room.Member member = new Room.Member(new TokenBucket(settings.maxMetaPerSecond(), settings.maxMetaPerSecond(),
                nowMillisMonotonic()));
        r.members.put(c, member);
        r.inFlight++;
        Room room = r;
        Presence before = r.view.get(c.userId);
        state.join(name, c.userId, c.id, c.name, meta, clock.millis())
                .whenCompleteAsync((j, e) -> joinLanded(s, c, room, member, meta, before, j, e), s);
        if (!r.viewReady && r.touchedDuringFetch == null) {
            fetch.fetch(s, r);
        }
    }

    private void joinLanded(RoomShard s, LiveConnection c, Room r, Room.Member m, JsonObject meta, Presence before,
                            RoomState.Joined j, Throwable e) {
        r.inFlight--;
        if (e != null || j == null) {
            LOG.log(Level.DEBUG, () -> "online-now: a join of " + c + " to " + r + " failed: " + e);
            removeMember(s, r, c);
            c.rooms.remove(r.name);
            c.send(fanout.refuse(Protocol.INTERNAL, "the server could not join this room; try again", Protocol.JOIN,
                    r.name));
            return;
        }
        m.joined = true;
        r.usersHere.merge(c.userId, 1, Integer::sum);
        if (j.first()) {
            // comes back through deliver(), which puts it into the view
            bus.publish(RoomMessage.join(r.name, j.presence(), c.userId));
            Presence p = j.presence();
            stats.joined();
            events.execute(() -> listeners.joined(r.name, p));
        } else {
            r.view.put(c.userId, j.presence()); // their connection count, and meta if replaced
            r.publishView();
            if (meta != null || metaChanged(before, j.presence())) {
                bus.publish(RoomMessage.meta(r.name, j.presence(), c.id));
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
            fanout.state(c, r);
        } else {
            r.awaitingState.add(c);
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
            r.cursorsToStore.remove(c.userId); // nor stored after the leave removed it
        }
        r.inFlight++;
        Presence before = r.view.get(c.userId);
        state.leave(name, c.userId, c.id).whenCompleteAsync((l, e) -> {
            r.inFlight--;
            if (l == null) {
                return;
            }
            if (l.last()) {
                bus.publish(RoomMessage.leave(name, c.userId));
                Presence p = l.presence();
                stats.left(reason);
                events.execute(() -> listeners.left(name, p));
            } else if (r.view.containsKey(c.userId)) {
                r.view.put(c.userId, l.presence());
                r.publishView();
                if (metaChanged(before, l.presence())) {
                    // the tab that left decided the meta (say, the only one not away): the others hear it
                    bus.publish(RoomMessage.meta(name, l.presence(), null));
                }
            }
        }, s);
    }

    /** Whether a tab's join or leave changed the meta that version 1 shows (see {@link Presence}). */
    private static boolean metaChanged(Presence before, Presence after) {
        return before != null && after != null && !before.metaJson().equals(after.metaJson());
    }

    /* c.rooms is the socket thread's (Inbound adds a room before the join and removes it with the
     * leave, so that the next message already sees it); only a refused join takes it back here */
    private void removeMember(RoomShard s, Room r, LiveConnection c) {
        if (r.members.remove(c) != null && r.members.isEmpty()) {
            shards.localRooms.decrementAndGet();
        }
        r.awaitingState.remove(c);
    }

    private void metaOnShard(RoomShard s, LiveConnection c, Room r, Room.Member m, JsonObject meta) {
        if (!m.metaBudget.tryTake(nowMillisMonotonic())) {
            c.send(fanout.refuse(Protocol.RATE_LIMITED, "more than " + settings.maxMetaPerSecond()
                    + " meta changes a second in this room; this one was dropped", Protocol.META, r.name));
            return;
        }
        r.inFlight++;
        state.meta(r.name, c.userId, c.id, meta).whenCompleteAsync((p, e) -> {
            r.inFlight--;
            if (p != null) {
                bus.publish(RoomMessage.meta(r.name, p, c.id));
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
        fanout.applyAndTell(s, r, m, clock.millis());
    }

    // --- fetch, reconciliation and ticks (see RoomFetch, RoomTicks) --------------------------------

    /**
     * Compares every room this server holds with the store and repairs what the bus lost (shared
     * stores only); also refreshes the cluster's list of rooms.
     */
    void reconcile(boolean trustAbsences) {
        if (shards.shared()) {
            fetch.reconcile(trustAbsences);
        }
    }

    /** Sends each room's coalesced cursor changes as one frame (on every shard, not awaited). */
    void flushCursors() {
        ticks.flushCursors();
    }

    /** Expires cursors that stopped moving and forgets rooms nothing keeps. */
    void sweep() {
        ticks.sweep();
    }

    /** Cursors whose server died (a backstop on the wall clock). */
    void expireOrphanedCursors() {
        ticks.expireOrphanedCursors();
    }

    // --- the server-side API's reads and writes -----------------------------------------------------

    /** This server's view of the room (see {@link Room}); a shared store's room not seen yet is fetched. */
    private Room viewOf(String room) {
        Room r = shards.index.get(room);
        if (r != null) {
            r.lastReadNanos = ticker.nanos();
            return r;
        }
        if (shards.shared()) {
            RoomShard s = shard(room);
            long now = ticker.nanos();
            s.execute(() -> {
                Room w = s.rooms.get(room);
                if (w == null) {
                    w = shards.newRoom(s, room);
                }
                w.lastReadNanos = now;
                if (!w.viewReady && w.touchedDuringFetch == null) {
                    fetch.fetch(s, w);
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
        Set<String> out = new TreeSet<>(fetch.clusterRooms());
        shards.index.forEach((name, r) -> {
            if (!r.presences().isEmpty()) {
                out.add(name);
            }
        });
        return out;
    }

    /** Rooms with at least one member on this server. */
    int localRooms() {
        return shards.localRooms.get();
    }

    long framesSent() {
        return fanout.framesSent();
    }

    void removeCursor(String room, String id) {
        RoomShard s = shard(room);
        s.execute(() -> {
            Room r = s.rooms.get(room);
            if (r != null) {
                r.placedAt.remove(id);
                r.cursorsToStore.remove(id);
            }
            state.removeCursor(room, id);
            s.coalescer.gone(room, id); // replaces any move still pending for this id
        });
    }

    // --- for tests and shutdown -------------------------------------------------------------------

    /** Runs {@code perShard} on every shard and waits until each has (for tests that drive the ticks). */
    void onEveryShardAndWait(Runnable perShard) {
        shards.onEveryShardAndWait(perShard);
    }

    /** Waits until every shard has run what was queued on it before this call. */
    void drain() {
        shards.onEveryShardAndWait(() -> { });
    }

    void close() {
        shards.close();
    }

    void awaitTermination(long millis) throws InterruptedException {
        shards.awaitTermination(millis);
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
