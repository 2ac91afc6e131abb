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
    static final String COUNT = "count";
    static final String EVENT = "event";
    static final String PING = "ping";
    static final String PONG = "pong";
    /** Protocol 1.1: who is online, live (a client subscribes with it; the server answers with it). */
    static final String ONLINE = "online";
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

    /*
     * The protocol's fixed limits (docs/protocol.md, section 11, lists them with the settings).
     * Lengths of names are in UTF-16 code units, as JavaScript's String.length counts them.
     */
    static final int MAX_ROOM_LENGTH = 200;
    static final int MAX_EVENT_LENGTH = 200;
    /** Levels of nesting in a client's frame; the frame object itself is the first. */
    static final int MAX_DEPTH = 16;
    /** Characters of one JSON number in a client's frame (a double needs at most 24). */
    static final int MAX_NUMBER_LENGTH = 40;
    /** Digits of a JSON number's exponent in a client's frame (a double's range is within e±324). */
    static final int MAX_EXPONENT_DIGITS = 3;

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

    static JsonObject cursor(Cursor c) {
        return JSON.createObjectBuilder().add("id", c.getId()).add("x", c.getX()).add("y", c.getY()).build();
    }

    /**
     * The {@code state} frame; it also carries {@code pingInterval} (milliseconds), the heartbeat
     * the server expects, so that the {@code pingInterval} setting reaches every client.
     */
    static String state(String room, String self, Collection<Presence> presences, Collection<Cursor> cursors,
                        long pingIntervalMillis) {
        return state(room, self, presences, cursors, presences.size(), pingIntervalMillis);
    }

    /**
     * The {@code state} frame of a room of {@code count} users, {@code presences} of them listed
     * (all, unless the room has more than {@code roomListLimit}).
     */
    static String state(String room, String self, Collection<Presence> presences, Collection<Cursor> cursors,
                        int count, long pingIntervalMillis) {
        // written as text: each presence's meta is embedded as it is kept, never parsed (Presence)
        StringBuilder sb = new StringBuilder(128 + 160 * presences.size());
        sb.append("{\"type\":\"").append(STATE).append("\",\"room\":").append(PROVIDER.createValue(room))
                .append(",\"self\":").append(PROVIDER.createValue(self)).append(",\"presences\":[");
        boolean first = true;
        for (Presence p : presences) {
            if (!first) {
                sb.append(',');
            }
            p.appendJson(sb);
            first = false;
        }
        JsonArrayBuilder cs = JSON.createArrayBuilder();
        for (Cursor c : cursors) {
            if (!c.getId().equals(self)) {
                cs.add(cursor(c));
            }
        }
        return sb.append("],\"cursors\":").append(cs.build()).append(",\"count\":").append(count)
                .append(",\"pingInterval\":").append(pingIntervalMillis).append('}').toString();
    }

    /** The {@code count} frame of a large room. */
    static String count(String room, int count) {
        return "{\"type\":\"" + COUNT + "\",\"room\":" + PROVIDER.createValue(room) + ",\"count\":" + count + "}";
    }

    /** The text of a join, leave, meta or event message's frame (cursors: {@link CursorFrame}). */
    static String frame(RoomMessage m) {
        String head = "{\"type\":\"" + m.kind().name().toLowerCase(java.util.Locale.ROOT) + "\",\"room\":"
                + PROVIDER.createValue(m.room());
        switch (m.kind()) {
            case JOIN:
            case META: {
                Presence p = m.presence();
                StringBuilder sb = new StringBuilder(head.length() + p.metaJson().length() + 120).append(head)
                        .append(",\"presence\":");
                return p.appendJson(sb).append('}').toString();
            }
            case LEAVE:
                return head + ",\"id\":" + PROVIDER.createValue(m.userId()) + "}";
            case EVENT:
                return head + ",\"event\":" + PROVIDER.createValue(m.event()) + ",\"payload\":" + m.payload() + "}";
            default:
                throw new IllegalArgumentException("online-now: no single frame for " + m.kind());
        }
    }

    /** One entry of a {@code cursors} frame. */
    static String move(RoomMessage.Move e) {
        StringBuilder sb = new StringBuilder(48).append("{\"id\":").append(PROVIDER.createValue(e.id()));
        if (e.gone()) {
            sb.append(",\"gone\":true");
        } else {
            sb.append(",\"x\":").append(PROVIDER.createValue(e.x())).append(",\"y\":")
                    .append(PROVIDER.createValue(e.y()));
        }
        return sb.append('}').toString();
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

    /**
     * A room name the live layer accepts: 1 to 200 characters, valid Unicode, none of them a
     * control character (U+0000 to U+001F, U+007F to U+009F).
     */
    static boolean validRoom(String room) {
        return validName(room, MAX_ROOM_LENGTH);
    }

    /** An event name for {@code broadcast}: the same rule as a room name. */
    static boolean validEvent(String event) {
        return validName(event, MAX_EVENT_LENGTH);
    }

    private static boolean validName(String s, int maxLength) {
        return s != null && !s.isEmpty() && s.length() <= maxLength && validMetaKey(s);
    }

    /** A key of a client's meta: valid Unicode without control characters (it may be empty). */
    static boolean validMetaKey(String key) {
        for (int i = 0; i < key.length(); i++) {
            if (Character.isISOControl(key.charAt(i))) {
                return false;
            }
        }
        return FrameDecoder.validUnicode(key);
    }

    /** A string value in a client's meta: valid Unicode, no control character but tab, line feed, carriage return. */
    static boolean validMetaString(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isISOControl(c) && c != '\t' && c != '\n' && c != '\r') {
                return false;
            }
        }
        return FrameDecoder.validUnicode(value);
    }
}
