package dev.onlinenow.live;

import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@code cursors} frame cut into its entries (each written once, from the typed moves), so
 * that each mover gets the frame without their own entry by joining strings, not by building
 * JSON per recipient: with every member moving, that is one frame per member and tick. Immutable: one instance goes to every
 * recipient's {@link Outbox}, where a socket that fell behind merges it into the room's frame
 * still waiting for it.
 */
final class CursorFrame {
    private final String head;
    private final String[] ids;
    private final String[] parts;
    private final Map<String, Integer> index;

    CursorFrame(String room, List<RoomMessage.Move> moves) {
        this("{\"type\":\"cursors\",\"room\":" + Protocol.PROVIDER.createValue(room) + ",\"cursors\":[",
                ids(moves), parts(moves));
    }

    /** A frame of these entries (the benchmark's way to compare with how they were made before). */
    CursorFrame(String head, String[] ids, String[] parts) {
        this.head = head;
        this.ids = ids;
        this.parts = parts;
        this.index = new HashMap<>(ids.length * 2);
        for (int i = 0; i < ids.length; i++) {
            index.put(ids[i], i);
        }
    }

    private static String[] ids(List<RoomMessage.Move> moves) {
        String[] out = new String[moves.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = moves.get(i).id();
        }
        return out;
    }

    private static String[] parts(List<RoomMessage.Move> moves) {
        String[] out = new String[moves.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = Protocol.move(moves.get(i));
        }
        return out;
    }

    /** Entries. */
    int size() {
        return parts.length;
    }

    /** The user id of entry i. */
    String id(int i) {
        return ids[i];
    }

    /** Entry i, serialized. */
    String part(int i) {
        return parts[i];
    }

    /** What comes before the entries. */
    String head() {
        return head;
    }

    boolean has(String userId) {
        return index.containsKey(userId);
    }

    /** The frame without the user's entry (null, or a user without one: the whole frame); empty if nothing else is left. */
    String without(String userId) {
        Integer at = userId == null ? null : index.get(userId);
        int skip = at == null ? -1 : at;
        if (skip >= 0 && parts.length == 1) {
            return "";
        }
        StringBuilder sb = new StringBuilder(length(head, Arrays.asList(parts))).append(head);
        boolean first = true;
        for (int i = 0; i < parts.length; i++) {
            if (i != skip) {
                if (!first) {
                    sb.append(',');
                }
                sb.append(parts[i]);
                first = false;
            }
        }
        return sb.append("]}").toString();
    }

    /** The length of a frame of these entries. */
    static int length(String head, Collection<String> entries) {
        int size = head.length() + 2 + Math.max(0, entries.size() - 1);
        for (String p : entries) {
            size += p.length();
        }
        return size;
    }

    /** A frame of these entries ({@code length} is its length, as {@link #length} gives it). */
    static String join(String head, Collection<String> entries, int length) {
        StringBuilder sb = new StringBuilder(length).append(head);
        boolean first = true;
        for (String p : entries) {
            if (!first) {
                sb.append(',');
            }
            sb.append(p);
            first = false;
        }
        return sb.append("]}").toString();
    }
}
