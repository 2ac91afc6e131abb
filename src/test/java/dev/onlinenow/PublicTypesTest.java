package dev.onlinenow;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fence around the API: every public type of the library is either API (what users call,
 * documented in README.md and docs/) or listed here as public only for another package of the
 * library or for a container, with the reason. A new public type fails this test until it is
 * put on one list: a type made public by accident is API nobody decided on.
 */
class PublicTypesTest {

    /** What users call (and its signatures' types). */
    static final Set<String> API = Set.of(
            "dev.onlinenow.OnlineNow",
            "dev.onlinenow.OnlineNowFilter",
            "dev.onlinenow.OnlineNowFunctions",
            "dev.onlinenow.OnlineNowMBean",
            "dev.onlinenow.OnlineNowMetrics",
            "dev.onlinenow.OnlineNowSettings",
            "dev.onlinenow.OnlineNowStats",
            "dev.onlinenow.OnlineUser",
            "dev.onlinenow.OnlineRecord",
            "dev.onlinenow.PathPatterns",
            "dev.onlinenow.Ticker",
            "dev.onlinenow.UserIdSource",
            "dev.onlinenow.UserInfo",
            "dev.onlinenow.UserResolver",
            "dev.onlinenow.live.Cursor",
            "dev.onlinenow.live.LivePresence",
            "dev.onlinenow.live.OnlineNowLive",
            "dev.onlinenow.live.Presence",
            "dev.onlinenow.live.PresenceListener",
            "dev.onlinenow.live.RoomAuthorizer",
            // OnlineNow.create(settings, users, guests, resolver), recent(), storeHealth()
            "dev.onlinenow.store.PresenceStore",
            "dev.onlinenow.store.LastSeen",
            "dev.onlinenow.store.StoreHealth");

    /**
     * Public, but not API: who needs it public, and why. Such types live in the internal packages
     * ({@code dev.onlinenow.internal...}), except the few in {@link #NOT_API_IN_API_PACKAGES}.
     */
    static final Map<String, String> NOT_API = Map.ofEntries(
            Map.entry("dev.onlinenow.internal.LiveRooms", "the core's EL functions find the live layer through it"),
            Map.entry("dev.onlinenow.internal.RateLimitedLog", "live and redis log through it"),
            Map.entry("dev.onlinenow.internal.StatsRecorder", "the live layer and the stores count through it"),
            Map.entry("dev.onlinenow.internal.HealthRecorder", "the Redis store reports its health through it"),
            Map.entry("dev.onlinenow.internal.live.LiveBackend", "the seam the redis package implements"),
            Map.entry("dev.onlinenow.internal.live.RoomState", "the seam the redis package implements"),
            Map.entry("dev.onlinenow.internal.live.RoomBus", "the seam the redis package implements"),
            Map.entry("dev.onlinenow.internal.store.StoreFactory", "the seam the redis package implements"),
            Map.entry("dev.onlinenow.internal.store.EhcachePresenceStore", "OnlineNow (another package) makes it"),
            Map.entry("dev.onlinenow.internal.store.IndexFile", "OnlineNow (another package) saves and reads the index through it"),
            Map.entry("dev.onlinenow.internal.store.RecordKeeper", "the seam through which OnlineNow keeps the record in a store (Redis's in redis)"),
            Map.entry("dev.onlinenow.live.LiveEndpoint", "the WebSocket container instantiates it"),
            Map.entry("dev.onlinenow.live.RoomMessage", "what the redis package's bus carries; it keeps the live layer's "
                    + "frame of the message, which is written by package-private code of the live package"),
            Map.entry("dev.onlinenow.redis.RedisLiveBackend", "loaded by name (LiveBackend.REDIS_BACKEND)"),
            Map.entry("dev.onlinenow.redis.RedisStoreFactory", "loaded by name (StoreFactory)"));

    /** The not-API types that are not in an internal package, each with its reason above. */
    static final Set<String> NOT_API_IN_API_PACKAGES = Set.of(
            "dev.onlinenow.live.LiveEndpoint",
            "dev.onlinenow.live.RoomMessage",
            "dev.onlinenow.redis.RedisLiveBackend",
            "dev.onlinenow.redis.RedisStoreFactory");

    static Set<String> publicTypes() throws IOException, ClassNotFoundException {
        Path classes = Path.of("target/classes");
        Set<String> out = new TreeSet<>();
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String name = classes.relativize(f).toString();
                if (!name.endsWith(".class") || name.contains("$") || name.endsWith("module-info.class")
                        || name.endsWith("package-info.class")) {
                    continue;
                }
                String type = name.substring(0, name.length() - 6).replace(f.getFileSystem().getSeparator(), ".");
                Class<?> c = Class.forName(type, false, PublicTypesTest.class.getClassLoader());
                if (Modifier.isPublic(c.getModifiers())) {
                    out.add(type);
                }
            }
        }
        return out;
    }

    @Test
    void everyPublicTypeIsApiOrListedWithItsReason() throws Exception {
        Set<String> found = publicTypes();
        Map<String, String> unlisted = new TreeMap<>();
        for (String type : found) {
            if (!API.contains(type) && !NOT_API.containsKey(type)) {
                unlisted.put(type, "public, but neither API nor listed as public for the library's own use");
            }
        }
        assertThat(unlisted).as("make it package-private, or list it in PublicTypesTest (API or NOT_API, with why)")
                .isEmpty();
        Set<String> gone = new TreeSet<>(API);
        gone.addAll(NOT_API.keySet());
        gone.removeAll(found);
        assertThat(gone).as("listed but no longer public: take them off the lists").isEmpty();
        assertThat(NOT_API.keySet()).noneMatch(API::contains);
    }

    @Test
    void typesForTheLibrarysOwnUseLiveInInternalPackages() {
        assertThat(API).as("API in an internal package").noneMatch(t -> t.startsWith("dev.onlinenow.internal."));
        Set<String> outside = new TreeSet<>();
        for (String type : NOT_API.keySet()) {
            if (!type.startsWith("dev.onlinenow.internal.")) {
                outside.add(type);
            }
        }
        assertThat(outside).as("not API, yet in an API package: move it to dev.onlinenow.internal...")
                .isEqualTo(new TreeSet<>(NOT_API_IN_API_PACKAGES));
    }
}
