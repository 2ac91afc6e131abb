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
import java.util.function.BiConsumer;

/**
 * Every setting of online-now, parsed once and checked loudly.
 *
 * <p>The same keys are accepted as filter init-params and as servlet context-params prefixed
 * {@value #CONTEXT_PARAM_PREFIX} (so the filter and the live endpoint share one configuration).
 * An unknown key or a bad value is an {@link IllegalArgumentException} whose message names the
 * key, the value and what is allowed; the filter turns it into a failed start-up.
 *
 * <table>
 *   <caption>Keys and defaults</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>threshold</td><td>PT15M</td><td>how long after their last request a user still counts as online</td></tr>
 *   <tr><td>maxCount</td><td>50</td><td>the most ids {@code onlineNowIds} / {@code onlineNow} list</td></tr>
 *   <tr><td>userId</td><td>principal</td><td>{@code principal} or {@code session:NAME[.property...]}, or several comma-separated</td></tr>
 *   <tr><td>trackAnonymous</td><td>false</td><td>also count visitors without a user id, by session</td></tr>
 *   <tr><td>exclude</td><td>(none)</td><td>comma-separated path patterns that do not count as activity</td></tr>
 *   <tr><td>store</td><td>ehcache</td><td>{@code ehcache} or {@code redis}</td></tr>
 *   <tr><td>redisUri</td><td>redis://localhost:6379</td><td>the Redis to use when {@code store=redis}</td></tr>
 *   <tr><td>maxTracked</td><td>1000000</td><td>hard cap on tracked users per store (memory bound)</td></tr>
 *   <tr><td>resolver</td><td>(id as name)</td><td>class name of a {@link UserResolver}</td></tr>
 * </table>
 * The live endpoint's and the Redis store's keys are listed in README.md.
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

    private static final Map<String, Key> KEYS = new LinkedHashMap<>();

    static {
        key(THRESHOLD, "an ISO-8601 duration such as PT15M, or whole seconds such as 900; at least 1 second",
                (b, v) -> b.threshold(parseDuration(THRESHOLD, v, Duration.ofSeconds(1))));
        key(MAX_COUNT, "a whole number from 1 to 10000",
                (b, v) -> b.maxCount(parseInt(MAX_COUNT, v, 1, 10_000)));
        key(USER_ID, "principal, or session:NAME (an HttpSession attribute), optionally with properties of it: session:NAME.property or session:NAME.a.b; several, comma-separated, are tried in order",
                (b, v) -> b.userId(UserIdSource.parse(v)));
        key(TRACK_ANONYMOUS, "true or false",
                (b, v) -> b.trackAnonymous(parseBoolean(TRACK_ANONYMOUS, v)));
        key(EXCLUDE, "comma-separated path patterns: /exact, /prefix/*, *.extension",
                (b, v) -> b.exclude(PathPatterns.parse(v)));
        key(STORE, "ehcache or redis",
                (b, v) -> b.store(parseStore(v)));
        key(REDIS_URI, "a Redis URI such as redis://host:6379/0 (also rediss://, redis-sentinel://, redis-socket://)",
                (b, v) -> b.redisUri(parseRedisUri(v)));
        key(MAX_TRACKED, "a whole number from 100 to 100000000",
                (b, v) -> b.maxTracked(parseInt(MAX_TRACKED, v, 100, 100_000_000)));
        key(RESOLVER, "the fully qualified name of a class implementing dev.onlinenow.UserResolver",
                (b, v) -> b.resolver(parseClassName(RESOLVER, v)));

        key(WS_PATH, "a path starting with / such as /online-now/ws",
                (b, v) -> b.wsPath(parsePath(WS_PATH, v)));
        key(ALLOWED_ORIGINS, "comma-separated origins such as https://example.com, or * for any",
                (b, v) -> b.allowedOrigins(parseOrigins(v)));
        key(PING_INTERVAL, "an ISO-8601 duration or whole seconds, at least 1 second",
                (b, v) -> b.pingInterval(parseDuration(PING_INTERVAL, v, Duration.ofSeconds(1))));
        key(HEARTBEAT_TIMEOUT, "an ISO-8601 duration or whole seconds, at least 2 seconds",
                (b, v) -> b.heartbeatTimeout(parseDuration(HEARTBEAT_TIMEOUT, v, Duration.ofSeconds(2))));
        key(MAX_FRAME_BYTES, "a whole number from 256 to 1048576",
                (b, v) -> b.maxFrameBytes(parseInt(MAX_FRAME_BYTES, v, 256, 1 << 20)));
        key(MAX_META_BYTES, "a whole number from 2 to 65536",
                (b, v) -> b.maxMetaBytes(parseInt(MAX_META_BYTES, v, 2, 1 << 16)));
        key(MAX_MESSAGES_PER_SECOND, "a whole number from 1 to 10000",
                (b, v) -> b.maxMessagesPerSecond(parseInt(MAX_MESSAGES_PER_SECOND, v, 1, 10_000)));
        key(MAX_ROOMS_PER_CONNECTION, "a whole number from 1 to 1000",
                (b, v) -> b.maxRoomsPerConnection(parseInt(MAX_ROOMS_PER_CONNECTION, v, 1, 1000)));
        key(MAX_CONNECTIONS_PER_USER, "a whole number from 1 to 1000",
                (b, v) -> b.maxConnectionsPerUser(parseInt(MAX_CONNECTIONS_PER_USER, v, 1, 1000)));
        key(SEND_QUEUE_SIZE, "a whole number from 8 to 100000",
                (b, v) -> b.sendQueueSize(parseInt(SEND_QUEUE_SIZE, v, 8, 100_000)));
        key(SEND_QUEUE_BYTES, "a whole number from 65536 to 1073741824",
                (b, v) -> b.sendQueueBytes(parseInt(SEND_QUEUE_BYTES, v, 1 << 16, 1 << 30)));
        key(TRUST_FORWARDED_HEADERS, "true or false",
                (b, v) -> b.trustForwardedHeaders(parseBoolean(TRUST_FORWARDED_HEADERS, v)));
        key(AUTHORIZER, "the fully qualified name of a class implementing dev.onlinenow.live.RoomAuthorizer",
                (b, v) -> b.authorizer(parseClassName(AUTHORIZER, v)));
        key(CURSOR_TICK, "an ISO-8601 duration such as PT0.05S, from 10 ms to 1 s",
                (b, v) -> b.cursorTick(parseDuration(CURSOR_TICK, v, Duration.ofMillis(10), Duration.ofSeconds(1))));
        key(CURSOR_TIMEOUT, "an ISO-8601 duration or whole seconds, at least 1 second",
                (b, v) -> b.cursorTimeout(parseDuration(CURSOR_TIMEOUT, v, Duration.ofSeconds(1))));
        key(MAX_CURSORS_PER_SECOND, "a whole number from 1 to 1000",
                (b, v) -> b.maxCursorsPerSecond(parseInt(MAX_CURSORS_PER_SECOND, v, 1, 1000)));
        key(COMPRESSION, "off or permessage-deflate",
                (b, v) -> b.compression(parseCompression(v)));

        key(MAX_META_PER_SECOND, "a whole number from 1 to 1000",
                (b, v) -> b.maxMetaPerSecond(parseInt(MAX_META_PER_SECOND, v, 1, 1000)));
        key(MAX_CONNECTIONS, "a whole number from 1 to 10000000",
                (b, v) -> b.maxConnections(parseInt(MAX_CONNECTIONS, v, 1, 10_000_000)));
        key(MAX_ROOMS, "a whole number from 1 to 10000000",
                (b, v) -> b.maxRooms(parseInt(MAX_ROOMS, v, 1, 10_000_000)));
        key(MAX_MEMBERS_PER_ROOM, "a whole number from 1 to 1000000",
                (b, v) -> b.maxMembersPerRoom(parseInt(MAX_MEMBERS_PER_ROOM, v, 1, 1_000_000)));

        key(REDIS_NAMESPACE, "letters, digits and - _ . : (the prefix of every Redis key and channel)",
                (b, v) -> b.redisNamespace(parseNamespace(v)));
        key(REDIS_TIMEOUT, "an ISO-8601 duration such as PT0.5S, from 10 ms to 1 minute",
                (b, v) -> b.redisTimeout(parseDuration(REDIS_TIMEOUT, v, Duration.ofMillis(10), Duration.ofMinutes(1))));
        key(NODE_TIMEOUT, "an ISO-8601 duration or whole seconds, from 3 seconds to 10 minutes",
                (b, v) -> b.nodeTimeout(parseDuration(NODE_TIMEOUT, v, Duration.ofSeconds(3), Duration.ofMinutes(10))));
    }

    private final Duration threshold;
    private final int maxCount;
    private final UserIdSource userId;
    private final boolean trackAnonymous;
    private final PathPatterns exclude;
    private final StoreKind store;
    private final URI redisUri;
    private final int maxTracked;
    private final String resolver;
    private final String wsPath;
    private final List<String> allowedOrigins;
    private final Duration pingInterval;
    private final Duration heartbeatTimeout;
    private final int maxFrameBytes;
    private final int maxMetaBytes;
    private final int maxMessagesPerSecond;
    private final int maxRoomsPerConnection;
    private final int maxConnectionsPerUser;
    private final int sendQueueSize;
    private final int sendQueueBytes;
    private final boolean trustForwardedHeaders;
    private final String authorizer;
    private final Duration cursorTick;
    private final Duration cursorTimeout;
    private final int maxCursorsPerSecond;
    private final int maxMetaPerSecond;
    private final int maxConnections;
    private final int maxRooms;
    private final int maxMembersPerRoom;
    private final Compression compression;
    private final String redisNamespace;
    private final Duration redisTimeout;
    private final Duration nodeTimeout;
    private final Clock clock;
    private final Ticker ticker;
    private final Map<String, String> source;

    private OnlineNowSettings(Builder b) {
        this.threshold = b.threshold;
        this.maxCount = b.maxCount;
        this.userId = b.userId;
        this.trackAnonymous = b.trackAnonymous;
        this.exclude = b.exclude;
        this.store = b.store;
        this.redisUri = b.redisUri;
        this.maxTracked = b.maxTracked;
        this.resolver = b.resolver;
        this.wsPath = b.wsPath;
        this.allowedOrigins = List.copyOf(b.allowedOrigins);
        this.pingInterval = b.pingInterval;
        this.heartbeatTimeout = b.heartbeatTimeout;
        this.maxFrameBytes = b.maxFrameBytes;
        this.maxMetaBytes = b.maxMetaBytes;
        this.maxMessagesPerSecond = b.maxMessagesPerSecond;
        this.maxRoomsPerConnection = b.maxRoomsPerConnection;
        this.maxConnectionsPerUser = b.maxConnectionsPerUser;
        this.sendQueueSize = b.sendQueueSize;
        this.sendQueueBytes = b.sendQueueBytes;
        this.trustForwardedHeaders = b.trustForwardedHeaders;
        this.authorizer = b.authorizer;
        this.cursorTick = b.cursorTick;
        this.cursorTimeout = b.cursorTimeout;
        this.maxCursorsPerSecond = b.maxCursorsPerSecond;
        this.maxMetaPerSecond = b.maxMetaPerSecond;
        this.maxConnections = b.maxConnections;
        this.maxRooms = b.maxRooms;
        this.maxMembersPerRoom = b.maxMembersPerRoom;
        this.compression = b.compression;
        this.redisNamespace = b.redisNamespace;
        this.redisTimeout = b.redisTimeout;
        this.nodeTimeout = b.nodeTimeout;
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
        return List.copyOf(KEYS.keySet());
    }

    /** What a key accepts, as said in error messages; null for an unknown key. */
    public static String allowedValues(String key) {
        Key k = KEYS.get(key);
        return k == null ? null : k.allowed;
    }

    public Duration threshold() { return threshold; }
    public int maxCount() { return maxCount; }
    public UserIdSource userId() { return userId; }
    public boolean trackAnonymous() { return trackAnonymous; }
    public PathPatterns exclude() { return exclude; }
    public StoreKind store() { return store; }
    public URI redisUri() { return redisUri; }
    public int maxTracked() { return maxTracked; }
    /** Class name of the configured {@link UserResolver}, or null for the default. */
    public String resolver() { return resolver; }
    public String wsPath() { return wsPath; }
    /** Allowed WebSocket origins; empty means the page's own origin only; {@code *} means any. */
    public List<String> allowedOrigins() { return allowedOrigins; }
    public Duration pingInterval() { return pingInterval; }
    public Duration heartbeatTimeout() { return heartbeatTimeout; }
    public int maxFrameBytes() { return maxFrameBytes; }
    public int maxMetaBytes() { return maxMetaBytes; }
    public int maxMessagesPerSecond() { return maxMessagesPerSecond; }
    public int maxRoomsPerConnection() { return maxRoomsPerConnection; }
    public int maxConnectionsPerUser() { return maxConnectionsPerUser; }
    public int sendQueueSize() { return sendQueueSize; }
    /** Text waiting to be sent to one socket, counted in characters (bytes, for the ASCII of most frames). */
    public int sendQueueBytes() { return sendQueueBytes; }
    /** Whether the handshake's Origin check believes {@code Forwarded} / {@code X-Forwarded-*} headers. */
    public boolean trustForwardedHeaders() { return trustForwardedHeaders; }
    /** Class name of the configured room authorizer, or null to allow every room. */
    public String authorizer() { return authorizer; }
    public Duration cursorTick() { return cursorTick; }
    public Duration cursorTimeout() { return cursorTimeout; }
    public int maxCursorsPerSecond() { return maxCursorsPerSecond; }
    /** How many {@code meta} changes one connection may make in one room per second. */
    public int maxMetaPerSecond() { return maxMetaPerSecond; }
    /** Open live connections this server accepts at most. */
    public int maxConnections() { return maxConnections; }
    /** Rooms with members on this server, at most. */
    public int maxRooms() { return maxRooms; }
    /** Users in one room, at most (as this server sees the room). */
    public int maxMembersPerRoom() { return maxMembersPerRoom; }
    public Compression compression() { return compression; }
    public String redisNamespace() { return redisNamespace; }
    public Duration redisTimeout() { return redisTimeout; }
    public Duration nodeTimeout() { return nodeTimeout; }
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

    /** Builds settings in code; each setter validates like the parser does. */
    public static final class Builder {
        private Duration threshold = Duration.ofMinutes(15);
        private int maxCount = 50;
        private UserIdSource userId = UserIdSource.principal();
        private boolean trackAnonymous;
        private PathPatterns exclude = PathPatterns.NONE;
        private StoreKind store = StoreKind.EHCACHE;
        private URI redisUri = URI.create("redis://localhost:6379");
        private int maxTracked = 1_000_000;
        private String resolver;
        private String wsPath = "/online-now/ws";
        private List<String> allowedOrigins = List.of();
        private Duration pingInterval = Duration.ofSeconds(30);
        private Duration heartbeatTimeout = Duration.ofSeconds(60);
        private int maxFrameBytes = 16 * 1024;
        private int maxMetaBytes = 1024;
        private int maxMessagesPerSecond = 100;
        private int maxRoomsPerConnection = 16;
        private int maxConnectionsPerUser = 16;
        private int sendQueueSize = 1024;
        private int sendQueueBytes = 4 << 20;
        private boolean trustForwardedHeaders;
        private String authorizer;
        private Duration cursorTick = Duration.ofMillis(50);
        private Duration cursorTimeout = Duration.ofSeconds(10);
        private int maxCursorsPerSecond = 60;
        private int maxMetaPerSecond = 5;
        private int maxConnections = 20_000;
        private int maxRooms = 10_000;
        private int maxMembersPerRoom = 1_000;
        /* Off: measured with browser-like clients on Tomcat 11 (docs/benchmarks.md), deflate more
         * than doubles the memory of an idle socket and costs server CPU on every frame. */
        private Compression compression = Compression.OFF;
        private String redisNamespace = "online-now";
        private Duration redisTimeout = Duration.ofMillis(500);
        private Duration nodeTimeout = Duration.ofSeconds(15);
        private Clock clock = Clock.systemUTC();
        private Ticker ticker = Ticker.system();
        private final Map<String, String> source = new TreeMap<>();

        private Builder() {
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
            Key k = KEYS.get(key);
            if (k == null) {
                throw new IllegalArgumentException("online-now: unknown setting '" + key + "' (value \""
                        + redact(value) + "\"); known settings are " + String.join(", ", KEYS.keySet()));
            }
            if (value == null) {
                return this;
            }
            String v = value.trim();
            k.parser.accept(this, v);
            source.put(key, v);
            return this;
        }

        public Builder threshold(Duration threshold) {
            this.threshold = atLeast(THRESHOLD, threshold, Duration.ofSeconds(1));
            return this;
        }

        public Builder maxCount(int maxCount) {
            this.maxCount = range(MAX_COUNT, maxCount, 1, 10_000);
            return this;
        }

        public Builder userId(UserIdSource userId) {
            this.userId = Objects.requireNonNull(userId, USER_ID);
            return this;
        }

        public Builder trackAnonymous(boolean trackAnonymous) {
            this.trackAnonymous = trackAnonymous;
            return this;
        }

        public Builder exclude(PathPatterns exclude) {
            this.exclude = Objects.requireNonNull(exclude, EXCLUDE);
            return this;
        }

        public Builder store(StoreKind store) {
            this.store = Objects.requireNonNull(store, STORE);
            return this;
        }

        public Builder redisUri(URI redisUri) {
            this.redisUri = Objects.requireNonNull(redisUri, REDIS_URI);
            return this;
        }

        public Builder maxTracked(int maxTracked) {
            this.maxTracked = range(MAX_TRACKED, maxTracked, 100, 100_000_000);
            return this;
        }

        public Builder resolver(String className) {
            this.resolver = className;
            return this;
        }

        public Builder wsPath(String wsPath) {
            this.wsPath = parsePath(WS_PATH, wsPath);
            return this;
        }

        public Builder allowedOrigins(List<String> origins) {
            this.allowedOrigins = List.copyOf(origins);
            return this;
        }

        public Builder pingInterval(Duration d) {
            this.pingInterval = atLeast(PING_INTERVAL, d, Duration.ofSeconds(1));
            return this;
        }

        public Builder heartbeatTimeout(Duration d) {
            this.heartbeatTimeout = atLeast(HEARTBEAT_TIMEOUT, d, Duration.ofSeconds(2));
            return this;
        }

        public Builder maxFrameBytes(int n) {
            this.maxFrameBytes = range(MAX_FRAME_BYTES, n, 256, 1 << 20);
            return this;
        }

        public Builder maxMetaBytes(int n) {
            this.maxMetaBytes = range(MAX_META_BYTES, n, 2, 1 << 16);
            return this;
        }

        public Builder maxMessagesPerSecond(int n) {
            this.maxMessagesPerSecond = range(MAX_MESSAGES_PER_SECOND, n, 1, 10_000);
            return this;
        }

        public Builder maxRoomsPerConnection(int n) {
            this.maxRoomsPerConnection = range(MAX_ROOMS_PER_CONNECTION, n, 1, 1000);
            return this;
        }

        public Builder maxConnectionsPerUser(int n) {
            this.maxConnectionsPerUser = range(MAX_CONNECTIONS_PER_USER, n, 1, 1000);
            return this;
        }

        public Builder sendQueueSize(int n) {
            this.sendQueueSize = range(SEND_QUEUE_SIZE, n, 8, 100_000);
            return this;
        }

        /**
         * How much text may wait for one socket, in characters (a frame is always taken into an
         * empty queue, so one frame larger than this still goes out).
         */
        public Builder sendQueueBytes(int n) {
            this.sendQueueBytes = range(SEND_QUEUE_BYTES, n, 1 << 16, 1 << 30);
            return this;
        }

        /**
         * Whether the Origin check takes the page's host and scheme from the {@code Forwarded}
         * (RFC 7239) or {@code X-Forwarded-Host} / {@code X-Forwarded-Proto} headers a reverse
         * proxy sets. Only for apps that every request reaches through such a proxy, which must
         * overwrite those headers.
         */
        public Builder trustForwardedHeaders(boolean trust) {
            this.trustForwardedHeaders = trust;
            return this;
        }

        public Builder authorizer(String className) {
            this.authorizer = className;
            return this;
        }

        public Builder cursorTick(Duration d) {
            this.cursorTick = within(CURSOR_TICK, d, Duration.ofMillis(10), Duration.ofSeconds(1));
            return this;
        }

        public Builder cursorTimeout(Duration d) {
            this.cursorTimeout = atLeast(CURSOR_TIMEOUT, d, Duration.ofSeconds(1));
            return this;
        }

        public Builder maxCursorsPerSecond(int n) {
            this.maxCursorsPerSecond = range(MAX_CURSORS_PER_SECOND, n, 1, 1000);
            return this;
        }

        public Builder maxMetaPerSecond(int n) {
            this.maxMetaPerSecond = range(MAX_META_PER_SECOND, n, 1, 1000);
            return this;
        }

        public Builder maxConnections(int n) {
            this.maxConnections = range(MAX_CONNECTIONS, n, 1, 10_000_000);
            return this;
        }

        public Builder maxRooms(int n) {
            this.maxRooms = range(MAX_ROOMS, n, 1, 10_000_000);
            return this;
        }

        public Builder maxMembersPerRoom(int n) {
            this.maxMembersPerRoom = range(MAX_MEMBERS_PER_ROOM, n, 1, 1_000_000);
            return this;
        }

        public Builder compression(Compression c) {
            this.compression = Objects.requireNonNull(c, COMPRESSION);
            return this;
        }

        public Builder redisNamespace(String ns) {
            this.redisNamespace = parseNamespace(ns);
            return this;
        }

        public Builder redisTimeout(Duration d) {
            this.redisTimeout = within(REDIS_TIMEOUT, d, Duration.ofMillis(10), Duration.ofMinutes(1));
            return this;
        }

        public Builder nodeTimeout(Duration d) {
            this.nodeTimeout = within(NODE_TIMEOUT, d, Duration.ofSeconds(3), Duration.ofMinutes(10));
            return this;
        }

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
            if (heartbeatTimeout.compareTo(pingInterval) <= 0) {
                throw new IllegalArgumentException("online-now: bad value for '" + HEARTBEAT_TIMEOUT + "': \""
                        + heartbeatTimeout + "\"; it must be longer than " + PING_INTERVAL + " (" + pingInterval
                        + "), or every idle client would be dropped between two pings");
            }
            return new OnlineNowSettings(this);
        }
    }

    // --- parsing ---------------------------------------------------------------------------

    private record Key(String allowed, BiConsumer<Builder, String> parser) {
    }

    private static void key(String name, String allowed, BiConsumer<Builder, String> parser) {
        KEYS.put(name, new Key(allowed, (b, v) -> {
            try {
                parser.accept(b, v);
            } catch (BadValue e) {
                throw new IllegalArgumentException(
                        "online-now: bad value for '" + name + "': \"" + redact(v) + "\"; expected " + allowed, e);
            }
        }));
    }

    /** A value that does not parse; turned into a message naming key, value and what is allowed. */
    static final class BadValue extends IllegalArgumentException {
        BadValue(String message) {
            super(message);
        }
    }

    static Duration parseDuration(String key, String v, Duration min) {
        return parseDuration(key, v, min, null);
    }

    static Duration parseDuration(String key, String v, Duration min, Duration max) {
        Duration d;
        if (v.matches("\\d{1,9}")) {
            d = Duration.ofSeconds(Long.parseLong(v));
        } else {
            try {
                d = Duration.parse(v.toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException e) {
                throw new BadValue("not a duration");
            }
        }
        if (d.compareTo(min) < 0 || (max != null && d.compareTo(max) > 0)) {
            throw new BadValue("out of range");
        }
        return d;
    }

    private static int parseInt(String key, String v, int min, int max) {
        int n;
        try {
            n = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new BadValue("not a whole number");
        }
        if (n < min || n > max) {
            throw new BadValue("out of range");
        }
        return n;
    }

    private static boolean parseBoolean(String key, String v) {
        if (v.equalsIgnoreCase("true")) {
            return true;
        }
        if (v.equalsIgnoreCase("false")) {
            return false;
        }
        throw new BadValue("not a boolean");
    }

    private static StoreKind parseStore(String v) {
        switch (v.toLowerCase(Locale.ROOT)) {
            case "ehcache":
                return StoreKind.EHCACHE;
            case "redis":
                return StoreKind.REDIS;
            default:
                throw new BadValue("unknown store");
        }
    }

    private static Compression parseCompression(String v) {
        switch (v.toLowerCase(Locale.ROOT)) {
            case "off":
                return Compression.OFF;
            case "permessage-deflate":
                return Compression.PERMESSAGE_DEFLATE;
            default:
                throw new BadValue("unknown compression");
        }
    }

    private static URI parseRedisUri(String v) {
        URI uri;
        try {
            uri = new URI(v);
        } catch (Exception e) {
            throw new BadValue("not a URI");
        }
        String scheme = uri.getScheme();
        if (scheme == null || !List.of("redis", "rediss", "redis-sentinel", "rediss-sentinel", "redis-socket")
                .contains(scheme.toLowerCase(Locale.ROOT))) {
            throw new BadValue("not a Redis URI");
        }
        return uri;
    }

    private static String parseClassName(String key, String v) {
        if (!v.matches("[\\p{javaJavaIdentifierStart}][\\p{javaJavaIdentifierPart}]*(\\.[\\p{javaJavaIdentifierStart}][\\p{javaJavaIdentifierPart}]*)*")) {
            throw new BadValue("not a class name");
        }
        return v;
    }

    private static String parsePath(String key, String v) {
        if (v == null || !v.startsWith("/") || v.length() < 2 || v.contains("*") || v.contains(" ")) {
            throw new IllegalArgumentException("online-now: bad value for '" + key + "': \"" + v
                    + "\"; expected " + KEYS.get(key).allowed);
        }
        return v;
    }

    private static List<String> parseOrigins(String v) {
        List<String> out = new ArrayList<>();
        for (String part : v.split(",")) {
            String o = part.trim();
            if (o.isEmpty()) {
                continue;
            }
            if (!o.equals("*") && !o.matches("https?://[^/\\s]+")) {
                throw new BadValue("bad origin " + o);
            }
            out.add(o.toLowerCase(Locale.ROOT));
        }
        return out;
    }

    private static String parseNamespace(String v) {
        if (v == null || !v.matches("[A-Za-z0-9_.:-]{1,64}")) {
            throw new IllegalArgumentException("online-now: bad value for '" + REDIS_NAMESPACE + "': \"" + v
                    + "\"; expected " + KEYS.get(REDIS_NAMESPACE).allowed);
        }
        return v;
    }

    private static int range(String key, int n, int min, int max) {
        if (n < min || n > max) {
            throw new IllegalArgumentException("online-now: bad value for '" + key + "': \"" + n + "\"; expected "
                    + KEYS.get(key).allowed);
        }
        return n;
    }

    private static Duration atLeast(String key, Duration d, Duration min) {
        return within(key, d, min, null);
    }

    private static Duration within(String key, Duration d, Duration min, Duration max) {
        if (d == null || d.compareTo(min) < 0 || (max != null && d.compareTo(max) > 0)) {
            throw new IllegalArgumentException("online-now: bad value for '" + key + "': \"" + d + "\"; expected "
                    + KEYS.get(key).allowed);
        }
        return d;
    }
}
