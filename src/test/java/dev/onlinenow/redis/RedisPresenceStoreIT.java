package dev.onlinenow.redis;

import dev.onlinenow.testing.Await;
import dev.onlinenow.MutableClock;
import dev.onlinenow.OnlineNowSettings;
import dev.onlinenow.store.LastSeen;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two nodes (each a factory with its own connection and node id) sharing one real Redis. The
 * background is off: each test runs the flush rounds itself, so what reaches Redis, and when, is
 * decided by the test and not by timing. Time is a {@link MutableClock}.
 */
class RedisPresenceStoreIT extends RedisITBase {

    private final MutableClock clock = new MutableClock();

    private OnlineNowSettings settings(URI redis) {
        return OnlineNowSettings.builder()
                .store(OnlineNowSettings.StoreKind.REDIS)
                .redisUri(redis)
                .redisNamespace(ns)
                .threshold(Duration.ofMinutes(15))
                .maxCount(3)
                .clock(clock)
                .build();
    }

    private RedisPresenceStore store(OnlineNowSettings settings) {
        return closeLater((RedisPresenceStore) new RedisStoreFactory(RedisNode.Options.manual())
                .create("users", settings));
    }

    /**
     * What happens between requests in real life: the pages read, then each node runs its round;
     * twice, so every node's view includes every other node's writes.
     */
    private static void rounds(RedisPresenceStore... stores) {
        for (int i = 0; i < 2; i++) {
            for (RedisPresenceStore s : stores) {
                s.count();
                s.node().tick();
            }
        }
    }

    private static List<String> ids(List<LastSeen> seen) {
        return seen.stream().map(LastSeen::id).toList();
    }

    @Test
    void usersOfBothNodesAreOnlineOnBoth() {
        RedisPresenceStore a = store(settings(uri));
        RedisPresenceStore b = store(settings(uri));
        assertThat(a.node().id()).isNotEqualTo(b.node().id());

        a.touch("alice");
        clock.advance(Duration.ofSeconds(1));
        b.touch("bob");
        // before any flush each node sees its own user, never nothing
        assertThat(ids(a.recent(10))).containsExactly("alice");
        assertThat(b.count()).isEqualTo(1);

        rounds(a, b);

        assertThat(a.count()).isEqualTo(2);
        assertThat(b.count()).isEqualTo(2);
        assertThat(ids(a.recent(10))).containsExactly("bob", "alice");
        assertThat(ids(b.recent(10))).containsExactly("bob", "alice");
        assertThat(a.lastSeen("bob")).contains(clock.instant());
        assertThat(b.lastSeen("alice")).contains(clock.instant().minusSeconds(1));
        assertThat(peek.redis.zscore(ns + ":users", "alice")).isEqualTo((double) clock.millis() - 1000);
        assertThat(peek.redis.pttl(ns + ":node:" + a.node().id())).isPositive();
    }

    @Test
    void countIsExactBeyondTheListedUsersAndArrivalsCountBeforeTheFlush() {
        RedisPresenceStore a = store(settings(uri));
        RedisPresenceStore b = store(settings(uri));
        for (int i = 0; i < 250; i++) {
            a.touch("a" + i);
            b.touch("b" + i);
        }
        rounds(a, b);
        assertThat(a.count()).isEqualTo(500);
        assertThat(a.recent(3)).hasSize(3);

        // a newcomer on B counts on B at once, and on A after the next rounds
        clock.advance(Duration.ofSeconds(1));
        b.touch("carol");
        assertThat(b.count()).isEqualTo(501);
        assertThat(b.recent(3).get(0).id()).isEqualTo("carol");
        assertThat(a.count()).isEqualTo(500);
        rounds(b, a);
        assertThat(a.count()).isEqualTo(501);
        assertThat(b.count()).isEqualTo(501);
    }

    @Test
    void countAndListAgreeWhenAUserComesAndGoesBetweenRounds() {
        RedisPresenceStore a = store(settings(uri));
        RedisPresenceStore b = store(settings(uri));
        b.touch("bob");
        rounds(a, b);
        assertThat(a.count()).isEqualTo(1);

        // carol arrives on A and logs out before A's next round: she never reached Redis, so
        // the view's count (bob) must not lose her
        a.touch("carol");
        assertThat(a.count()).isEqualTo(2);
        assertThat(a.remove("carol")).isTrue();
        assertThat(ids(a.recent(10))).containsExactly("bob");
        assertThat(a.count()).isEqualTo(1);

        // bob, online on B and listed by A's view, opens a page on A too: still one bob
        a.touch("bob");
        assertThat(ids(a.recent(10))).containsExactly("bob");
        assertThat(a.count()).isEqualTo(1);

        rounds(a, b);
        assertThat(a.count()).isEqualTo(1);
        assertThat(ids(a.recent(10))).containsExactly("bob");
    }

