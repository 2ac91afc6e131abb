package dev.onlinenow.live;

import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonValue;

import java.util.Objects;

/**
 * One message for the members of a room, as it travels on the {@link RoomBus}: the frame the
 * clients get, and who among the room's members must not get it.
 *
 * <p>For {@link Kind#CURSORS} frames each recipient gets the frame without its own user's
 * entries (a cursor is never echoed to its owner); the receiving node does that filtering.
 */
public final class RoomMessage {

    /** What a message announces; its frame's {@code type} is the lower-case name. */
    public enum Kind { JOIN, LEAVE, META, EVENT, CURSORS }

    private final Kind kind;
    private final String room;
    private final JsonObject frame;
    private final String skipUser;
    private final String skipConnection;

    /**
     * @param frame          the JSON object sent to clients, with its {@code type} and {@code room}
     * @param skipUser       a user none of whose connections get the message, or null
     * @param skipConnection a connection (its {@code nodeId/n} id) that does not get it, or null
     */
    public RoomMessage(Kind kind, String room, JsonObject frame, String skipUser, String skipConnection) {
        this.kind = Objects.requireNonNull(kind, "kind");
        this.room = Objects.requireNonNull(room, "room");
        this.frame = Objects.requireNonNull(frame, "frame");
        this.skipUser = skipUser;
        this.skipConnection = skipConnection;
    }

    public Kind kind() {
        return kind;
    }

    public String room() {
        return room;
    }

    public JsonObject frame() {
        return frame;
    }

    public String skipUser() {
        return skipUser;
    }

    public String skipConnection() {
        return skipConnection;
    }

    /** This message as one JSON object, for a bus that sends text ({@link #fromJson} reads it back). */
    public JsonObject toJson() {
        JsonObjectBuilder b = Protocol.JSON.createObjectBuilder()
                .add("kind", kind.name())
                .add("room", room)
                .add("frame", frame);
        if (skipUser != null) {
            b.add("skipUser", skipUser);
        }
        if (skipConnection != null) {
            b.add("skipConnection", skipConnection);
        }
        return b.build();
    }

    /**
     * Reads a message written by {@link #toJson}.
     *
     * @throws IllegalArgumentException if {@code json} is not such a message
     */
    public static RoomMessage fromJson(JsonObject json) {
        try {
            return new RoomMessage(Kind.valueOf(json.getString("kind")), json.getString("room"),
                    json.getJsonObject("frame"), optString(json, "skipUser"), optString(json, "skipConnection"));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("online-now: not a room message: " + json, e);
        }
    }

    private static String optString(JsonObject o, String key) {
        JsonValue v = o.get(key);
        return v == null || v.getValueType() != JsonValue.ValueType.STRING ? null : o.getString(key);
    }

    @Override
    public String toString() {
        return "RoomMessage{" + kind + " " + room + " " + frame + "}";
    }
}
