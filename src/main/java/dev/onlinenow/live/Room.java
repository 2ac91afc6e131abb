package dev.onlinenow.live;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One room as this server sees it, owned by its {@link RoomShard}'s thread: every field but the
 * two published snapshots is read and written on that thread only, so nothing here is locked.
 *
 * <p>The <em>view</em> is who is in the room and where their cursors are, for the whole cluster:
 * kept from this server's own operations, from every room message the bus delivers, and (with a
 * shared backend such as Redis) from a fetch when the room is first seen and a reconciliation
 * every few seconds. {@link LivePresence#list}, {@link LivePresence#count} and the {@code state}
 * frame read it, so nobody waits for the store to answer a read. Its staleness is bounded by the
 * bus (a message is applied when it arrives) and, for what the bus lost, by the reconciliation
 * interval.
 */
final class Room {

    /** One of this server's connections in the room. */
    static final class Member {
        /** The store confirmed the join; until then the member gets no frames. */
        boolean joined;
        /** A leave (or a drop) came while the join was on its way: leave as soon as it lands. */
        boolean leaveAfterJoin;
        /** Why, for the statistics. */
        dev.onlinenow.OnlineNowStats.LeaveReason leaveReason = dev.onlinenow.OnlineNowStats.LeaveReason.CLOSED;
        /** A meta change that came while the join was on its way. */
        jakarta.json.JsonObject pendingMeta;
        /** The member's own {@code meta} budget in this room. */
        final TokenBucket metaBudget;

        Member(TokenBucket metaBudget) {
            this.metaBudget = metaBudget;
        }
    }

    final String name;
    /** This server's connections in the room, in the order they came. */
    final LinkedHashMap<LiveConnection, Member> members = new LinkedHashMap<>();
    /** This server's joined connections per user. */
    final Map<String, Integer> usersHere = new HashMap<>();
    /** The cluster's members, in join order. */
    final LinkedHashMap<String, Presence> view = new LinkedHashMap<>();
    /** The cluster's cursors. */
    final LinkedHashMap<String, Cursor> cursorView = new LinkedHashMap<>();
    /** Positions moved here that a shared store does not have yet (written at most every {@link RoomTicks#STORE_CURSORS_MILLIS}). */
    final Map<String, Cursor> cursorsToStore = new HashMap<>();
    /** When this room's cursors were last written to a shared store (ticker nanos). */
    long cursorsStoredNanos;
    /** {@link #cursorsStoredNanos} is set. */
    boolean cursorsStored;
    /** Cursors this server placed, by id: when they last moved, on the ticker (for expiry). */
    final Map<String, Long> placedAt = new HashMap<>();
    /** Store operations of this server for the room that have not landed yet. */
    int inFlight;
    /** The view holds the room as the store has it (always, for an in-process backend). */
    boolean viewReady;
    /** Read the room again when the fetch on its way lands (the bus may have missed a message since it was sent). */
    boolean fetchAgain;
    /** Users a message changed while a fetch was on its way (null: no fetch on its way). */
    Set<String> touchedDuringFetch;
    /** Joined connections waiting for the first fetch before their {@code state}. */
    final List<LiveConnection> awaitingState = new ArrayList<>();
    /** When a server-side read last asked for this room (ticker nanos); keeps a watched room. */
    long lastReadNanos;
    /** How many presences the room lists ({@code roomListLimit}); a larger room is shown by count. */
    int listLimit = Integer.MAX_VALUE;
    /** The users listed: the first {@link #listLimit} of the view, in join order (kept by {@link #publishView}). */
    private Set<String> listed = Set.of();
    /** A join or leave went unannounced, or members hold a count a list cannot show: a count frame is due. */
    boolean countDue;
    /** The count last sent in a count frame; -1: none sent. */
    int countSent = -1;
    /** When the last count frame went out (ticker nanos). */
    long countSentNanos;

    /* published for other threads (the server-side API): immutable copies, replaced on change */
    private volatile List<Presence> presences = List.of();
    private volatile List<Cursor> cursors = List.of();

    Room(String name) {
        this.name = name;
    }

    List<Presence> presences() {
        return presences;
    }

    List<Cursor> cursors() {
        return cursors;
    }

    void publishView() {
        presences = List.copyOf(view.values());
        Set<String> l = new HashSet<>(Math.min(view.size(), listLimit) * 2);
        for (String id : view.keySet()) {
            if (l.size() >= listLimit) {
                break;
            }
            l.add(id);
        }
        listed = l;
    }

    /** Whether the room lists {@code userId} (one of the first {@code roomListLimit} to join). */
    boolean listed(String userId) {
        return listed.contains(userId);
    }

    /** More members than the room lists, or members told a count beyond the list. */
    boolean large() {
        return view.size() > listLimit || countSent > listLimit;
    }

    /** The presences a {@code state} frame carries: the listed ones, the joiner's own among them. */
    List<Presence> listFor(String self) {
        if (view.size() <= listLimit) {
            return List.copyOf(view.values());
        }
        List<Presence> out = new ArrayList<>(listLimit);
        for (Presence p : view.values()) {
            if (out.size() >= listLimit) {
                break;
            }
            out.add(p);
        }
        Presence own = view.get(self);
        if (own != null && !listed(self)) {
            out.set(out.size() - 1, own);
        }
        return out;
    }

    /** The cursors a {@code state} frame carries: those of the listed users (all, in a room within its list). */
    List<Cursor> cursorsListed() {
        if (view.size() <= listLimit) {
            return List.copyOf(cursorView.values());
        }
        List<Cursor> out = new ArrayList<>();
        for (Cursor c : cursorView.values()) {
            if (listed(c.getId())) {
                out.add(c);
            }
        }
        return out;
    }

    void publishCursors() {
        cursors = List.copyOf(cursorView.values());
    }

    /**
     * Keeps the view up to date with a room message (from this server or another); {@code nowMillis}
     * is when its cursors are taken to have moved.
     */
    void apply(RoomMessage m, long nowMillis) {
        switch (m.kind()) {
            case JOIN:
            case META: {
                Presence p = m.presence();
                view.put(p.getId(), p);
                touched(p.getId());
                publishView();
                break;
            }
            case LEAVE: {
                String id = m.userId();
                view.remove(id);
                touched(id);
                publishView();
                if (cursorView.remove(id) != null) {
                    publishCursors();
                }
                break;
            }
            case CURSORS: {
                for (RoomMessage.Move e : m.moves()) {
                    if (e.gone()) {
                        cursorView.remove(e.id());
                    } else {
                        cursorView.put(e.id(), new Cursor(e.id(), e.x(), e.y(), nowMillis));
                    }
                }
                publishCursors();
                break;
            }
            default:
                break;
        }
    }

    /** Puts a merged view in place (see {@link ViewMerge}). */
    void replaceView(List<Presence> ordered) {
        view.clear();
        for (Presence p : ordered) {
            view.put(p.getId(), p);
        }
        publishView();
    }

    /** Puts merged cursors in place (see {@link ViewMerge#cursors}). */
    void replaceCursors(List<Cursor> ordered) {
        cursorView.clear();
        for (Cursor c : ordered) {
            cursorView.put(c.getId(), c);
        }
        publishCursors();
    }

    /** Records that a message changed {@code user}, for a fetch on its way. */
    void touched(String user) {
        if (touchedDuringFetch != null) {
            touchedDuringFetch.add(user);
        }
    }

    void startFetch() {
        touchedDuringFetch = new HashSet<>();
    }

    boolean hasLocalMembers() {
        return !members.isEmpty();
    }

    /**
     * Nothing keeps the room: no member here, nothing on its way, no cursor this server placed, no
     * recent read, and (in-process, where the view is the store) no cursor at all. With a shared
     * store the other servers' cursors do not keep it: the store has them, and a room nobody here
     * is in or reads is not carried here (see {@link RoomBus#watch}).
     */
    boolean idle(long nowNanos, long watchNanos) {
        return idle(nowNanos, watchNanos, false);
    }

    /** {@link #idle(long, long)}, where {@code shared} says whether the store is shared with other servers. */
    boolean idle(long nowNanos, long watchNanos, boolean shared) {
        return members.isEmpty() && inFlight == 0 && (shared || cursorView.isEmpty()) && placedAt.isEmpty()
                && cursorsToStore.isEmpty()
                && touchedDuringFetch == null && !fetchAgain && nowNanos - lastReadNanos >= watchNanos;
    }

    @Override
    public String toString() {
        return "room " + name;
    }
}
