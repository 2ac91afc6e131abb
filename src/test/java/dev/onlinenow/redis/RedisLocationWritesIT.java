package dev.onlinenow.redis;

import dev.onlinenow.MutableClock;
import dev.onlinenow.OnlineNowSettings;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A user seen again at the same location (a live socket touches its user at every frame) gets a
 * new score in the location's sorted set every round, but their time in the location hash only
 * once it is 10 s newer; a move is written at once. Real Redis, rounds run by the test, time on a
 * {@link MutableClock}.
 */
class RedisLocationWritesIT extends RedisITBase {

    private final MutableClock clock = new MutableClock();

    private RedisPresenceStore store() {
        OnlineNowSettings s = OnlineNowSettings.builder().store(OnlineNowSettings.StoreKind.REDIS).redisUri(uri)
                .redisNamespace(ns).threshold(Duration.ofMinutes(15)).maxCount(10).clock(clock).build();
        return closeLater((RedisPresenceStore) new RedisStoreFactory(RedisNode.Options.manual()).create("users", s));
    }

    @Test
    void aUserStillAtTheSameLocationGetsANewScoreEachRoundAndANewTimeEveryTenSeconds() {
        RedisPresenceStore a = store();
        String at = "{" + ns + ":users}:at:";
        String loc = "{" + ns + ":users}:loc";
        a.touch("ann");
        a.locate("ann", "/board/1");
        a.node().tick();
        long first = clock.millis();
        assertThat(peek.redis.hget(loc, "ann")).isEqualTo(first + " /board/1");

        for (int i = 0; i < 5; i++) {
            clock.advance(Duration.ofSeconds(1));
            a.touch("ann");
            a.node().tick();
            assertThat(peek.redis.zscore(at + "/board/1", "ann")).isEqualTo((double) clock.millis());
        }
        assertThat(peek.redis.hget(loc, "ann")).isEqualTo(first + " /board/1");

        clock.advance(Duration.ofSeconds(5)); // 10 s after the time there
        a.touch("ann");
        a.node().tick();
        assertThat(peek.redis.hget(loc, "ann")).isEqualTo(clock.millis() + " /board/1");

        // a move is written at once
        clock.advance(Duration.ofSeconds(1));
        a.locate("ann", "/board/2");
        a.touch("ann");
        a.node().tick();
        assertThat(peek.redis.hget(loc, "ann")).isEqualTo(clock.millis() + " /board/2");
        assertThat(peek.redis.zscore(at + "/board/2", "ann")).isEqualTo((double) clock.millis());
        assertThat(peek.redis.zscore(at + "/board/1", "ann")).isNull();
    }
}
