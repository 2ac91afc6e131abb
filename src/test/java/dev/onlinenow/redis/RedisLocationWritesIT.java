package dev.onlinenow.redis;

import dev.onlinenow.MutableClock;
import dev.onlinenow.OnlineNowSettings;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A user seen again at the same location (a live socket touches its user at every frame) is not
 * written to the location's keys at every round, only again after a prune interval; a move is
 * written at once. Real Redis, rounds run by the test, time on a {@link MutableClock}.
 */
class RedisLocationWritesIT extends RedisITBase {

    private final MutableClock clock = new MutableClock();

    private RedisPresenceStore store() {
        OnlineNowSettings s = OnlineNowSettings.builder().store(OnlineNowSettings.StoreKind.REDIS).redisUri(uri)
                .redisNamespace(ns).threshold(Duration.ofMinutes(15)).maxCount(10).clock(clock).build();
        return closeLater((RedisPresenceStore) new RedisStoreFactory(RedisNode.Options.manual()).create("users", s));
    }

    @Test
    void aUserStillAtTheSameLocationIsWrittenThereOncePerPruneInterval() {
        RedisPresenceStore a = store();
        String at = "{" + ns + ":users}:at:";
        a.touch("ann");
        a.locate("ann", "/board/1");
        a.node().tick();
        double first = clock.millis();
        assertThat(peek.redis.zscore(at + "/board/1", "ann")).isEqualTo(first);

        // ann's socket keeps touching her: her last-seen goes to Redis every round, her location not
        for (int i = 0; i < 5; i++) {
            clock.advance(Duration.ofSeconds(1));
            a.touch("ann");
            a.node().tick();
        }
        assertThat(peek.redis.zscore(ns + ":users", "ann")).isEqualTo((double) clock.millis());
        assertThat(peek.redis.zscore(at + "/board/1", "ann")).isEqualTo(first);
        assertThat(a.countAt("/board/1")).isEqualTo(1);

        // a prune interval (10 s) after the last write, she is written there again
        clock.advance(Duration.ofSeconds(5));
        a.touch("ann");
        a.node().tick();
        assertThat(peek.redis.zscore(at + "/board/1", "ann")).isEqualTo((double) clock.millis());

        // a move is written at once
        clock.advance(Duration.ofSeconds(1));
        a.locate("ann", "/board/2");
        a.touch("ann");
        a.node().tick();
        assertThat(peek.redis.zscore(at + "/board/2", "ann")).isEqualTo((double) clock.millis());
        assertThat(peek.redis.zscore(at + "/board/1", "ann")).isNull();
    }
}
