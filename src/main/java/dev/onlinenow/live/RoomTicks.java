package dev.onlinenow.live;

import dev.onlinenow.OnlineNowSettings;
import dev.onlinenow.Ticker;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What the scheduler does to the rooms: the cursor tick (each room's coalesced moves as one
 * message), the sweep (cursors this server placed that stopped moving, rooms nothing keeps) and
 * the backstop for cursors whose server died. Each queues its work on the shards and returns.
 */
final class RoomTicks {

    /**
     * With a shared store, how often at most a room's cursor positions are written to it: the moves
     * themselves go to the other servers with every tick (the bus); the store's copy is for a server
     * that reads the room later (a join, a reconciliation), so a position there may be this much
     * older than the last move. One write per room carries every cursor moved since the last one.
     */
    static final long STORE_CURSORS_MILLIS = 500;

    /** How long a room that only the server-side API reads stays watched after its last read. */
    static final long WATCH_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final OnlineNowSettings settings;
    private final Clock clock;
    private final Ticker ticker;
    private final Shards shards;
    private final RoomState state;
    private final RoomBus bus;
    private final Fanout fanout;

    RoomTicks(OnlineNowSettings settings, Shards shards, RoomState state, RoomBus bus, Fanout fanout) {
        this.fanout = fanout;
        this.settings = settings;
        this.clock = settings.clock();
        this.ticker = settings.ticker();
        this.shards = shards;
        this.state = state;
        this.bus = bus;
    }

    /**
     * Sends each room's coalesced cursor changes as one message, and the count frames due (on every
     * shard, not awaited).
     */
    void flushCursors() {
        for (RoomShard s : shards.all()) {
            s.execute(() -> flushOnShard(s));
        }
    }

    private void flushOnShard(RoomShard s) {
        Map<String, List<CursorCoalescer.Entry>> drained = s.coalescer.drain();
        long now = ticker.nanos();
        for (Map.Entry<String, List<CursorCoalescer.Entry>> e : drained.entrySet()) {
            String name = e.getKey();
            Room r = s.rooms.get(name);
            List<RoomMessage.Move> out = new ArrayList<>(e.getValue().size());
            for (CursorCoalescer.Entry c : e.getValue()) {
                if (c.gone()) {
                    out.add(RoomMessage.Move.gone(c.id()));
                    continue;
                }
                if (c.fromClient() && (r == null || !r.usersHere.containsKey(c.id()))) {
                    continue; // the mover left after moving
                }
                if (r == null) {
                    r = shards.newRoom(s, name); // a cursor the server-side API placed in a room nobody is in
                }
                Cursor cursor = new Cursor(c.id(), c.x(), c.y(), c.movedAt());
                if (shards.shared()) {
                    r.cursorsToStore.put(c.id(), cursor);
                    s.cursorsDue.add(r);
                } else {
                    state.putCursor(name, cursor);
                }
                r.placedAt.put(c.id(), now);
                out.add(new RoomMessage.Move(c.id(), c.x(), c.y(), false));
            }
            if (!out.isEmpty()) {
                bus.publish(RoomMessage.cursors(name, out));
            }
        }
        storeCursors(s, now, false);
        fanout.flushCounts(s, now);
    }

    /**
     * Writes the positions of each room whose last write is {@link #STORE_CURSORS_MILLIS} old (all
     * of them if {@code all}) in one call per room (on the shard). A room's first move after a
     * quiet spell is written at once, its last one at most that long after it was made.
     */
    void storeCursors(RoomShard s, long nowNanos, boolean all) {
        long every = TimeUnit.MILLISECONDS.toNanos(STORE_CURSORS_MILLIS);
        for (Iterator<Room> it = s.cursorsDue.iterator(); it.hasNext(); ) {
            Room r = it.next();
            if (!all && r.cursorsStored && nowNanos - r.cursorsStoredNanos < every) {
                continue;
            }
            it.remove();
            if (!r.cursorsToStore.isEmpty()) {
                state.putCursors(r.name, List.copyOf(r.cursorsToStore.values()));
                r.cursorsToStore.clear();
            }
            r.cursorsStoredNanos = nowNanos;
            r.cursorsStored = true;
        }
    }

    /**
     * Expires the cursors this server placed that did not move for {@code cursorTimeout} (on the
     * ticker), and forgets rooms nothing keeps.
     */
    void sweep() {
        long now = ticker.nanos();
        long timeout = settings.cursorTimeout().toNanos();
        for (RoomShard s : shards.all()) {
            s.execute(() -> {
                for (Iterator<Room> it = s.rooms.values().iterator(); it.hasNext(); ) {
                    Room r = it.next();
                    for (Iterator<Map.Entry<String, Long>> p = r.placedAt.entrySet().iterator(); p.hasNext(); ) {
                        Map.Entry<String, Long> e = p.next();
                        if (now - e.getValue() >= timeout) {
                            p.remove();
                            r.cursorsToStore.remove(e.getKey());
                            state.removeCursor(r.name, e.getKey());
                            s.coalescer.gone(r.name, e.getKey());
                        }
                    }
                    if (r.idle(now, WATCH_NANOS, shards.shared()) && !s.coalescer.hasPending(r.name)) {
                        it.remove();
                        s.cursorsDue.remove(r);
                        shards.dropped(r);
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
                RoomShard s = shards.of(room);
                for (String id : ids) {
                    s.coalescer.gone(room, id);
                }
            });
        });
    }
}
