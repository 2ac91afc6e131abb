package dev.onlinenow.live;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Fetch and reconciliation (shared stores only): reads a room from the store when this server
 * first sees it and every reconciliation interval, merges it into the view ({@link ViewMerge},
 * pure) and tells this server's members what the bus lost. The store's answer is handled on the
 * room's shard.
 */
final class RoomFetch {

    private static final System.Logger LOG = System.getLogger(RoomFetch.class.getName());

    private final Shards shards;
    private final RoomState state;
    private final Fanout fanout;
    /** The cluster's rooms as the store last listed them. */
    private volatile Set<String> clusterRooms = Set.of();
    private volatile boolean trustAbsences = true;

    RoomFetch(Shards shards, RoomState state, Fanout fanout) {
        this.shards = shards;
        this.state = state;
        this.fanout = fanout;
    }

    /** Reads the room from the store (on the room's shard); the first answer sends the waiting members their state. */
    void fetch(RoomShard s, Room r) {
        r.startFetch();
        r.inFlight++;
        CompletableFuture<List<Presence>> ps = state.presences(r.name).toCompletableFuture();
        CompletableFuture<List<Cursor>> cs = state.cursors(r.name).toCompletableFuture();
        ps.thenCombine(cs, (p, c) -> new Object[] {p, c}).whenCompleteAsync((pc, e) -> {
            r.inFlight--;
            boolean again = r.fetchAgain;
            r.fetchAgain = false;
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
                        fanout.state(c, r);
                    }
                }
                r.awaitingState.clear();
            }
            if (again && s.rooms.get(r.name) == r) {
                fetch(s, r); // asked for while this one was on its way: it may predate what was missed
            }
        }, s);
    }

    /**
     * The bus may have missed a message of the room (its subscription just started, or a message
     * was dropped): reads the room again, or once more after the read on its way (on the room's shard).
     */
    void missed(String room) {
        RoomShard s = shards.of(room);
        s.execute(() -> {
            Room r = s.rooms.get(room);
            if (r == null) {
                return; // dropped meanwhile: nothing here to put right
            }
            if (r.touchedDuringFetch == null) {
                fetch(s, r);
            } else {
                r.fetchAgain = true;
            }
        });
    }

    /** Puts the merge in place and, if {@code tell}, sends the members what they missed. */
    private void merge(Room r, List<Presence> fresh, List<Cursor> freshCursors, Set<String> touched, boolean tell) {
        ViewMerge.Diff d = ViewMerge.presences(r.view, fresh, touched, r.usersHere.keySet(), trustAbsences);
        if (d == null) {
            return;
        }
        boolean largeBefore = r.large();
        Set<String> leftListed = new java.util.HashSet<>();
        for (String id : d.left()) {
            if (!largeBefore || r.listed(id)) {
                leftListed.add(id);
            }
        }
        r.replaceView(d.view());
        List<Cursor> cursors = ViewMerge.cursors(r.cursorView, freshCursors, r.placedAt.keySet());
        if (cursors != null) {
            r.replaceCursors(cursors);
        }
        if (tell && !d.isEmpty()) {
            // as Fanout.applyAndTell: in a large room, only what concerns listed users is told
            boolean large = largeBefore || r.large();
            for (Presence p : d.joined()) {
                if (!large || r.listed(p.getId())) {
                    tell(r, RoomMessage.join(r.name, p, p.getId()));
                }
            }
            for (Presence p : d.changed()) {
                if (!large || r.listed(p.getId())) {
                    tell(r, RoomMessage.meta(r.name, p, null));
                }
            }
            for (String id : d.left()) {
                if (leftListed.contains(id)) {
                    tell(r, RoomMessage.leave(r.name, id));
                }
            }
            if (large && (!d.joined().isEmpty() || !d.left().isEmpty())) {
                Fanout.countDue(shards.of(r.name), r);
            }
        }
    }

    private void tell(Room r, RoomMessage m) {
        LOG.log(Level.DEBUG, () -> "online-now: reconciled " + m);
        fanout.toMembers(r, m);
    }

    /**
     * Compares every room this server holds with the store and repairs what the bus lost; also
     * refreshes the cluster's list of rooms.
     */
    void reconcile(boolean trustAbsences) {
        this.trustAbsences = trustAbsences;
        for (RoomShard s : shards.all()) {
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

    Set<String> clusterRooms() {
        return clusterRooms;
    }
}
