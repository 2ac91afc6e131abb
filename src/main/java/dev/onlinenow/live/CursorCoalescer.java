package dev.onlinenow.live;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Collects cursor moves between two ticks and keeps only the latest per user and room, so a
 * recipient gets one {@code cursors} frame per room and tick however often cursors move.
 */
final class CursorCoalescer {

    /** One pending change: a move to {@code x,y} at {@code movedAt}, or the cursor's removal. */
    record Entry(String id, double x, double y, long movedAt, boolean gone, boolean fromClient) {
    }

    private Map<String, LinkedHashMap<String, Entry>> pending = new HashMap<>();

    /** Records a move; replaces an earlier one of the same tick. */
    synchronized void move(String room, String id, double x, double y, long movedAt, boolean fromClient) {
        pending.computeIfAbsent(room, k -> new LinkedHashMap<>()).put(id, new Entry(id, x, y, movedAt, false, fromClient));
    }

    /** Records that a cursor disappeared (timeout or removal); replaces a pending move. */
    synchronized void gone(String room, String id) {
        pending.computeIfAbsent(room, k -> new LinkedHashMap<>()).put(id, new Entry(id, 0, 0, 0, true, false));
    }

    /** Drops what is pending for a user who left the room (clients drop their cursor on leave). */
    synchronized void forget(String room, String id) {
        LinkedHashMap<String, Entry> m = pending.get(room);
        if (m != null) {
            m.remove(id);
            if (m.isEmpty()) {
                pending.remove(room);
            }
        }
    }

    /** Everything pending, by room, and starts a new tick. */
    Map<String, List<Entry>> drain() {
        Map<String, LinkedHashMap<String, Entry>> taken;
        synchronized (this) {
            if (pending.isEmpty()) {
                return Map.of();
            }
            taken = pending;
            pending = new HashMap<>();
        }
        Map<String, List<Entry>> out = new HashMap<>(taken.size() * 2);
        taken.forEach((room, m) -> out.put(room, new ArrayList<>(m.values())));
        return out;
    }

    /** Whether a change for the room waits for the next tick. */
    synchronized boolean hasPending(String room) {
        return pending.containsKey(room);
    }

    synchronized boolean isEmpty() {
        return pending.isEmpty();
    }
}
