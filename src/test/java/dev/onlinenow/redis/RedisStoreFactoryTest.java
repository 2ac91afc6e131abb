package dev.onlinenow.redis;

import dev.onlinenow.MutableClock;
import dev.onlinenow.OnlineNow;
import dev.onlinenow.OnlineNowSettings;
import dev.onlinenow.store.LastSeen;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Without any Redis: start-up, naming and failing open. */
class RedisStoreFactoryTest {

    private final MutableClock clock = new MutableClock();

    /** A port nothing listens on: connections are refused at once. */
    private static URI deadRedis() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        return URI.create("redis://127.0.0.1:" + port);
    }

    private OnlineNowSettings settings(URI uri) {
        return OnlineNowSettings.builder().store(OnlineNowSettings.StoreKind.REDIS).redisUri(uri)
                .redisTimeout(Duration.ofMillis(200)).clock(clock).build();
    }

    @Test
    void theCoreLoadsThisFactoryByNameAndBothStoresShareOneNode() throws IOException {
        try (OnlineNow online = OnlineNow.create(settings(deadRedis()))) {
            assertThat(online.users()).isInstanceOf(RedisPresenceStore.class);
            assertThat(online.guests()).isInstanceOf(RedisPresenceStore.class);
            RedisNode node = ((RedisPresenceStore) online.users()).node();
            assertThat(((RedisPresenceStore) online.guests()).node()).isSameAs(node);
            assertThat(((RedisPresenceStore) online.users()).key()).isEqualTo("online-now:users");
            assertThat(((RedisPresenceStore) online.guests()).key()).isEqualTo("online-now:guests");
            online.close();
            assertThat(node.isClosed()).isTrue();
        }
    }

    @Test
    void anUnreachableRedisDoesNotStopTheAppWhichCountsLocally() throws IOException {
        RedisStoreFactory factory = new RedisStoreFactory(RedisNode.Options.manual());
        OnlineNowSettings s = settings(deadRedis());
        RedisPresenceStore users = (RedisPresenceStore) factory.create("users", s);
        try {
            assertThat(users.node().healthy()).isFalse();
            users.touch("alice");
            clock.advance(Duration.ofSeconds(1));
            users.touch("bob");
            assertThat(users.count()).isEqualTo(2);
            assertThat(users.recent(10)).extracting(LastSeen::id).containsExactly("bob", "alice");
            assertThat(users.lastSeen("alice")).contains(clock.instant().minusSeconds(1));
            assertThat(users.lastSeen("carol")).isEmpty();
            assertThat(users.remove("alice")).isTrue();
            assertThat(users.count()).isEqualTo(1);

            users.node().tick(); // a round against the dead Redis fails and keeps everything
            assertThat(users.node().healthy()).isFalse();
            assertThat(users.count()).isEqualTo(1);
            clock.advance(Duration.ofMinutes(15));
            assertThat(users.count()).isZero();
        } finally {
            users.close();
        }
        assertThat(users.node().isClosed()).isTrue();
    }

    @Test
    void theNodeClosesWithItsLastStore() throws IOException {
        RedisStoreFactory factory = new RedisStoreFactory(RedisNode.Options.manual());
        OnlineNowSettings s = settings(deadRedis());
        RedisPresenceStore users = (RedisPresenceStore) factory.create("users", s);
        RedisPresenceStore guests = (RedisPresenceStore) factory.create("guests", s);
        users.close();
        assertThat(guests.node().isClosed()).isFalse();
        guests.close();
        assertThat(guests.node().isClosed()).isTrue();
        // another OnlineNow with the same factory gets a fresh node
        RedisPresenceStore again = (RedisPresenceStore) factory.create("users", s);
        assertThat(again.node()).isNotSameAs(users.node());
        again.close();
    }

    @Test
    void badStoreNamesAreRefused() {
        RedisStoreFactory factory = new RedisStoreFactory();
        assertThatThrownBy(() -> factory.create("a b", OnlineNowSettings.defaults()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"a b\"");
    }

    @Test
    void logsNameRedisWithoutCredentials() {
        assertThat(RedisNode.describe(URI.create("redis://user:secret@cache.example:6380/2")))
                .isEqualTo("redis://cache.example:6380");
        assertThat(RedisNode.describe(URI.create("rediss://:pw@cache.example")))
                .isEqualTo("rediss://cache.example");
    }
}
