package dev.onlinenow.live;

import jakarta.json.JsonArray;
import jakarta.json.JsonObject;

import java.util.HashMap;
import java.util.Map;

/**
 * A {@code cursors} frame cut into its entries, so that each mover gets the frame without
 * their own entry by joining strings, not by building JSON per recipient: with every member
 * moving, that is one frame per member and tick.
 */
final class CursorFrame {
    private final String head;
    private final String[] parts;
    private final Map<String, Integer> index;

    CursorFrame(String room, JsonObject frame) {
        JsonArray cs = frame.getJsonArray("cursors");
        this.head = "{\"type\":\"cursors\",\"room\":" + Protocol.PROVIDER.createValue(room) + ",\"cursors\":[";
        this.parts = new String[cs.size()];
        this.index = new HashMap<>(cs.size() * 2);
        for (int i = 0; i < parts.length; i++) {
            JsonObject e = cs.getJsonObject(i);
            parts[i] = e.toString();
            index.put(e.getString("id"), i);
        }
    }

    boolean has(String userId) {
        return index.containsKey(userId);
    }

    /** The frame without the user's entry (null: the whole frame); empty if nothing else is left. */
    String without(String userId) {
        int skip = userId == null ? -1 : index.get(userId);
        if (skip >= 0 && parts.length == 1) {
            return "";
        }
        int size = head.length() + 2;
        for (String p : parts) {
            size += p.length() + 1;
        }
        StringBuilder sb = new StringBuilder(size).append(head);
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
}
