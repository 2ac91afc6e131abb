package dev.onlinenow.live;

import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonBuilderFactory;
import jakarta.json.JsonReaderFactory;
import jakarta.json.spi.JsonProvider;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonValue;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/** The frames of protocol v1 (see CONTRACT.md section 4), built with JSON-P. */
final class Protocol {

    static final String STATE = "state";
    static final String JOIN = "join";
    static final String LEAVE = "leave";
    static final String META = "meta";
    static final String CURSOR = "cursor";
    static final String CURSORS = "cursors";
    static final String EVENT = "event";
    static final String PING = "ping";
    static final String PONG = "pong";
    static final String ERROR = "error";

    // error codes
    static final String BAD_JSON = "bad_json";
    static final String BAD_MESSAGE = "bad_message";
    static final String UNKNOWN_TYPE = "unknown_type";
    static final String NOT_JOINED = "not_joined";
    static final String FORBIDDEN = "forbidden";
    static final String TOO_MANY_ROOMS = "too_many_rooms";
    static final String META_TOO_LARGE = "meta_too_large";
    static final String BAD_CURSOR = "bad_cursor";
    static final String RATE_LIMITED = "rate_limited";
    static final String SERVER_FULL = "server_full";
    static final String ROOM_FULL = "room_full";
    static final String INTERNAL = "internal";

    /** Keys a client's meta may not carry: the server sets them on the presence. */
    static final List<String> SERVER_FIELDS = List.of("id", "name", "connections", "joinedAt");

    static final int MAX_ROOM_LENGTH = 200;
    static final int MAX_EVENT_LENGTH = 200;

    /*
     * The static Json.createXxx() methods look the provider up through a ServiceLoader on every
     * call; frames are built and read per message, so the provider and its factories are made once.
     */
    static final JsonProvider PROVIDER = JsonProvider.provider();
    static final JsonBuilderFactory JSON = PROVIDER.createBuilderFactory(Map.of());
    static final JsonReaderFactory READERS = PROVIDER.createReaderFactory(Map.of());

    static final String PONG_FRAME = JSON.createObjectBuilder().add("type", PONG).build().toString();

    private Protocol() {
    }

    static JsonObject presence(Presence p) {
        return p.toJson();
    }

    static JsonObject cursor(Cursor c) {
        return JSON.createObjectBuilder().add("id", c.getId()).add("x", c.getX()).add("y", c.getY()).build();
    }

    /**
     * The {@code state} frame; it also carries {@code pingInterval} (milliseconds), the heartbeat
     * the server expects, so that the {@code pingInterval} setting reaches every client.
     */
    static String state(String room, String self, Collection<Presence> presences, Collection<Cursor> cursors,
                        long pingIntervalMillis) {
        JsonArrayBuilder ps = JSON.createArrayBuilder();
        for (Presence p : presences) {
            ps.add(presence(p));
        }
        JsonArrayBuilder cs = JSON.createArrayBuilder();
        for (Cursor c : cursors) {
            if (!c.getId().equals(self)) {
                cs.add(cursor(c));
            }
        }
        return JSON.createObjectBuilder()
                .add("type", STATE).add("room", room).add("self", self)
                .add("presences", ps).add("cursors", cs)
                .add("pingInterval", pingIntervalMillis)
                .build().toString();
    }

    static JsonObject join(String room, Presence p) {
        return JSON.createObjectBuilder().add("type", JOIN).add("room", room).add("presence", presence(p)).build();
    }

    static JsonObject leave(String room, String id) {
        return JSON.createObjectBuilder().add("type", LEAVE).add("room", room).add("id", id).build();
    }

    static JsonObject meta(String room, Presence p) {
        return JSON.createObjectBuilder().add("type", META).add("room", room).add("presence", presence(p)).build();
    }

    static JsonObject event(String room, String event, JsonValue payload) {
        return JSON.createObjectBuilder().add("type", EVENT).add("room", room).add("event", event)
                .add("payload", payload).build();
    }

    static JsonObject cursors(String room, List<CursorCoalescer.Entry> entries) {
        JsonArrayBuilder cs = JSON.createArrayBuilder();
        for (CursorCoalescer.Entry e : entries) {
            JsonObjectBuilder b = JSON.createObjectBuilder().add("id", e.id());
            if (e.gone()) {
                b.add("gone", true);
            } else {
                b.add("x", e.x()).add("y", e.y());
            }
            cs.add(b);
        }
        return JSON.createObjectBuilder().add("type", CURSORS).add("room", room).add("cursors", cs).build();
    }

    static String error(String code, String message, String ref) {
        return error(code, message, ref, null);
    }

    /** An error about a message that named a (valid) room: the room is echoed so clients can tell which. */
    static String error(String code, String message, String ref, String room) {
        JsonObjectBuilder b = JSON.createObjectBuilder().add("type", ERROR).add("code", code).add("message", message);
        if (ref != null) {
            b.add("ref", ref);
        }
        if (room != null) {
            b.add("room", room);
        }
        return b.build().toString();
    }

    /** Size of a JSON value as sent, in UTF-8 bytes. */
    static int utf8Length(JsonValue v) {
        return v.toString().getBytes(StandardCharsets.UTF_8).length;
    }

    /** A room name the live layer accepts: 1 to 200 characters, none of them a control character. */
    static boolean validRoom(String room) {
        if (room == null || room.isEmpty() || room.length() > MAX_ROOM_LENGTH) {
            return false;
        }
        for (int i = 0; i < room.length(); i++) {
            if (Character.isISOControl(room.charAt(i))) {
                return false;
            }
        }
        return true;
    }
}
