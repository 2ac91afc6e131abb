package dev.onlinenow.live;

import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;

import java.io.StringReader;
import java.time.Instant;
import java.util.Objects;

/**
 * One user in one room: their id and display name (set by the server), the meta their client
 * chose (size-limited), how many connections (tabs) they have in the room, and since when.
 *
 * <p>Immutable. Getters follow the JavaBean convention so JSPs can write {@code ${p.name}}.
 *
 * <p>The meta is kept as its compact JSON text, not as parsed JSON-P objects: a room holds one
 * per member for as long as they stay, and a parsed 1 KB meta takes many times its size in heap
 * (a map entry, a key string and a value object per member). The frames embed the text as it is;
 * {@link #getMeta()} parses it when someone asks.
 */
public final class Presence {

    private static final String EMPTY = "{}";

    private final String id;
    private final String name;
    private final String meta;
    private final int connections;
    private final long joinedAt;

    public Presence(String id, String name, JsonObject meta, int connections, long joinedAtMillis) {
        this(id, name, meta == null || meta.isEmpty() ? EMPTY : meta.toString(), connections, joinedAtMillis);
    }

    /* metaJson: the compact JSON text of an object, as JsonObject.toString() writes it */
    private Presence(String id, String name, String metaJson, int connections, long joinedAtMillis) {
        this.id = Objects.requireNonNull(id, "id");
        this.name = name == null ? id : name;
        this.meta = metaJson;
        this.connections = connections;
        this.joinedAt = joinedAtMillis;
    }

    /**
     * Reads a presence in its protocol form ({@code {"id","name","meta","connections","joinedAt"}});
     * missing optional fields take their defaults.
     */
    public static Presence fromJson(JsonObject o) {
        JsonValue meta = o.get("meta");
        return new Presence(o.getString("id"), o.getString("name", null),
                meta != null && meta.getValueType() == JsonValue.ValueType.OBJECT ? meta.asJsonObject() : null,
                o.getInt("connections", 1), o.containsKey("joinedAt") ? o.getJsonNumber("joinedAt").longValue() : 0);
    }

    /** This presence in its protocol form, as {@code state}, {@code join} and {@code meta} frames carry it. */
    public JsonObject toJson() {
        return Protocol.JSON.createObjectBuilder()
                .add("id", id)
                .add("name", name)
                .add("meta", getMeta())
                .add("connections", connections)
                .add("joinedAt", joinedAt)
                .build();
    }

    /** {@link #toJson()} as text, written without parsing the meta. */
    String toJsonString() {
        return appendJson(new StringBuilder(meta.length() + id.length() + name.length() + 80)).toString();
    }

    /** Appends {@link #toJson()}'s text to {@code sb}, the meta as it is kept. */
    StringBuilder appendJson(StringBuilder sb) {
        return sb.append("{\"id\":").append(Protocol.PROVIDER.createValue(id))
                .append(",\"name\":").append(Protocol.PROVIDER.createValue(name))
                .append(",\"meta\":").append(meta)
                .append(",\"connections\":").append(connections)
                .append(",\"joinedAt\":").append(joinedAt)
                .append('}');
    }

    /** The meta's compact JSON text (an object; {@code {}} if none). */
    String metaJson() {
        return meta;
    }

    public String getId() {
        return id;
    }

    /** The display name, from the configured {@code UserResolver}. */
    public String getName() {
        return name;
    }

    /**
     * What the user's client set (e.g. {@code away}); never contains server-set fields. Parsed
     * from the kept text on every call: callers that ask often should keep the result.
     */
    public JsonObject getMeta() {
        if (meta.equals(EMPTY)) {
            return JsonValue.EMPTY_JSON_OBJECT;
        }
        try (JsonReader r = Protocol.READERS.createReader(new StringReader(meta))) {
            return r.readObject();
        }
    }

    /** Open connections (tabs) of this user in this room, on this node or, with Redis, on all nodes. */
    public int getConnections() {
        return connections;
    }

    /** When the user's first connection entered the room. */
    public Instant getJoinedAt() {
        return Instant.ofEpochMilli(joinedAt);
    }

    public long getJoinedAtMillis() {
        return joinedAt;
    }

    /** The same presence with other meta. */
    public Presence withMeta(JsonObject newMeta) {
        return new Presence(id, name, newMeta, connections, joinedAt);
    }

    /** The same presence with another connection count (the meta's text is shared, not copied). */
    public Presence withConnections(int n) {
        return new Presence(id, name, meta, n, joinedAt);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Presence)) {
            return false;
        }
        Presence p = (Presence) o;
        return id.equals(p.id) && name.equals(p.name) && meta.equals(p.meta) && connections == p.connections
                && joinedAt == p.joinedAt;
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, name, meta, connections, joinedAt);
    }

    @Override
    public String toString() {
        return "Presence{id=" + id + ", name=" + name + ", meta=" + meta + ", connections=" + connections
                + ", joinedAt=" + getJoinedAt() + "}";
    }
}
