package dev.onlinenow;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Every setting of online-now, parsed once and checked loudly.
 *
 * <p>The same keys are accepted as filter init-params and as servlet context-params prefixed
 * {@value #CONTEXT_PARAM_PREFIX} (so the filter and the live endpoint share one configuration).
 * An unknown key or a bad value is an {@link IllegalArgumentException} whose message names the
 * key, the value and what is allowed; the filter turns it into a failed start-up. The builder's
 * setters check their values the same way, with the same message.
 *
 * <p>Each key is written once, as a {@link Setting}: its name, its default, how its text parses,
 * its bounds, and a line saying what it is. {@link #settings()} lists them; docs/settings.md's
 * settings tables show them (a test keeps the two equal).
 */
public final class OnlineNowSettings {

    /** Prefix of the servlet context-params that configure online-now. */
    public static final String CONTEXT_PARAM_PREFIX = "online-now.";

    // --- keys fixed by the public contract -------------------------------------------------
    public static final String THRESHOLD = "threshold";
    public static final String MAX_COUNT = "maxCount";
    public static final String USER_ID = "userId";
    public static final String TRACK_ANONYMOUS = "trackAnonymous";
    public static final String EXCLUDE = "exclude";
    public static final String STORE = "store";
    public static final String REDIS_URI = "redisUri";
    // --- our own keys ----------------------------------------------------------------------
    public static final String MAX_TRACKED = "maxTracked";
    public static final String RESOLVER = "resolver";
    // who is online, as communities show it
    public static final String HIDDEN = "hidden";
    public static final String SEE_HIDDEN = "seeHidden";
    public static final String ROBOTS = "robots";
    public static final String LOCATION = "location";
    public static final String DATA_DIR = "dataDir";
    /** The {@code dataDir} value that keeps nothing. */
    public static final String NO_DATA_DIR = "none";
    // live endpoint
    public static final String WS_PATH = "wsPath";
    public static final String ALLOWED_ORIGINS = "allowedOrigins";
    public static final String PING_INTERVAL = "pingInterval";
    public static final String HEARTBEAT_TIMEOUT = "heartbeatTimeout";
    public static final String MAX_FRAME_BYTES = "maxFrameBytes";
    public static final String MAX_META_BYTES = "maxMetaBytes";
    public static final String MAX_MESSAGES_PER_SECOND = "maxMessagesPerSecond";
    public static final String MAX_ROOMS_PER_CONNECTION = "maxRoomsPerConnection";
    public static final String MAX_CONNECTIONS_PER_USER = "maxConnectionsPerUser";
    public static final String SEND_QUEUE_SIZE = "sendQueueSize";
    public static final String SEND_QUEUE_BYTES = "sendQueueBytes";
    public static final String TRUST_FORWARDED_HEADERS = "trustForwardedHeaders";
    public static final String AUTHORIZER = "authorizer";
    public static final String CURSOR_TICK = "cursorTick";
    public static final String CURSOR_TIMEOUT = "cursorTimeout";
    public static final String MAX_CURSORS_PER_SECOND = "maxCursorsPerSecond";
    public static final String MAX_META_PER_SECOND = "maxMetaPerSecond";
    public static final String MAX_CONNECTIONS = "maxConnections";
    public static final String MAX_ROOMS = "maxRooms";
    public static final String MAX_MEMBERS_PER_ROOM = "maxMembersPerRoom";
    public static final String ROOM_LIST_LIMIT = "roomListLimit";
    public static final String COMPRESSION = "compression";
    // redis store
    public static final String REDIS_NAMESPACE = "redisNamespace";
    public static final String REDIS_TIMEOUT = "redisTimeout";
    public static final String NODE_TIMEOUT = "nodeTimeout";

    /** Where a store kept: in-process or in Redis. */
    public enum StoreKind { EHCACHE, REDIS }

    /**
     * Whether the live endpoint accepts a client's offer of a compression extension:
     * {@code OFF} refuses every extension (the frames go as they are), {@code PERMESSAGE_DEFLATE}
     * accepts RFC 7692 permessage-deflate when the container implements it.
     */
    public enum Compression { OFF, PERMESSAGE_DEFLATE }

    /**
     * The location recorded per request: {@code PATH}, the path inside the web app without the
     * query string; {@code NONE}, none (only what a page sets in {@code onlineNowLocation}).
     */
    public enum Location { PATH, NONE }

    /* a comma before a scheme separates two URIs (declared before the settings, whose defaults it parses; a Sentinel URI's own commas separate its hosts) */
    private static final java.util.regex.Pattern URI_SEPARATOR =
            java.util.regex.Pattern.compile("\\s*,\\s*(?=[A-Za-z][A-Za-z0-9+.-]*://)");

    /* Every setting, in documentation order; filled by define() below (so declared before them). */
    private static final List<Setting<?>> ALL = new ArrayList<>();
    private static final Map<String, Setting<?>> BY_NAME = new LinkedHashMap<>();

    /*
     * The settings. Adding one: a name constant above, one define() here (name, default, bounds,
     * what the error message says is allowed, a doc line), a getter and a builder setter that call
     * get()/put(), and its row in README.md (OnlineNowSettingsReadmeTest checks the row).
     */
    private static final Setting<Duration> S_THRESHOLD = duration(THRESHOLD, "PT15M", Duration.ofSeconds(1), null,
            "an ISO-8601 duration such as PT15M, or whole seconds such as 900; at least 1 second",
            "how long after their last request a user still counts as online");
    private static final Setting<Integer> S_MAX_COUNT = integer(MAX_COUNT, 50, 1, 10_000,
            "the most ids onlineNowIds / onlineNow list");
    private static final Setting<UserIdSource> S_USER_ID = define(USER_ID, "principal", UserIdSource::parse, null,
            "principal, or session:NAME (an HttpSession attribute), optionally with properties of it: session:NAME.property or session:NAME.a.b; several, comma-separated, are tried in order",
            "where a user's id comes from");
    private static final Setting<Boolean> S_TRACK_ANONYMOUS = bool(TRACK_ANONYMOUS, false,
            "also count visitors without a user id, by session, as guests");
    private static final Setting<PathPatterns> S_EXCLUDE = defineAbsent(EXCLUDE, PathPatterns.NONE, "none",
            PathPatterns::parse, null, "comma-separated path patterns: /exact, /prefix/*, *.extension",
            "path patterns whose requests do not count as activity");
    private static final Setting<StoreKind> S_STORE = choice(STORE, StoreKind.EHCACHE, StoreKind.class,
            "ehcache or redis", "where the index is kept: in-process (ehcache) or shared by several servers (redis)");
    private static final Setting<URI> S_REDIS_URI = define(REDIS_URI, "redis://localhost:6379",
            OnlineNowSettings::parseRedisUri, OnlineNowSettings::isRedisUri,
            "a Redis URI such as redis://host:6379/0 (also rediss://, redis-sentinel://, redis-socket://), or for a Redis Cluster one or more redis:// or rediss:// URIs of its nodes, comma-separated",
            "the Redis to use when store=redis: one server, or any node(s) of a Redis Cluster");
    private static final Setting<Integer> S_MAX_TRACKED = integer(MAX_TRACKED, 1_000_000, 100, 100_000_000,
            "hard cap on tracked users per index (memory bound)");
    private static final Setting<String> S_RESOLVER = defineAbsent(RESOLVER, null, "ids as names",
            Function.identity(), OnlineNowSettings::isClassName,
            "the fully qualified name of a class implementing dev.onlinenow.UserResolver",
            "class name of the UserResolver that turns ids into names");
    private static final Setting<UserIdSource> S_HIDDEN = defineAbsent(HIDDEN, null, "none", UserIdSource::parse,
            UserIdSource::isOneSessionAttribute,
            "session:NAME or session:NAME.property (an HttpSession attribute, or a property of it, holding a Boolean or the string true)",
            "where a user's \"hide my online status\" comes from");
    private static final Setting<List<String>> S_SEE_HIDDEN = defineAbsent(SEE_HIDDEN, List.of(), "none",
            OnlineNowSettings::parseRoles, OnlineNowSettings::areRoles,
            "role:NAME, or several comma-separated (role:admin,role:moderator)",
            "the roles whose members see hidden users listed (marked hidden)");
    private static final Setting<Boolean> S_ROBOTS = bool(ROBOTS, true,
            "count requests whose User-Agent a maintained crawler list recognises as robots, by name");
    private static final Setting<Location> S_LOCATION = choice(LOCATION, Location.PATH, Location.class,
            "path or none", "where each person is: the path inside the app of the last page they were shown (never the query string) or none");
    private static final Setting<String> S_DATA_DIR = defineAbsent(DATA_DIR, null,
            "the context's temp dir (`jakarta.servlet.context.tempdir`)", Function.identity(),
            OnlineNowSettings::isDataDir, "a directory path, or none to keep nothing",
            "where the in-process index and the record are saved when the app stops and read back when it starts");

    private static final Setting<String> S_WS_PATH = define(WS_PATH, "/online-now/ws", Function.identity(),
            OnlineNowSettings::isPath, "a path starting with / such as /online-now/ws", "where the live endpoint listens");
    private static final Setting<List<String>> S_ALLOWED_ORIGINS = defineAbsent(ALLOWED_ORIGINS, List.of(),
            "the page's own origin", OnlineNowSettings::parseOrigins, OnlineNowSettings::areOrigins,
            "comma-separated origins such as https://example.com, or * for any",
            "origins allowed to open a socket");
    private static final Setting<Boolean> S_TRUST_FORWARDED_HEADERS = bool(TRUST_FORWARDED_HEADERS, false,
            "whether the Origin check takes the page's host and scheme from Forwarded / X-Forwarded-* headers");
    private static final Setting<Duration> S_PING_INTERVAL = duration(PING_INTERVAL, "PT30S", Duration.ofSeconds(1), null,
            "an ISO-8601 duration or whole seconds, at least 1 second", "how often clients ping");
    private static final Setting<Duration> S_HEARTBEAT_TIMEOUT = duration(HEARTBEAT_TIMEOUT, "PT60S",
            Duration.ofSeconds(2), null, "an ISO-8601 duration or whole seconds, at least 2 seconds",
            "a connection silent this long is closed; must exceed pingInterval");
    private static final Setting<Integer> S_MAX_FRAME_BYTES = integer(MAX_FRAME_BYTES, 16 * 1024, 256, 1 << 20,
            "the largest message a client may send, in UTF-8 bytes");
    private static final Setting<Integer> S_MAX_META_BYTES = integer(MAX_META_BYTES, 1024, 2, 1 << 16,
            "the most a client's own meta may take, as JSON");
    private static final Setting<Integer> S_MAX_MESSAGES_PER_SECOND = integer(MAX_MESSAGES_PER_SECOND, 100, 1, 10_000,
            "non-cursor frames per second and connection");
    private static final Setting<Integer> S_MAX_ROOMS_PER_CONNECTION = integer(MAX_ROOMS_PER_CONNECTION, 16, 1, 1000,
            "rooms one connection may be in");
    private static final Setting<Integer> S_MAX_CONNECTIONS_PER_USER = integer(MAX_CONNECTIONS_PER_USER, 16, 1, 1000,
            "tabs and devices of one user on one server");
    private static final Setting<Integer> S_SEND_QUEUE_SIZE = integer(SEND_QUEUE_SIZE, 1024, 8, 100_000,
            "frames queued for one socket");
    private static final Setting<Integer> S_SEND_QUEUE_BYTES = integer(SEND_QUEUE_BYTES, 4 << 20, 1 << 16, 1 << 30,
            "characters of text queued for one socket");
    private static final Setting<String> S_AUTHORIZER = defineAbsent(AUTHORIZER, null, "every room allowed",
            Function.identity(), OnlineNowSettings::isClassName,
            "the fully qualified name of a class implementing dev.onlinenow.live.RoomAuthorizer",
            "class name of the RoomAuthorizer that decides who may join which room");
    private static final Setting<Duration> S_CURSOR_TICK = duration(CURSOR_TICK, "PT0.05S", Duration.ofMillis(10),
            Duration.ofSeconds(1), "an ISO-8601 duration such as PT0.05S, from 10 ms to 1 s",
            "cursor moves are coalesced per room and tick");
    private static final Setting<Duration> S_CURSOR_TIMEOUT = duration(CURSOR_TIMEOUT, "PT10S", Duration.ofSeconds(1),
            null, "an ISO-8601 duration or whole seconds, at least 1 second",
            "a cursor that has not moved this long disappears");
    private static final Setting<Integer> S_MAX_CURSORS_PER_SECOND = integer(MAX_CURSORS_PER_SECOND, 60, 1, 1000,
            "cursor frames per second and connection");
    private static final Setting<Integer> S_MAX_META_PER_SECOND = integer(MAX_META_PER_SECOND, 5, 1, 1000,
            "meta changes per second by one connection in one room");
    private static final Setting<Integer> S_MAX_CONNECTIONS = integer(MAX_CONNECTIONS, 20_000, 1, 10_000_000,
            "open live connections on this server");
    private static final Setting<Integer> S_MAX_ROOMS = integer(MAX_ROOMS, 10_000, 1, 10_000_000,
            "rooms with members on this server");
    private static final Setting<Integer> S_MAX_MEMBERS_PER_ROOM = integer(MAX_MEMBERS_PER_ROOM, 10_000, 1, 1_000_000,
            "users in one room, as this server sees the room");
    private static final Setting<Integer> S_ROOM_LIST_LIMIT = integer(ROOM_LIST_LIMIT, 100, 1, 1_000_000,
            "presences a room lists; a larger room is shown by count (docs/protocol.md, large rooms)");
    /* Off: measured with browser-like clients on Tomcat 11 (docs/benchmarks.md), deflate more
     * than doubles the memory of an idle socket and costs server CPU on every frame. */
    private static final Setting<Compression> S_COMPRESSION = choice(COMPRESSION, Compression.OFF, Compression.class,
            "off or permessage-deflate", "whether browsers' offer of permessage-deflate is accepted");

    private static final Setting<String> S_REDIS_NAMESPACE = define(REDIS_NAMESPACE, "online-now", Function.identity(),
            OnlineNowSettings::isNamespace,
            "letters, digits and - _ . : (the prefix of every Redis key and channel)",
            "prefix of every Redis key and channel");
    private static final Setting<Duration> S_REDIS_TIMEOUT = duration(REDIS_TIMEOUT, "PT0.5S", Duration.ofMillis(10),
            Duration.ofMinutes(1), "an ISO-8601 duration such as PT0.5S, from 10 ms to 1 minute",
            "the longest any Redis command may take before the node treats Redis as down");
    private static final Setting<Duration> S_NODE_TIMEOUT = duration(NODE_TIMEOUT, "PT15S", Duration.ofSeconds(3),
            Duration.ofMinutes(10), "an ISO-8601 duration or whole seconds, from 3 seconds to 10 minutes",
            "a server silent this long is taken as dead");

    private final Object[] values;
    private final Clock clock;
    private final Ticker ticker;
    private final Map<String, String> source;

    private OnlineNowSettings(Builder b) {
        this.values = b.values.clone();
        this.clock = b.clock;
        this.ticker = b.ticker;
        this.source = Collections.unmodifiableMap(new TreeMap<>(b.source));
    }

    /** The settings with every default. */
    public static OnlineNowSettings defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Parses settings from named string values (init-params, or context-params without their
     * prefix). Every key must be known and every value valid.
     *
     * @throws IllegalArgumentException naming the key, the value and what is allowed
     */
    public static OnlineNowSettings parse(Map<String, String> params) {
        Builder b = builder();
        b.apply(params);
        return b.build();
    }

    /** The keys this version accepts, in documentation order. */
    public static List<String> keys() {
        return List.copyOf(BY_NAME.keySet());
    }

    /** Every setting this version accepts, in documentation order. */
    public static List<Setting<?>> settings() {
        return Collections.unmodifiableList(ALL);
    }

    /** The setting of this name, or null for an unknown key. */
    public static Setting<?> setting(String key) {
        return BY_NAME.get(key);
    }

    /** What a key accepts, as said in error messages; null for an unknown key. */
    public static String allowedValues(String key) {
        Setting<?> s = BY_NAME.get(key);
        return s == null ? null : s.allowed();
    }

    @SuppressWarnings("unchecked")
    private <T> T get(Setting<T> s) {
        return (T) values[s.index];
    }

    public Duration threshold() { return get(S_THRESHOLD); }
    public int maxCount() { return get(S_MAX_COUNT); }
    public UserIdSource userId() { return get(S_USER_ID); }
    public boolean trackAnonymous() { return get(S_TRACK_ANONYMOUS); }
    public PathPatterns exclude() { return get(S_EXCLUDE); }
    public StoreKind store() { return get(S_STORE); }
    public URI redisUri() { return get(S_REDIS_URI); }
    public int maxTracked() { return get(S_MAX_TRACKED); }
    /** Class name of the configured {@link UserResolver}, or null for the default. */
    public String resolver() { return get(S_RESOLVER); }
    /** Where a user's hidden flag is read, or null when nobody is hidden. */
    public UserIdSource hidden() { return get(S_HIDDEN); }
    /** The roles ({@code request.isUserInRole}) whose members see hidden users; empty for none. */
    public List<String> seeHidden() { return get(S_SEE_HIDDEN); }
    /** Whether robots are recognised and counted apart (never as users or guests). */
    public boolean robots() { return get(S_ROBOTS); }
    /** The location recorded per request (a page's {@code onlineNowLocation} wins). */
    public Location location() { return get(S_LOCATION); }
    /** The {@code dataDir} setting: a directory, {@value #NO_DATA_DIR}, or null for the context's temp dir. */
    public String dataDir() { return get(S_DATA_DIR); }
    public String wsPath() { return get(S_WS_PATH); }
    /** Allowed WebSocket origins; empty means the page's own origin only; {@code *} means any. */
    public List<String> allowedOrigins() { return get(S_ALLOWED_ORIGINS); }
    public Duration pingInterval() { return get(S_PING_INTERVAL); }
    public Duration heartbeatTimeout() { return get(S_HEARTBEAT_TIMEOUT); }
    public int maxFrameBytes() { return get(S_MAX_FRAME_BYTES); }
    public int maxMetaBytes() { return get(S_MAX_META_BYTES); }
    public int maxMessagesPerSecond() { return get(S_MAX_MESSAGES_PER_SECOND); }
    public int maxRoomsPerConnection() { return get(S_MAX_ROOMS_PER_CONNECTION); }
    public int maxConnectionsPerUser() { return get(S_MAX_CONNECTIONS_PER_USER); }
    public int sendQueueSize() { return get(S_SEND_QUEUE_SIZE); }
    /** Text waiting to be sent to one socket, counted in characters (bytes, for the ASCII of most frames). */
    public int sendQueueBytes() { return get(S_SEND_QUEUE_BYTES); }
    /** Whether the handshake's Origin check believes {@code Forwarded} / {@code X-Forwarded-*} headers. */
    public boolean trustForwardedHeaders() { return get(S_TRUST_FORWARDED_HEADERS); }
    /** Class name of the configured room authorizer, or null to allow every room. */
    public String authorizer() { return get(S_AUTHORIZER); }
    public Duration cursorTick() { return get(S_CURSOR_TICK); }
    public Duration cursorTimeout() { return get(S_CURSOR_TIMEOUT); }
    public int maxCursorsPerSecond() { return get(S_MAX_CURSORS_PER_SECOND); }
    /** How many {@code meta} changes one connection may make in one room per second. */
    public int maxMetaPerSecond() { return get(S_MAX_META_PER_SECOND); }
    /** Open live connections this server accepts at most. */
    public int maxConnections() { return get(S_MAX_CONNECTIONS); }
    /** Rooms with members on this server, at most. */
    public int maxRooms() { return get(S_MAX_ROOMS); }
    /** Users in one room, at most (as this server sees the room). */
    public int maxMembersPerRoom() { return get(S_MAX_MEMBERS_PER_ROOM); }
    public int roomListLimit() { return get(S_ROOM_LIST_LIMIT); }
    public Compression compression() { return get(S_COMPRESSION); }
    public String redisNamespace() { return get(S_REDIS_NAMESPACE); }
    public Duration redisTimeout() { return get(S_REDIS_TIMEOUT); }
    public Duration nodeTimeout() { return get(S_NODE_TIMEOUT); }
    /** The clock every threshold, heartbeat and timeout is measured with. */
    public Clock clock() { return clock; }
    /** The monotonic time source of heartbeats, rate limits and cursor expiry. */
    public Ticker ticker() { return ticker; }

    /** The raw values these settings were parsed from (for comparing two configurations). */
    public Map<String, String> source() { return source; }

    /** The settings as given, with any user and password in a URI (the {@code redisUri}) shown as {@code ***}. */
    @Override
    public String toString() {
        return "OnlineNowSettings" + redacted(source);
    }

    /** {@code values} for a log line or an error message: each value {@link #redact redacted}. */
    public static Map<String, String> redacted(Map<String, String> values) {
        Map<String, String> out = new TreeMap<>();
        values.forEach((k, v) -> out.put(k, redact(v)));
        return out;
    }

    /**
     * A value fit for a log line or an error message: the user information of a URI in it
     * ({@code redis://user:secret@host} becomes {@code redis://***@host}, also for several hosts
     * and opaque forms) and credentials in its query ({@code password=}, {@code user=}, ...) are
     * replaced by {@code ***}. Other text is returned as it is.
     */
    public static String redact(String value) {
        if (value == null) {
            return null;
        }
        StringBuilder out = new StringBuilder(value.length());
        int i = 0;
        int n = value.length();
        while (i < n) {
            int colon = value.indexOf(':', i);
            if (colon < 0) {
                break;
            }
            int start = colon + 1;
            if (value.startsWith("//", start)) {
                start += 2;
            }
            int end = start;
            while (end < n && "/?# \t\"".indexOf(value.charAt(end)) < 0) {
                end++;
            }
            int at = value.lastIndexOf('@', end - 1);
            out.append(value, i, start);
            if (at >= start) {
                out.append("***").append(value, at, end);
            } else {
                out.append(value, start, end);
            }
            i = end;
        }
        // credentials as query parameters, wherever they are
        return redactQuery(out.append(value, i, n).toString());
    }

    private static final java.util.regex.Pattern SECRET_PARAM = java.util.regex.Pattern.compile(
            "(?i)([?&;](?:password|passwd|pass|pwd|user|username|auth|secret|token)=)[^&;#]*");

    private static String redactQuery(String query) {
        return SECRET_PARAM.matcher(query).replaceAll("$1***");
    }

    /** Builds settings in code; each setter checks its value like the parser does. */
    public static final class Builder {
        private final Object[] values;
        private Clock clock = Clock.systemUTC();
        private Ticker ticker = Ticker.system();
        private final Map<String, String> source = new TreeMap<>();

        private Builder() {
            values = new Object[ALL.size()];
            for (Setting<?> s : ALL) {
                values[s.index] = s.defaultValue;
            }
        }

        /**
         * Applies named string values; a null map or null values are ignored.
         *
         * @throws IllegalArgumentException for an unknown key or a bad value
         */
        public Builder apply(Map<String, String> params) {
            if (params == null) {
                return this;
            }
            for (Map.Entry<String, String> e : params.entrySet()) {
                set(e.getKey(), e.getValue());
            }
            return this;
        }

        /**
         * Sets one key from its string form.
         *
         * @throws IllegalArgumentException for an unknown key or a bad value
         */
        public Builder set(String key, String value) {
            Setting<?> s = BY_NAME.get(key);
            if (s == null) {
                throw new IllegalArgumentException("online-now: unknown setting '" + key + "' (value \""
                        + redact(value) + "\"); known settings are " + String.join(", ", BY_NAME.keySet()));
            }
            if (value == null) {
                return this;
            }
            String v = value.trim();
            values[s.index] = s.parse(v);
            source.put(key, v);
            return this;
        }

        private <T> Builder put(Setting<T> s, T value) {
            values[s.index] = s.check(value);
            return this;
        }

        public Builder threshold(Duration threshold) { return put(S_THRESHOLD, threshold); }
        public Builder maxCount(int maxCount) { return put(S_MAX_COUNT, maxCount); }
        public Builder userId(UserIdSource userId) { return put(S_USER_ID, userId); }
        public Builder trackAnonymous(boolean trackAnonymous) { return put(S_TRACK_ANONYMOUS, trackAnonymous); }
        public Builder exclude(PathPatterns exclude) { return put(S_EXCLUDE, exclude); }
        public Builder store(StoreKind store) { return put(S_STORE, store); }
        public Builder redisUri(URI redisUri) { return put(S_REDIS_URI, redisUri); }
        public Builder maxTracked(int maxTracked) { return put(S_MAX_TRACKED, maxTracked); }
        /** Class name of a {@link UserResolver}; null for ids as names. */
        public Builder resolver(String className) { return put(S_RESOLVER, className); }
        /** Where a user's hidden flag is read ({@code session:NAME[.property]}); null: nobody is hidden. */
        public Builder hidden(UserIdSource flag) { return put(S_HIDDEN, flag); }
        /** Role names whose members see hidden users. */
        public Builder seeHidden(List<String> roles) {
            return put(S_SEE_HIDDEN, roles == null ? null : List.copyOf(roles));
        }
        public Builder robots(boolean robots) { return put(S_ROBOTS, robots); }
        public Builder location(Location location) { return put(S_LOCATION, location); }
        /** A directory, {@value OnlineNowSettings#NO_DATA_DIR}, or null for the context's temp dir. */
        public Builder dataDir(String dir) { return put(S_DATA_DIR, dir); }
        public Builder wsPath(String wsPath) { return put(S_WS_PATH, wsPath); }
        public Builder allowedOrigins(List<String> origins) {
            return put(S_ALLOWED_ORIGINS, origins == null ? null : List.copyOf(origins));
        }
        public Builder pingInterval(Duration d) { return put(S_PING_INTERVAL, d); }
        public Builder heartbeatTimeout(Duration d) { return put(S_HEARTBEAT_TIMEOUT, d); }
        public Builder maxFrameBytes(int n) { return put(S_MAX_FRAME_BYTES, n); }
        public Builder maxMetaBytes(int n) { return put(S_MAX_META_BYTES, n); }
        public Builder maxMessagesPerSecond(int n) { return put(S_MAX_MESSAGES_PER_SECOND, n); }
        public Builder maxRoomsPerConnection(int n) { return put(S_MAX_ROOMS_PER_CONNECTION, n); }
        public Builder maxConnectionsPerUser(int n) { return put(S_MAX_CONNECTIONS_PER_USER, n); }
        public Builder sendQueueSize(int n) { return put(S_SEND_QUEUE_SIZE, n); }

        /**
         * How much text may wait for one socket, in characters (a frame is always taken into an
         * empty queue, so one frame larger than this still goes out).
         */
        public Builder sendQueueBytes(int n) { return put(S_SEND_QUEUE_BYTES, n); }

        /**
         * Whether the Origin check takes the page's host and scheme from the {@code Forwarded}
         * (RFC 7239) or {@code X-Forwarded-Host} / {@code X-Forwarded-Proto} headers a reverse
         * proxy sets. Only for apps that every request reaches through such a proxy, which must
         * overwrite those headers.
         */
        public Builder trustForwardedHeaders(boolean trust) { return put(S_TRUST_FORWARDED_HEADERS, trust); }

        /** Class name of a {@code dev.onlinenow.live.RoomAuthorizer}; null allows every room. */
        public Builder authorizer(String className) { return put(S_AUTHORIZER, className); }
        public Builder cursorTick(Duration d) { return put(S_CURSOR_TICK, d); }
        public Builder cursorTimeout(Duration d) { return put(S_CURSOR_TIMEOUT, d); }
        public Builder maxCursorsPerSecond(int n) { return put(S_MAX_CURSORS_PER_SECOND, n); }
        public Builder maxMetaPerSecond(int n) { return put(S_MAX_META_PER_SECOND, n); }
        public Builder maxConnections(int n) { return put(S_MAX_CONNECTIONS, n); }
        public Builder maxRooms(int n) { return put(S_MAX_ROOMS, n); }
        public Builder maxMembersPerRoom(int n) { return put(S_MAX_MEMBERS_PER_ROOM, n); }
        public Builder roomListLimit(int n) { return put(S_ROOM_LIST_LIMIT, n); }
        public Builder compression(Compression c) { return put(S_COMPRESSION, c); }
        public Builder redisNamespace(String ns) { return put(S_REDIS_NAMESPACE, ns); }
        public Builder redisTimeout(Duration d) { return put(S_REDIS_TIMEOUT, d); }
        public Builder nodeTimeout(Duration d) { return put(S_NODE_TIMEOUT, d); }

        /** The clock to measure time with; tests pass a fake one. Not settable from web.xml. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * The monotonic time source of heartbeats, rate limits and cursor expiry; tests pass a
         * fake one. Not settable from web.xml.
         */
        public Builder ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        public OnlineNowSettings build() {
            Duration heartbeatTimeout = (Duration) values[S_HEARTBEAT_TIMEOUT.index];
            Duration pingInterval = (Duration) values[S_PING_INTERVAL.index];
            if (heartbeatTimeout.compareTo(pingInterval) <= 0) {
                throw new IllegalArgumentException("online-now: bad value for '" + HEARTBEAT_TIMEOUT + "': \""
                        + heartbeatTimeout + "\"; it must be longer than " + PING_INTERVAL + " (" + pingInterval
                        + "), or every idle client would be dropped between two pings");
            }
            return new OnlineNowSettings(this);
        }
    }

    // --- the descriptor --------------------------------------------------------------------

    /**
     * One setting: its key, its default, what it accepts and what it is for. The parser of
     * web.xml values, the builder's setters and the error messages all read it.
     *
     * @param <T> the type of its value
     */
    public static final class Setting<T> {
        private final String name;
        private final T defaultValue;
        private final String defaultText;
        private final String defaultDoc;
        private final String allowed;
        private final String doc;
        private final Function<String, ? extends T> parser;
        private final Predicate<? super T> bounds;
        private final int index;

        private Setting(String name, T defaultValue, String defaultText, String defaultDoc, String allowed,
                        String doc, Function<String, ? extends T> parser, Predicate<? super T> bounds, int index) {
            this.name = name;
            this.defaultValue = defaultValue;
            this.defaultText = defaultText;
            this.defaultDoc = defaultDoc;
            this.allowed = allowed;
            this.doc = doc;
            this.parser = parser;
            this.bounds = bounds;
            this.index = index;
        }

        /** The key, as an init-param's name (or a context-param's after {@value #CONTEXT_PARAM_PREFIX}). */
        public String name() { return name; }

        /** The value when the key is not given (may be null: none). */
        public T defaultValue() { return defaultValue; }

        /** The default as it would be written in web.xml, or null when the default is "none". */
        public String defaultText() { return defaultText; }

        /** The default as README.md's tables show it: {@code `PT15M`}, or words such as {@code none}. */
        public String defaultDoc() { return defaultText != null ? "`" + defaultText + "`" : defaultDoc; }

        /** What the key accepts, as error messages say it. */
        public String allowed() { return allowed; }

        /** One line saying what the key is for. */
        public String doc() { return doc; }

        /**
         * The value of this text (already trimmed).
         *
         * @throws IllegalArgumentException naming the key, the value (redacted) and what is allowed
         */
        T parse(String text) {
            T value;
            try {
                value = parser.apply(text);
            } catch (BadValue e) {
                throw bad(text, e);
            }
            if (value == null || (bounds != null && !bounds.test(value))) {
                throw bad(text, null);
            }
            return value;
        }

        /**
         * This value, when allowed (a value given in code).
         *
         * @throws NullPointerException for null when the key has a default
         * @throws IllegalArgumentException naming the key, the value (redacted) and what is allowed
         */
        T check(T value) {
            if (value == null) {
                if (defaultValue != null) {
                    throw new NullPointerException(name);
                }
                return null;
            }
            if (bounds != null && !bounds.test(value)) {
                throw bad(String.valueOf(value), null);
            }
            return value;
        }

        private IllegalArgumentException bad(String text, Throwable cause) {
            return new IllegalArgumentException("online-now: bad value for '" + name + "': \"" + redact(text)
                    + "\"; expected " + allowed, cause);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private static <T> Setting<T> register(Setting<T> s) {
        ALL.add(s);
        BY_NAME.put(s.name, s);
        return s;
    }

    /* A setting whose default is written as text, parsed by its own parser (so it is surely valid). */
    private static <T> Setting<T> define(String name, String defaultText, Function<String, ? extends T> parser,
                                         Predicate<? super T> bounds, String allowed, String doc) {
        T value = parser.apply(defaultText);
        if (bounds != null && !bounds.test(value)) {
            throw new AssertionError("default of " + name);
        }
        return register(new Setting<>(name, value, defaultText, null, allowed, doc, parser, bounds, ALL.size()));
    }

    /* A setting whose default is no value (or an empty one), said in words in the docs. */
    private static <T> Setting<T> defineAbsent(String name, T defaultValue, String defaultDoc,
                                               Function<String, ? extends T> parser, Predicate<? super T> bounds,
                                               String allowed, String doc) {
        return register(new Setting<>(name, defaultValue, null, defaultDoc, allowed, doc, parser, bounds, ALL.size()));
    }

    private static Setting<Duration> duration(String name, String defaultText, Duration min, Duration max,
                                              String allowed, String doc) {
        return define(name, defaultText, OnlineNowSettings::parseDuration,
                d -> d.compareTo(min) >= 0 && (max == null || d.compareTo(max) <= 0), allowed, doc);
    }

    private static Setting<Integer> integer(String name, int defaultValue, int min, int max, String doc) {
        return define(name, Integer.toString(defaultValue), OnlineNowSettings::parseInt,
                n -> n >= min && n <= max, "a whole number from " + min + " to " + max, doc);
    }

    private static Setting<Boolean> bool(String name, boolean defaultValue, String doc) {
        return define(name, Boolean.toString(defaultValue), OnlineNowSettings::parseBoolean, null, "true or false", doc);
    }

    /* An enum written in lower case with '-' for '_' (PERMESSAGE_DEFLATE is permessage-deflate). */
    private static <E extends Enum<E>> Setting<E> choice(String name, E defaultValue, Class<E> type, String allowed,
                                                         String doc) {
        return define(name, spell(defaultValue), v -> {
            for (E e : type.getEnumConstants()) {
                if (spell(e).equalsIgnoreCase(v)) {
                    return e;
                }
            }
            throw new BadValue("unknown " + name);
        }, null, allowed, doc);
    }

    private static String spell(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    // --- parsing ---------------------------------------------------------------------------

    /** A value that does not parse; turned into a message naming key, value and what is allowed. */
    static final class BadValue extends IllegalArgumentException {
        BadValue(String message) {
            super(message);
        }
    }

    /**
     * Two spellings of one value of {@code key} are one value: {@code PT15M} and {@code 900},
     * {@code TRUE} and {@code true}, {@code " 50"} and {@code "50"}. False for an unknown key or
     * a value that does not parse, unless both are the same text.
     */
    static boolean sameValue(String key, String a, String b) {
        String x = a.trim();
        String y = b.trim();
        if (x.equals(y)) {
            return true;
        }
        Setting<?> s = BY_NAME.get(key);
        if (s == null) {
            return false;
        }
        try {
            return Objects.equals(s.parse(x), s.parse(y));
        } catch (IllegalArgumentException bad) {
            return false;
        }
    }

    /** An ISO-8601 duration ({@code PT15M}, any case) or whole seconds ({@code 900}). */
    static Duration parseDuration(String v) {
        if (v.matches("\\d{1,9}")) {
            return Duration.ofSeconds(Long.parseLong(v));
        }
        try {
            return Duration.parse(v.toUpperCase(Locale.ROOT));
        } catch (DateTimeParseException e) {
            throw new BadValue("not a duration");
        }
    }

    private static int parseInt(String v) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new BadValue("not a whole number");
        }
    }

    private static boolean parseBoolean(String v) {
        if (v.equalsIgnoreCase("true")) {
            return true;
        }
        if (v.equalsIgnoreCase("false")) {
            return false;
        }
        throw new BadValue("not a boolean");
    }

    private static URI parseRedisUri(String v) {
        try {
            return new URI(String.join(",", URI_SEPARATOR.split(v)));
        } catch (Exception e) {
            throw new BadValue("not a URI");
        }
    }

    /* one URI of any scheme Lettuce takes, or several redis:// / rediss:// URIs with a host each (a cluster's nodes) */
    private static boolean isRedisUri(URI uri) {
        String[] parts = URI_SEPARATOR.split(uri.toString());
        if (parts.length == 1) {
            String scheme = uri.getScheme();
            return scheme != null && List.of("redis", "rediss", "redis-sentinel", "rediss-sentinel", "redis-socket")
                    .contains(scheme.toLowerCase(Locale.ROOT));
        }
        for (String part : parts) {
            URI u;
            try {
                u = new URI(part);
            } catch (Exception e) {
                return false;
            }
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("redis") || scheme.equals("rediss")) || u.getHost() == null) {
                return false;
            }
        }
        return true;
    }

    private static boolean isClassName(String v) {
        return v.matches("[\\p{javaJavaIdentifierStart}][\\p{javaJavaIdentifierPart}]*(\\.[\\p{javaJavaIdentifierStart}][\\p{javaJavaIdentifierPart}]*)*");
    }

    private static boolean isPath(String v) {
        return v.startsWith("/") && v.length() >= 2 && !v.contains("*") && !v.contains(" ");
    }

    private static List<String> parseOrigins(String v) {
        List<String> out = new ArrayList<>();
        for (String part : v.split(",")) {
            String o = part.trim();
            if (!o.isEmpty()) {
                out.add(o.toLowerCase(Locale.ROOT));
            }
        }
        return List.copyOf(out);
    }

    private static boolean areOrigins(List<String> origins) {
        for (String o : origins) {
            if (o == null || (!o.equals("*") && !o.matches("(?i)https?://[^/\\s]+"))) {
                return false;
            }
        }
        return true;
    }

    private static List<String> parseRoles(String v) {
        List<String> out = new ArrayList<>();
        for (String part : v.split(",")) {
            String r = part.trim();
            if (!r.regionMatches(true, 0, "role:", 0, 5) || r.length() == 5) {
                throw new BadValue("not role:NAME");
            }
            out.add(r.substring(5).trim());
        }
        return List.copyOf(out);
    }

    private static boolean areRoles(List<String> roles) {
        for (String r : roles) {
            if (r == null || r.isBlank()) {
                return false;
            }
        }
        return true;
    }

    private static boolean isDataDir(String v) {
        if (v.isBlank() || v.indexOf('\0') >= 0) {
            return false;
        }
        try {
            java.nio.file.Path.of(v);
            return true;
        } catch (java.nio.file.InvalidPathException e) {
            return false;
        }
    }

    private static boolean isNamespace(String v) {
        return v.matches("[A-Za-z0-9_.:-]{1,64}");
    }
}
