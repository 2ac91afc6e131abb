package dev.onlinenow.redis;

import dev.onlinenow.testing.Await;
import dev.onlinenow.testing.DelayProxy;
import dev.onlinenow.testing.LiveServer;
import dev.onlinenow.testing.WsClient;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Redis that answers slowly, and then not at all for a while, but never past {@code
 * redisTimeout}: through a {@link DelayProxy} that adds 150 ms to every round trip (a cross-zone
 * link, a busy instance) and then holds every byte. Users of a calm room, and a page that reads a
 * room, must not need Redis while other users of the same server join and leave rooms: their
 * pongs, cursors and pages go on while Redis answers nothing, and the joins wait for it, then all
 * complete; Redis is never declared down. At twice {@code redisTimeout} the server fails open as
 * it does for a Redis that is down.
 *
 * <p>Nothing here depends on how fast the machine is: what the first test checks is what waits
 * for Redis and what does not (the old behaviour, in which every operation waited for Redis under
 * a lock shared by many rooms, hangs here until the test's deadline), and {@code redisTimeout} is
 * far beyond any round trip a loaded machine makes, so "slow but healthy" stays true. The
 * latencies themselves come from the load tools, in docs/benchmarks.md.
 */
class SlowRedisIT extends RedisITBase {

    private static final int CHURNING_USERS = 30;
    private static final long ROUND_TRIP_MILLIS = 150;

    private Map<String, String> params(DelayProxy proxy, String redisTimeout) {
        Map<String, String> p = redisParams(java.net.URI.create("redis://127.0.0.1:" + proxy.port()));
        p.put("redisTimeout", redisTimeout);
        return p;
    }

    @Test
    void aSlowRedisSlowsOnlyTheJoinsThatWaitForIt() throws Exception {
        DelayProxy proxy = closeLater(new DelayProxy(uri.getHost(), uri.getPort(), ROUND_TRIP_MILLIS));
        // a timeout no round trip of a loaded machine reaches, held or not: Redis is slow, not down
        LiveServer server = closeLater(LiveServer.builder().contextParams(params(proxy, "PT60S")).start());
        RedisNode node = ((RedisLiveBackend) server.live().backend()).node();

        WsClient alice = closeLater(server.connectAs("alice"));
        WsClient bob = closeLater(server.connectAs("bob"));
        alice.join("calm");
        alice.next("state");
        bob.join("calm");
        bob.next("state");
        alice.next("join");
        String cookie = server.login("reader");

        // 30 users of the same server join and leave rooms all the time
        AtomicBoolean churning = new AtomicBoolean(true);
        AtomicInteger joins = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(CHURNING_USERS);
        List<Future<?>> churn = new ArrayList<>();
        for (int i = 0; i < CHURNING_USERS; i++) {
            String user = "churn" + i;
            churn.add(pool.submit(() -> {
                try (WsClient c = server.connectAs(user)) {
                    for (int round = 0; churning.get() && round < 40; round++) {
                        String room = "busy-" + (round % 5);
                        c.join(room);
                        c.next("state", s -> s.getString("room").equals(room));
                        joins.incrementAndGet();
                        c.leave(room);
                    }
                }
                return null;
            }));
        }
        Await.until("every churning user to have joined once", Duration.ofSeconds(60),
                () -> joins.get() >= CHURNING_USERS);

        // now Redis answers nothing at all
        proxy.hold();
        int joinsWhenHeld = joins.get();
        for (int i = 0; i < 40; i++) {
            bob.send("{\"type\":\"ping\"}");
            bob.next("pong");
            alice.cursor("calm", i, i);
            int x = i;
            bob.next("cursors", f -> f.getJsonArray("cursors").stream()
                    .anyMatch(c -> c.asJsonObject().getJsonNumber("x").intValue() == x));
            assertThat(server.get("/room?name=calm", cookie)).isEqualTo("2 2");
        }
        // each churning user had at most one join that Redis answered before the hold
        assertThat(joins.get() - joinsWhenHeld).as("joins completed while Redis answered nothing")
                .isLessThanOrEqualTo(CHURNING_USERS);

        proxy.release();
        int joinsWhenReleased = joins.get();
        Await.until("the churning joins to go on once Redis answers", Duration.ofSeconds(60),
                () -> joins.get() > joinsWhenReleased + CHURNING_USERS);
        churning.set(false);
        for (Future<?> f : churn) {
            f.get(60, TimeUnit.SECONDS); // every churning join got its state
        }
        pool.shutdown();
        assertThat(node.timesDown()).as("Redis was never declared down").isZero();
        assertThat(node.healthy()).isTrue();
    }

    @Test
    void aRedisSlowerThanItsTimeoutFailsOpen() throws Exception {
        DelayProxy proxy = closeLater(new DelayProxy(uri.getHost(), uri.getPort(), 0));
        LiveServer server = closeLater(LiveServer.builder().contextParams(params(proxy, "PT0.5S")).start());
        RedisNode node = ((RedisLiveBackend) server.live().backend()).node();
        WsClient alice = closeLater(server.connectAs("alice"));
        alice.join("board");
        alice.next("state");

        proxy.roundTrip(1_000); // twice redisTimeout
        WsClient bob = closeLater(server.connectAs("bob"));
        bob.join("board");
        JsonObject state = bob.next("state");
        assertThat(state.getJsonArray("presences")).hasSizeGreaterThanOrEqualTo(1);
        Await.until("Redis to be declared down", Duration.ofSeconds(20), () -> !node.healthy());
        // this server's users still see each other, from its own members
        WsClient carol = closeLater(server.connectAs("carol"));
        carol.join("board");
        assertThat(carol.next("state").getJsonArray("presences").stream()
                .map(v -> v.asJsonObject().getString("id"))).contains("alice", "carol");
        assertThat(alice.next("join", j -> j.getJsonObject("presence").getString("id").equals("carol"))).isNotNull();
        bob.send("{\"type\":\"ping\"}");
        assertThat(bob.next("pong")).isNotNull();
    }
}
