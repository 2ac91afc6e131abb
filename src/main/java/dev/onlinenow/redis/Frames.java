package dev.onlinenow.redis;

import dev.onlinenow.live.Presence;
import jakarta.json.JsonBuilderFactory;
import jakarta.json.JsonReaderFactory;
import jakarta.json.spi.JsonProvider;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;

import java.io.StringReader;
import java.util.Map;

/**
 * The protocol v1 frames this backend sends on its own (leaves of reaped nodes, what
 * reconciliation found missing), built exactly like the live layer builds them.
 */
final class Frames {

    /** Made once: the static Json.createXxx() methods look the provider up on every call. */
    static final JsonProvider PROVIDER = JsonProvider.provider();
    static final JsonBuilderFactory JSON = PROVIDER.createBuilderFactory(Map.of());
    static final JsonReaderFactory READERS = PROVIDER.createReaderFactory(Map.of());

    private Frames() {
    }

    static JsonObject presence(Presence p) {
        return p.toJson();
    }

    static Presence presence(JsonObject o) {
        return Presence.fromJson(o);
    }

    static JsonObject join(String room, Presence p) {
        return JSON.createObjectBuilder().add("type", "join").add("room", room).add("presence", presence(p)).build();
    }

    static JsonObject meta(String room, Presence p) {
        return JSON.createObjectBuilder().add("type", "meta").add("room", room).add("presence", presence(p)).build();
    }

    static JsonObject leave(String room, String id) {
        return JSON.createObjectBuilder().add("type", "leave").add("room", room).add("id", id).build();
    }

    /** Meta as stored in Redis; a value that does not parse (someone else's data) reads as empty. */
    static JsonObject parseMeta(String text) {
        if (text == null || text.isEmpty()) {
            return JsonValue.EMPTY_JSON_OBJECT;
        }
        try (JsonReader r = READERS.createReader(new StringReader(text))) {
            return r.readObject();
        } catch (RuntimeException e) {
            return JsonValue.EMPTY_JSON_OBJECT;
        }
    }
}
