package dev.onlinenow.example;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The example on two servers sharing one Redis, as {@code -Predis exec:java} runs it: two
 * embedded Tomcats, each with its own copy of the web app (own class loader, own online-now),
 * {@code store=redis} in a namespace of this test's own. Redis is {@code ONLINE_NOW_REDIS_URI} or
 * redis://127.0.0.1:6379; without one the test is skipped (failed with {@code CI=true}).
 */
class MultiServerIT {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private String redisUri;
    private String namespace;
    private ExampleServer one;
    private ExampleServer two;

    @BeforeEach
    void start() throws Exception {
        redisUri = requireRedis();
        namespace = "example-it-" + UUID.randomUUID();
        Map<String, String> params = Map.of("online-now.store", "redis", "online-now.redisUri", redisUri,
                "online-now.redisNamespace", namespace);
        Path webapp = Path.of(System.getProperty("example.webapp"));
        Path base = Files.createDirectories(webapp.toAbsolutePath().getParent().resolve("embedded-tomcat"));
        one = ExampleServer.start(webapp, 0, Files.createTempDirectory(base, "multi-"), params);
        two = ExampleServer.start(webapp, 0, Files.createTempDirectory(base, "multi-"), params);
    }

    @AfterEach
    void stop() {
        if (one != null) {
            one.close();
        }
        if (two != null) {
            two.close();
        }
        if (namespace != null && redisUri != null) {
            deleteNamespace();
        }
    }

    @Test
    void aUserSignedInOnOneServerIsListedOnTheOther() throws Exception {
        WebClient ada = new WebClient(one.uri()).signIn("Ada");
        ada.home(); // her first request as a signed-in user: online from here on
        WebClient bob = new WebClient(two.uri());

        /* each server reads Redis's view on its own thread, once per flush interval: the page
         * shows the other server's user within a few of them */
        WebClient.Page bobsFirst = poll("Ada, and a count of 1, on the second server's page", bob::home,
                p -> p.onlineIds().equals(List.of("Ada")) && p.onlineCount() == 1);
        assertThat(bobsFirst.signedInAs()).as("Bob has not signed in (his session is on server two)").isEmpty();

        bob.signIn("Bob");
        assertThat(bob.home().onlineIds()).containsExactlyInAnyOrder("Ada", "Bob");
        WebClient.Page adas = poll("both, and a count of 2, on the first server's page", ada::home,
                p -> p.onlineCount() == 2 && p.onlineIds().size() == 2);
        assertThat(adas.onlineIds()).containsExactlyInAnyOrder("Ada", "Bob");

        bob.signOut();
        WebClient.Page after = poll("Bob gone from the first server's page", ada::home,
                p -> p.onlineCount() == 1 && p.onlineIds().size() == 1);
        assertThat(after.onlineIds()).containsExactly("Ada");
    }

    @Test
    void twoUsersOnDifferentServersSeeEachOtherOnABoardAndTheirCursors() throws Exception {
        WebClient ada = new WebClient(one.uri()).signIn("Ada");
        WebClient bob = new WebClient(two.uri()).signIn("Bob");

        try (LiveSocket adaLive = LiveSocket.open(ada); LiveSocket bobLive = LiveSocket.open(bob)) {
            JsonObject first = adaLive.join("design").awaitType("state", "design");
            assertThat(first.getString("self")).isEqualTo("Ada");
            assertThat(ids(first.getJsonArray("presences"))).containsExactly("Ada");

            JsonObject second = bobLive.join("design").awaitType("state", "design");
            assertThat(second.getString("self")).isEqualTo("Bob");
            assertThat(ids(second.getJsonArray("presences"))).as("Ada, on the other server, is in Bob's state")
                    .containsExactlyInAnyOrder("Ada", "Bob");

            JsonObject joined = adaLive.awaitType("join", "design");
            assertThat(joined.getJsonObject("presence").getString("id")).as("Bob's join crosses to server one")
                    .isEqualTo("Bob");

            // each server's home page counts both on the board
            for (ExampleServer server : List.of(one, two)) {
                WebClient viewer = new WebClient(server.uri());
                poll("two on the board on " + server.uri(), viewer::home,
                        p -> p.html().contains("data-testid=\"board-design-here\" data-count=\"2\""));
            }

            bobLive.send("{\"type\":\"cursor\",\"room\":\"design\",\"x\":0.25,\"y\":0.75}");
            adaLive.await("Bob's cursor on server one", cursorOf("Bob", 0.25));
            adaLive.send("{\"type\":\"cursor\",\"room\":\"design\",\"x\":0.5,\"y\":0.125}");
            bobLive.await("Ada's cursor on server two", cursorOf("Ada", 0.5));

            bob.signOut();
            JsonObject left = adaLive.awaitType("leave", "design");
            assertThat(left.getString("id")).as("signing out on server two leaves the room on server one")
                    .isEqualTo("Bob");
        }
    }

    private static Predicate<JsonObject> cursorOf(String id, double x) {
        return m -> "cursors".equals(m.getString("type", null)) && "design".equals(m.getString("room", null))
                && m.getJsonArray("cursors").stream().map(JsonValue::asJsonObject)
                .anyMatch(c -> id.equals(c.getString("id")) && c.getJsonNumber("x").doubleValue() == x);
    }

    /**
     * Asks again until the answer is as wanted; fails with the last answer after {@link #PATIENCE}.
     * For values with no event to wait on (a page); the 10 ms between asks is the poll interval,
     * short against any timeout, long against a spin, as the library's own tests poll.
     */
    private static <T> T poll(String what, Callable<T> ask, Predicate<T> wanted) throws Exception {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        T last = ask.call();
        while (!wanted.test(last)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no " + what + " within " + PATIENCE + "; last: " + last);
            }
            Thread.sleep(10);
            last = ask.call();
        }
        return last;
    }

    private static List<String> ids(List<JsonValue> presences) {
        return presences.stream().map(p -> p.asJsonObject().getString("id")).collect(Collectors.toList());
    }

    private static String requireRedis() {
        String env = System.getenv("ONLINE_NOW_REDIS_URI");
        String uri = env == null || env.isBlank() ? "redis://127.0.0.1:6379" : env.trim();
        String problem;
        RedisClient client = client(uri);
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            problem = "PONG".equals(c.sync().ping()) ? null : "no PONG";
        } catch (RuntimeException e) {
            problem = e.toString();
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        if (problem != null) {
            String message = "no Redis at " + uri + " (" + problem + "); start one (redis-server) or set ONLINE_NOW_REDIS_URI";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                Assertions.fail("CI=true: " + message);
            }
            Assumptions.abort(message);
        }
        return uri;
    }

    private void deleteNamespace() {
        RedisClient client = client(redisUri);
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            RedisCommands<String, String> redis = c.sync();
            ScanCursor cursor = ScanCursor.INITIAL;
            do {
                KeyScanCursor<String> page = redis.scan(cursor, ScanArgs.Builder.matches(namespace + ":*").limit(500));
                if (!page.getKeys().isEmpty()) {
                    redis.del(page.getKeys().toArray(String[]::new));
                }
                cursor = page;
            } while (!cursor.isFinished());
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    private static RedisClient client(String uri) {
        RedisURI r = RedisURI.create(uri);
        r.setTimeout(Duration.ofSeconds(2));
        return RedisClient.create(r);
    }
}
