package dev.onlinenow.redis;

import dev.onlinenow.live.Presence;
import dev.onlinenow.live.RoomMessage;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Room messages on the Redis channel: {@code {"node":ID,"message":{"kind":K,"room":R,"frame":F,
 * "skipUser":U,"skipConnection":C}}}, where {@code F} is the frame the sockets get
 * ({@link RoomMessage#text()}, written once and used for both) and the skip fields are left out
 * when null. The receiving node reads the typed message back from it. The format is the one
 * earlier versions sent, so nodes of both versions can share a channel during a rolling update.
 */
final class MessageCodec {

    /** A message read from the channel, and the node that published it. */
    record Received(String node, RoomMessage message) {
    }

    private MessageCodec() {
    }

    static String encode(String node, RoomMessage m) {
        String frame = m.text();
        StringBuilder sb = new StringBuilder(frame.length() + m.room().length() + 96)
                .append("{\"node\":").append(RedisJson.PROVIDER.createValue(node))
                .append(",\"message\":{\"kind\":\"").append(m.kind().name())
                .append("\",\"room\":").append(RedisJson.PROVIDER.createValue(m.room()))
                .append(",\"frame\":").append(frame);
        if (m.skipUser() != null) {
            sb.append(",\"skipUser\":").append(RedisJson.PROVIDER.createValue(m.skipUser()));
        }
        if (m.skipConnection() != null) {
            sb.append(",\"skipConnection\":").append(RedisJson.PROVIDER.createValue(m.skipConnection()));
        }
        return sb.append("}}").toString();
    }

    /**
     * Reads what {@link #encode} wrote.
     *
     * @throws IllegalArgumentException if {@code text} is not such a message
     */
    static Received decode(String text) {
        try (JsonReader reader = RedisJson.READERS.createReader(new StringReader(text))) {
            JsonObject o = reader.readObject();
            JsonObject j = o.getJsonObject("message");
            RoomMessage.Kind kind = RoomMessage.Kind.valueOf(j.getString("kind"));
            String room = j.getString("room");
            JsonObject f = j.getJsonObject("frame");
            if (!f.getString("type").equals(kind.name().toLowerCase(Locale.ROOT)) || !f.getString("room").equals(room)) {
                throw new IllegalArgumentException("the frame is not a " + kind + " of room " + room);
            }
            RoomMessage m;
            switch (kind) {
                case JOIN:
                    m = RoomMessage.join(room, Presence.fromJson(f.getJsonObject("presence")), null);
                    break;
                case META:
                    m = RoomMessage.meta(room, Presence.fromJson(f.getJsonObject("presence")), null);
                    break;
                case LEAVE:
                    m = RoomMessage.leave(room, f.getString("id"));
                    break;
                case EVENT:
                    m = RoomMessage.event(room, f.getString("event"), f.getOrDefault("payload", JsonValue.NULL));
                    break;
                case CURSORS:
                    m = RoomMessage.cursors(room, moves(f.getJsonArray("cursors")));
                    break;
                default:
                    throw new IllegalArgumentException("kind " + kind);
            }
            return new Received(o.getString("node"), m.skipping(optString(j, "skipUser"), optString(j, "skipConnection")));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("online-now: not a room message: "
                    + (text.length() > 200 ? text.substring(0, 200) + "..." : text), e);
        }
    }

    private static List<RoomMessage.Move> moves(JsonArray cs) {
        List<RoomMessage.Move> out = new ArrayList<>(cs.size());
        for (JsonValue v : cs) {
            JsonObject e = v.asJsonObject();
            String id = e.getString("id");
            out.add(e.getBoolean("gone", false) ? RoomMessage.Move.gone(id)
                    : new RoomMessage.Move(id, e.getJsonNumber("x").doubleValue(), e.getJsonNumber("y").doubleValue(),
                            false));
        }
        return out;
    }

    private static String optString(JsonObject o, String key) {
        JsonValue v = o.get(key);
        return v == null || v.getValueType() != JsonValue.ValueType.STRING ? null : o.getString(key);
    }
}
