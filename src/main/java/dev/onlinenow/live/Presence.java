package dev.onlinenow.live;

import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;

import java.io.StringReader;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * One user in one room: their id and display name (set by the server), the meta their client
 * chose (size-limited), how many connections (tabs) they have in the room, and since when.
 *
 * <p>Each connection (tab) of the user in the room has a meta of its own ({@link #getMetas()}, as
 * Phoenix Presence keeps them); {@link #getMeta()} is the one meta of protocol version 1: the meta
 * of the most recently changed connection, except {@code away}, which is true only while every
 * connection's meta says {@code away: true}.
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
    /** One per connection, in the order they joined; empty when not known (a presence made by hand). */
    private final List<Meta> metas;

    /**
     * One connection's meta in the room: what that tab's client set, and when it joined. Its
     * connection id and the order of its last change are the server's and never sent.
     */
    public static final class Meta {
        final String connection;
        final String meta;
        final long joinedAt;
        /** Larger for a later change; 0 for a connection that joined without a meta. */
        final long changed;

        private Meta(String connection, String metaJson, long joinedAtMillis, long changed) {
            this.connection = connection;
            this.meta = metaJson == null || metaJson.isEmpty() ? EMPTY : metaJson;
            this.joinedAt = joinedAtMillis;
            this.changed = changed;
        }

        /**
         * For a {@link RoomState}: one connection's meta.
         *
         * @param changed larger for a later change of meta; 0 if the connection never set one
         */
        public static Meta of(String connection, JsonObject meta, long joinedAtMillis, long changed) {
            return new Meta(connection, meta == null || meta.isEmpty() ? EMPTY : meta.toString(), joinedAtMillis, changed);
        }

        /** What this connection's client set. */
        public JsonObject getMeta() {
            return parse(meta);
        }

        public Instant getJoinedAt() {
            return Instant.ofEpochMilli(joinedAt);
        }

        public long getJoinedAtMillis() {
            return joinedAt;
        }

        /** The connection's id ({@code node/n}); null when not known. */
        public String connection() {
            return connection;
        }

        /** The meta's compact JSON text. */
        public String metaJson() {
            return meta;
        }

        /** The order of its last change (larger: later; 0: never set). */
        public long changed() {
            return changed;
        }

        Meta withMeta(String metaJson, long changedOrder) {
            return new Meta(connection, metaJson, joinedAt, changedOrder);
        }

        StringBuilder appendJson(StringBuilder sb) {
            return sb.append("{\"meta\":").append(meta).append(",\"joinedAt\":").append(joinedAt).append('}');
        }

        boolean sameAs(Meta o) {
            return joinedAt == o.joinedAt && (meta.equals(o.meta) || getMeta().equals(o.getMeta()));
        }

        @Override
        public String toString() {
            return "Meta{" + connection + " " + meta + " at " + joinedAt + "}";
        }
    }

    private static final Comparator<Meta> TAB_ORDER = Comparator.comparingLong((Meta m) -> m.joinedAt)
            .thenComparing(m -> m.connection == null ? "" : m.connection);

    public Presence(String id, String name, JsonObject meta, int connections, long joinedAtMillis) {
        this(id, name, meta == null || meta.isEmpty() ? EMPTY : meta.toString(), connections, joinedAtMillis, List.of());
    }

    /* metaJson: the compact JSON text of an object, as JsonObject.toString() writes it */
    private Presence(String id, String name, String metaJson, int connections, long joinedAtMillis, List<Meta> metas) {
        this.id = Objects.requireNonNull(id, "id");
        this.name = name == null ? id : name;
        this.meta = metaJson;
        this.connections = connections;
        this.joinedAt = joinedAtMillis;
        this.metas = metas;
    }

    /**
     * A presence of these connections' metas: its {@code meta} is theirs as version 1 shows it
     * (see the class comment), {@code joinedAt} the given one.
     *
     * @param connections the user's connections in the room (with several servers, on all of them;
     *                    may differ from {@code metas.size()} while servers of an older version
     *                    share the room)
     */
    public static Presence ofMetas(String id, String name, int connections, long joinedAtMillis, List<Meta> metas) {
        List<Meta> sorted = new ArrayList<>(metas);
        sorted.sort(TAB_ORDER);
        return new Presence(id, name, versionOneMeta(sorted), connections, joinedAtMillis, List.copyOf(sorted));
    }

    /**
     * The meta of the most recently changed connection (the first to join if none changed), with
     * {@code away} true only if every connection's meta says {@code away: true} (when any has
     * {@code away} at all).
     */
    static String versionOneMeta(List<Meta> metas) {
        if (metas.isEmpty()) {
            return EMPTY;
        }
        Meta latest = metas.get(0);
        for (Meta m : metas) {
            if (m.changed > latest.changed) {
                latest = m;
            }
        }
        if (metas.size() == 1 || !anyMentionsAway(metas)) {
            return latest.meta;
        }
        boolean allAway = true;
        for (Meta m : metas) {
            JsonValue away = m.meta.contains("\"away\"") ? m.getMeta().get("away") : null;
            allAway &= away == JsonValue.TRUE;
        }
        JsonObject base = latest.getMeta();
        if (base.get("away") == (allAway ? JsonValue.TRUE : JsonValue.FALSE)) {
            return latest.meta;
        }
        return Protocol.JSON.createObjectBuilder(base).add("away", allAway).build().toString();
    }

    private static boolean anyMentionsAway(List<Meta> metas) {
        for (Meta m : metas) {
            if (m.meta.contains("\"away\"") && m.getMeta().containsKey("away")) {
                return true;
            }
        }
        return false;
    }

    /**
     * Reads a presence in its protocol form ({@code {"id","name","meta","connections","joinedAt"}});
     * missing optional fields take their defaults.
     */
    public static Presence fromJson(JsonObject o) {
        JsonValue meta = o.get("meta");
        Presence p = new Presence(o.getString("id"), o.getString("name", null),
                meta != null && meta.getValueType() == JsonValue.ValueType.OBJECT ? meta.asJsonObject() : null,
                o.getInt("connections", 1), o.containsKey("joinedAt") ? o.getJsonNumber("joinedAt").longValue() : 0);
        JsonValue ms = o.get("metas");
        if (ms == null || ms.getValueType() != JsonValue.ValueType.ARRAY) {
            return p;
        }
        List<Meta> metas = new ArrayList<>();
        for (JsonValue v : ms.asJsonArray()) {
            JsonObject e = v.asJsonObject();
            JsonValue m = e.get("meta");
            metas.add(Meta.of(null, m != null && m.getValueType() == JsonValue.ValueType.OBJECT ? m.asJsonObject() : null,
                    e.containsKey("joinedAt") ? e.getJsonNumber("joinedAt").longValue() : 0, 0));
        }
        // the meta as sent stands: the order of changes is not on the wire
        return new Presence(p.id, p.name, p.meta, p.connections, p.joinedAt, List.copyOf(metas));
    }

    /** This presence in its protocol form, as {@code state}, {@code join} and {@code meta} frames carry it. */
    public JsonObject toJson() {
        try (JsonReader r = Protocol.READERS.createReader(new StringReader(toJsonString()))) {
            return r.readObject();
        }
    }

    /** {@link #toJson()} as text, written without parsing the meta. */
    String toJsonString() {
        return appendJson(new StringBuilder(meta.length() + id.length() + name.length() + 80)).toString();
    }

    /** Appends {@link #toJson()}'s text to {@code sb}, the meta as it is kept. */
    StringBuilder appendJson(StringBuilder sb) {
        sb.append("{\"id\":").append(Protocol.PROVIDER.createValue(id))
                .append(",\"name\":").append(Protocol.PROVIDER.createValue(name))
                .append(",\"meta\":").append(meta)
                .append(",\"connections\":").append(connections)
                .append(",\"joinedAt\":").append(joinedAt)
                .append(",\"metas\":[");
        List<Meta> ms = getMetas();
        for (int i = 0; i < ms.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            ms.get(i).appendJson(sb);
        }
        return sb.append("]}");
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
        return parse(meta);
    }

    private static JsonObject parse(String meta) {
        if (meta.equals(EMPTY)) {
            return JsonValue.EMPTY_JSON_OBJECT;
        }
        try (JsonReader r = Protocol.READERS.createReader(new StringReader(meta))) {
            return r.readObject();
        }
    }

    /**
     * Each connection's meta, in the order they joined. A presence that does not know its
     * connections' metas (one made with the public constructor) has one entry: its meta.
     */
    public List<Meta> getMetas() {
        return metas.isEmpty() ? List.of(new Meta(null, meta, joinedAt, 0)) : metas;
    }

    /** The per-connection metas as kept (empty if not known); for a {@link RoomState}. */
    public List<Meta> metas() {
        return metas;
    }

    /** Whether the connections' metas are the same (meta and joinedAt of each, in order). */
    boolean sameMetas(Presence o) {
        List<Meta> a = getMetas();
        List<Meta> b = o.getMetas();
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!a.get(i).sameAs(b.get(i))) {
                return false;
            }
        }
        return true;
    }

    /** With one more connection, its meta {@code meta} (null: it set none). */
    public Presence withConnection(String connection, JsonObject meta, long joinedAtMillis) {
        List<Meta> ms = new ArrayList<>(metas);
        long changed = meta == null ? 0 : nextChange();
        ms.add(Meta.of(connection, meta, joinedAtMillis, changed));
        return ofMetas(id, name, connections + 1, joinedAt, ms);
    }

    /** Without that connection (the count goes down by one whether or not its meta was known). */
    public Presence withoutConnection(String connection) {
        List<Meta> ms = new ArrayList<>(metas);
        ms.removeIf(m -> Objects.equals(m.connection, connection));
        return ofMetas(id, name, connections - 1, joinedAt, ms);
    }

    /** With that connection's meta replaced (every connection's, if it is not known). */
    public Presence withConnectionMeta(String connection, JsonObject newMeta) {
        String text = newMeta == null || newMeta.isEmpty() ? EMPTY : newMeta.toString();
        long changed = nextChange();
        List<Meta> ms = new ArrayList<>(metas.size());
        boolean found = false;
        for (Meta m : metas) {
            if (Objects.equals(m.connection, connection)) {
                ms.add(m.withMeta(text, changed));
                found = true;
            } else {
                ms.add(m);
            }
        }
        if (!found) {
            ms.clear();
            for (Meta m : metas) {
                ms.add(m.withMeta(text, changed));
            }
            if (ms.isEmpty()) {
                return new Presence(id, name, text, connections, joinedAt, List.of());
            }
        }
        return ofMetas(id, name, connections, joinedAt, ms);
    }

    private long nextChange() {
        long max = 0;
        for (Meta m : metas) {
            max = Math.max(max, m.changed);
        }
        return max + 1;
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
        return withConnectionMeta(null, newMeta);
    }

    /** The same presence with another connection count (the meta's text is shared, not copied). */
    public Presence withConnections(int n) {
        return new Presence(id, name, meta, n, joinedAt, metas);
    }

    /** Equal presences have the same id, name, meta, connections and joinedAt; {@link #getMetas()} is not compared. */
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
                + ", joinedAt=" + getJoinedAt() + (metas.isEmpty() ? "" : ", metas=" + metas) + "}";
    }
}