    @Test
    void requestsDoNotReachRedisOnlyFlushRoundsDo() {
        RedisPresenceStore a = store(settings(uri));
        a.node().tick();
        long before = a.node().commandsSent();
        for (int i = 0; i < 5_000; i++) {
            a.touch("u" + (i % 300));
            a.count();
            a.recent(3);
            a.lastSeen("u" + (i % 300));
        }
        assertThat(a.node().commandsSent()).isEqualTo(before);
        a.node().tick();
        // one ZADD for all 300 users, a PEXPIRE for the key it created, one ZCOUNT, one ZREVRANGEBYSCORE
        assertThat(a.node().commandsSent() - before).isEqualTo(4);
        assertThat(peek.redis.zcard(ns + ":users")).isEqualTo(300);
        assertThat(peek.redis.pttl(ns + ":users")).isPositive();

        clock.advance(Duration.ofSeconds(2));
        long second = a.node().commandsSent();
        for (int i = 0; i < 5_000; i++) {
            a.touch("u" + (i % 300));
            a.count();
            a.recent(3);
        }
        a.node().tick();
        assertThat(a.node().commandsSent() - second).isEqualTo(3);
    }

    @Test
    void thresholdCountsOnTheInjectedClockAndPruningRemovesTheExpired() {
        RedisPresenceStore a = store(settings(uri));
        RedisPresenceStore b = store(settings(uri));
        a.touch("old");
        a.node().tick();
        clock.advance(Duration.ofMinutes(10));
        b.touch("new");
        rounds(b, a);
        assertThat(a.count()).isEqualTo(2);

        clock.advance(Duration.ofMinutes(6)); // "old" is 16 minutes old, "new" 6
        rounds(b);
        assertThat(b.count()).isEqualTo(1);
        assertThat(ids(b.recent(10))).containsExactly("new");
        assertThat(b.lastSeen("old")).isEmpty();

        clock.advance(Duration.ofSeconds(11)); // past the prune interval
        b.node().tick();
        assertThat(peek.redis.zrange(ns + ":users", 0, -1)).containsExactly("new");
        assertThat(peek.redis.pttl(ns + ":users")).isPositive();
    }

    @Test
    void logoutOnOneNodeRemovesTheUserEverywhere() {
        RedisPresenceStore a = store(settings(uri));
        RedisPresenceStore b = store(settings(uri));
        a.touch("alice");
        a.touch("dave");
        rounds(a, b);
        assertThat(b.lastSeen("alice")).isPresent();

        assertThat(a.remove("alice")).isTrue();
        assertThat(ids(a.recent(10))).containsExactly("dave");
        assertThat(a.count()).isEqualTo(1);
        rounds(a, b);
        assertThat(ids(b.recent(10))).containsExactly("dave");
        assertThat(b.count()).isEqualTo(1);
        assertThat(peek.redis.zscore(ns + ":users", "alice")).isNull();

        // and coming back is a touch like any other
        clock.advance(Duration.ofSeconds(2));
        a.touch("alice");
        rounds(a, b);
        assertThat(b.count()).isEqualTo(2);
    }

    @Test
    void lostDataIsRegisteredAgainByTheNextHeartbeat() {
        RedisPresenceStore a = store(settings(uri));
        a.touch("alice");
        a.node().heartbeat();
        a.node().tick();
        assertThat(peek.redis.zcard(ns + ":users")).isEqualTo(1);

        peek.clean(ns); // what a restart without persistence, a FLUSHALL or a fail-over does
        a.node().heartbeat();
        a.node().tick();
        assertThat(peek.redis.zscore(ns + ":users", "alice")).isNotNull();
        assertThat(peek.redis.exists(ns + ":node:" + a.node().id())).isEqualTo(1);
    }

    @Test
    void redisRestartedMidWayBothNodesFailOpenAndRegisterAgain() throws Exception {
        RedisTestSupport.OwnRedis own = RedisTestSupport.OwnRedis.start();
        closeLater(own);
        RedisPresenceStore a = store(settings(own.uri()));
        RedisPresenceStore b = store(settings(own.uri()));
        a.touch("alice");
        b.touch("bob");
        rounds(a, b);
        assertThat(a.count()).isEqualTo(2);

        own.stop();
        // down: both nodes notice on their next round, and answer from what they know locally
        Await.until("node A to notice the outage", Duration.ofSeconds(20), () -> {
            a.node().tick();
            return !a.node().healthy();
        });
        Await.until("node B to notice the outage", Duration.ofSeconds(20), () -> {
            b.count();
            b.node().tick();
            return !b.node().healthy();
        });
        a.touch("carol");
        assertThat(ids(a.recent(10))).containsExactlyInAnyOrder("alice", "carol");
        assertThat(a.count()).isEqualTo(2);
        assertThat(b.count()).isEqualTo(1);
        assertThat(b.lastSeen("bob")).isPresent();

        own.startProcess(); // same port, empty
        Await.until("both nodes to reconnect", Duration.ofSeconds(30), () -> {
            a.node().tick();
            b.node().tick();
            return a.node().healthy() && b.node().healthy();
        });
        rounds(a, b);
        assertThat(a.count()).isEqualTo(3);
        assertThat(b.count()).isEqualTo(3);
        try (RedisTestSupport.Peek p = new RedisTestSupport.Peek(own.uri())) {
            assertThat(p.redis.zrange(ns + ":users", 0, -1)).containsExactlyInAnyOrder("alice", "bob", "carol");
        }
    }
}
