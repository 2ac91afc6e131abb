package dev.onlinenow.redis;

import dev.onlinenow.MutableClock;
import dev.onlinenow.OnlineNowSettings;
import dev.onlinenow.store.LastSeen;
import io.lettuce.core.ScriptOutputType;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** Where people are, for the cluster: two nodes on one real Redis, rounds run by the test. */
class RedisLocationsIT extends RedisITBase {

    private final MutableClock clock = new MutableClock();

    private OnlineNowSettings settings(URI redis) {
        return OnlineNowSettings.builder().store(OnlineNowSettings.StoreKind.REDIS).redisUri(redis)
                .redisNamespace(ns).threshold(Duration.ofMinutes(15)).maxCount(10).clock(clock).build();
    }

    private RedisPresenceStore store() {
        return closeLater((RedisPresenceStore) new RedisStoreFactory(RedisNode.Options.manual())
                .create("users", settings(uri)));
    }

    private void rounds(RedisPresenceStore... stores) {
        for (int i = 0; i < 2; i++) {
            for (RedisPresenceStore s : stores) {
                s.node().tick();
            }
        }
        clock.advance(Duration.ofSeconds(1)); // past the remembered answers (a flush interval)
    }

    @Test
    void everyNodeCountsAndListsThePeopleOfEveryNodeAtALocation() {
        RedisPresenceStore a = store();
        RedisPresenceStore b = store();
        a.touch("ann");
        a.locate("ann", "/board/1");
        b.touch("bob");
        b.locate("bob", "/board/1");
        assertThat(a.countAt("/board/1")).as("its own at once").isEqualTo(1);
        rounds(a, b);
        assertThat(a.countAt("/board/1")).isEqualTo(2);
        assertThat(b.countAt("/board/1")).isEqualTo(2);
        assertThat(b.recentAt("/board/1", 10)).extracting(LastSeen::id).containsExactlyInAnyOrder("ann", "bob");

        // ann moves on A, without another touch: B learns it in the next rounds
        a.locate("ann", "/board/2");
        assertThat(a.recentAt("/board/1", 10)).as("A lists her where she is at once").extracting(LastSeen::id)
                .containsExactly("bob");
        rounds(a, b);
        assertThat(b.countAt("/board/1")).isEqualTo(1);
        assertThat(b.countAt("/board/2")).isEqualTo(1);
        assertThat(b.recentAt("/board/2", 10)).extracting(LastSeen::id).containsExactly("ann");

        // a logout leaves the location for the cluster
        b.remove("bob");
        rounds(a, b);
        assertThat(a.countAt("/board/1")).isZero();
        assertThat(peek.redis.hexists("{" + ns + ":users}:loc", "bob")).isFalse();
    }

    @Test
    void whoExpiresIsPrunedAndEmptyLocationsGo() {
        RedisPresenceStore a = store();
        a.touch("ann");
        a.locate("ann", "/x");
        rounds(a);
        assertThat(peek.redis.zcard("{" + ns + ":users}:at:/x")).isEqualTo(1);
        assertThat(peek.redis.pttl("{" + ns + ":users}:at:/x")).isPositive();
        clock.advance(Duration.ofMinutes(16));
        a.node().tick(); // a prune round (its interval has passed)
        assertThat(a.countAt("/x")).isZero();
        assertThat(peek.redis.exists("{" + ns + ":users}:at:/x")).isZero();
        assertThat(peek.redis.hlen("{" + ns + ":users}:loc")).isZero();
        assertThat(peek.redis.smembers("{" + ns + ":users}:locs")).isEmpty();
    }

    @Test
    void aNewerMoveWinsWhateverOrderTheNodesFlushIn() {
        String loc = "{" + ns + ":users}:loc";
        String[] keys = {loc, "{" + ns + ":users}:locs"};
        String prefix = "{" + ns + ":users}:at:";
        peek.redis.eval(RedisPresenceStore.MOVE, ScriptOutputType.INTEGER, keys, prefix, "60000", "ann", "/new", "2000");
        peek.redis.eval(RedisPresenceStore.MOVE, ScriptOutputType.INTEGER, keys, prefix, "60000", "ann", "/old", "1000");
        assertThat(peek.redis.hget(loc, "ann")).isEqualTo("2000 /new");
        assertThat(peek.redis.zscore(prefix + "/new", "ann")).isEqualTo(2000.0);
        assertThat(peek.redis.exists(prefix + "/old")).isZero();
        // a location with a space in it is one location
        peek.redis.eval(RedisPresenceStore.MOVE, ScriptOutputType.INTEGER, keys, prefix, "60000", "ann", "topic 42", "3000");
        assertThat(peek.redis.hget(loc, "ann")).isEqualTo("3000 topic 42");
        assertThat(peek.redis.zcard(prefix + "/new")).isZero();
        assertThat(peek.redis.zscore(prefix + "topic 42", "ann")).isEqualTo(3000.0);
    }
}
