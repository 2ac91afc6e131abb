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

    @Test
    void logsNameEveryNodeOfAClusterWithoutCredentials() {
        assertThat(RedisNode.describe(URI.create("redis://:secret@n1:7000,rediss://u:secret@n2:7001")))
                .isEqualTo("redis://n1:7000,rediss://n2:7001");
    }

    @Test
    void aClusterNodeSaysClusterEnabled() {
        assertThat(RedisNode.isClusterNode("# Cluster\r\ncluster_enabled:1\r\n")).isTrue();
        assertThat(RedisNode.isClusterNode("# Cluster\r\ncluster_enabled:0\r\n")).isFalse();
        assertThat(RedisNode.isClusterNode("")).isFalse();
        assertThat(RedisNode.isClusterNode(null)).isFalse();
    }

    @Test
    void severalUrisAreSplitOnTheCommaBeforeEachScheme() {
        assertThat(RedisNode.splitUris(URI.create("redis://a:7000,redis://b:7001")))
                .containsExactly("redis://a:7000", "redis://b:7001");
        assertThat(RedisNode.splitUris(URI.create("redis-sentinel://s1,s2/0#m"))).containsExactly("redis-sentinel://s1,s2/0#m");
    }

    @Test
    void theRoomsOfABucketShareOneHashSlotAndBucketsAreStable() {
        // the same on every server and version: CRC16 of the name, modulo the bucket count
        assertThat(RedisRoomState.bucket("board")).isEqualTo(
                io.lettuce.core.codec.CRC16.crc16("board".getBytes(java.nio.charset.StandardCharsets.UTF_8))
                        % RedisRoomState.CLUSTER_BUCKETS);
        String tag = "{ns:" + RedisRoomState.bucket("a}b{c") + "}";
        int slot = io.lettuce.core.cluster.SlotHash.getSlot("ns:room:" + tag + ":a}b{c");
        assertThat(io.lettuce.core.cluster.SlotHash.getSlot("ns:cursors:" + tag + ":a}b{c")).isEqualTo(slot);
        assertThat(io.lettuce.core.cluster.SlotHash.getSlot("ns:rooms:" + tag)).isEqualTo(slot);
        assertThat(io.lettuce.core.cluster.SlotHash.getSlot("ns:node:x:rooms:" + tag)).isEqualTo(slot);
        assertThat(io.lettuce.core.cluster.SlotHash.getSlot("ns:cursor-rooms:" + tag)).isEqualTo(slot);
    }
}
