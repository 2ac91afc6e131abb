package dev.onlinenow.live;

import dev.onlinenow.internal.StatsRecorder;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The socket edge of the rooms: hands a room's messages and {@code state} frames to this server's
 * members' {@link Outbox}es. A message becomes text here, once ({@link RoomMessage#text()}), and
 * every recipient gets the same string; a cursors frame is cut per mover so nobody gets their own
 * entry. Runs on the room's shard; never waits (the outboxes write).
 */
final class Fanout {

    private final StatsRecorder stats;
    private final long pingIntervalMillis;
    private final AtomicLong framesSent = new AtomicLong();

    Fanout(StatsRecorder stats, long pingIntervalMillis) {
        this.stats = stats;
        this.pingIntervalMillis = pingIntervalMillis;
    }

    /** Sends the message to the room's joined members here, but those it skips. */
    void toMembers(Room r, RoomMessage m) {
        if (r.members.isEmpty()) {
            return;
        }
        long start = System.nanoTime();
        boolean isCursors = m.kind() == RoomMessage.Kind.CURSORS;
        CursorFrame cursors = isCursors ? m.cursorFrame() : null;
        String text = m.text(); // each entry serialized once
        Map<String, String> perUser = isCursors ? new HashMap<>() : null;
        for (Map.Entry<LiveConnection, Room.Member> e : r.members.entrySet()) {
            LiveConnection c = e.getKey();
            if (!e.getValue().joined || c.userId.equals(m.skipUser()) || c.id.equals(m.skipConnection())) {
                continue;
            }
            if (!isCursors) {
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

    /**
     * Applies a room message to the view and tells this server's members, as the room's size
     * allows: in a room of more than {@code roomListLimit} users (docs/protocol.md, large rooms) the
     * joins and leaves of users it does not list become a count frame (see {@link #flushCounts}), a
     * meta change of such a user goes to their own connections only, and only listed users'
     * cursors are relayed.
     */
    void applyAndTell(RoomShard s, Room r, RoomMessage m, long nowMillis) {
        boolean largeBefore = r.large();
        boolean wasListed = m.kind() == RoomMessage.Kind.LEAVE && r.listed(m.userId());
        r.apply(m, nowMillis);
        if (!largeBefore && !r.large()) {
            toMembers(r, m);
            return;
        }
        switch (m.kind()) {
            case JOIN:
                if (r.listed(m.userId())) {
                    toMembers(r, m);
                }
                countDue(s, r);
                break;
            case LEAVE:
                if (wasListed) {
                    toMembers(r, m);
                }
                countDue(s, r);
                break;
            case META:
                if (r.listed(m.userId())) {
                    toMembers(r, m);
                } else {
                    toUser(r, m, m.userId());
                }
                break;
            case CURSORS: {
                List<RoomMessage.Move> moves = new ArrayList<>(m.moves().size());
                for (RoomMessage.Move mv : m.moves()) {
                    if (r.listed(mv.id())) {
                        moves.add(mv);
                    }
                }
                if (moves.size() == m.moves().size()) {
                    toMembers(r, m);
                } else if (!moves.isEmpty()) {
                    toMembers(r, RoomMessage.cursors(r.name, moves));
                }
                break;
            }
            default:
                toMembers(r, m);
        }
    }

    /** Marks the room's count as changed beyond what its members were told. */
    static void countDue(RoomShard s, Room r) {
        r.countDue = true;
        s.countDue.add(r);
    }

    /**
     * Sends each room whose count changed unannounced a count frame, at most once a second per
     * room (so per member); a room not due yet stays for a later tick.
     */
    void flushCounts(RoomShard s, long nowNanos) {
        for (Iterator<Room> it = s.countDue.iterator(); it.hasNext(); ) {
            Room r = it.next();
            if (r.countSent >= 0 && nowNanos - r.countSentNanos < 1_000_000_000L) {
                continue;
            }
            it.remove();
            r.countDue = false;
            int n = r.view.size();
            if (n != r.countSent) {
                count(r, n);
                r.countSent = n;
                r.countSentNanos = nowNanos;
            }
        }
    }

    /**
     * The room as the view has it, to one connection: at most {@code roomListLimit} presences (its
     * own among them), their cursors, and the exact count.
     */
    void state(LiveConnection c, Room r) {
        if (c.send(Protocol.state(r.name, c.userId, r.listFor(c.userId), r.cursorsListed(), r.view.size(),
                pingIntervalMillis))) {
            framesSent.incrementAndGet();
        }
    }

    /** The message to the connections of one user only (a meta change of a user a large room does not list). */
    void toUser(Room r, RoomMessage m, String userId) {
        String text = null;
        for (Map.Entry<LiveConnection, Room.Member> e : r.members.entrySet()) {
            LiveConnection c = e.getKey();
            if (e.getValue().joined && c.userId.equals(userId) && !c.id.equals(m.skipConnection())) {
                text = text == null ? m.text() : text;
                if (c.send(text)) {
                    framesSent.incrementAndGet();
                }
            }
        }
    }

    /** A count frame to every joined member. */
    void count(Room r, int count) {
        String text = null;
        for (Map.Entry<LiveConnection, Room.Member> e : r.members.entrySet()) {
            if (e.getValue().joined) {
                text = text == null ? Protocol.count(r.name, count) : text;
                if (e.getKey().send(text)) {
                    framesSent.incrementAndGet();
                }
            }
        }
    }

    /** An {@code error} frame for a refused message, counted by its code. */
    String refuse(String code, String message, String ref, String room) {
        stats.refused(code);
        return Protocol.error(code, message, ref, room);
    }

    long framesSent() {
        return framesSent.get();
    }
}
