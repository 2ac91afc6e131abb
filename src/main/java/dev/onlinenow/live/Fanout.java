package dev.onlinenow.live;

import dev.onlinenow.OnlineNowStats;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The socket edge of the rooms: hands a room's messages and {@code state} frames to this server's
 * members' {@link Outbox}es. A message becomes text here, once ({@link RoomMessage#text()}), and
 * every recipient gets the same string; a cursors frame is cut per mover so nobody gets their own
 * entry. Runs on the room's shard; never waits (the outboxes write).
 */
final class Fanout {

    private final OnlineNowStats stats;
    private final long pingIntervalMillis;
    private final AtomicLong framesSent = new AtomicLong();

    Fanout(OnlineNowStats stats, long pingIntervalMillis) {
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

    /** The room as the view has it, to one connection. */
    void state(LiveConnection c, Room r) {
        if (c.send(Protocol.state(r.name, c.userId, r.view.values(), r.cursorView.values(), pingIntervalMillis))) {
            framesSent.incrementAndGet();
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
