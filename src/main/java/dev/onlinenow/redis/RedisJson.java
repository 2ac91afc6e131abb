package dev.onlinenow.redis;

import jakarta.json.JsonReader;
import jakarta.json.JsonReaderFactory;
import jakarta.json.JsonValue;
import jakarta.json.JsonObject;
import jakarta.json.spi.JsonProvider;

import java.io.StringReader;
import java.util.Map;

/** JSON for the Redis backend: the meta as Redis keeps it (the frames are the live layer's, see {@link MessageCodec}). */
final class RedisJson {

    /** Made once: the static Json.createXxx() methods look the provider up on every call. */
    static final JsonProvider PROVIDER = JsonProvider.provider();
    static final JsonReaderFactory READERS = PROVIDER.createReaderFactory(Map.of());

    private RedisJson() {
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
