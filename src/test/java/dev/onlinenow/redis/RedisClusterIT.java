package dev.onlinenow.redis;

import dev.onlinenow.live.Cursor;
import dev.onlinenow.live.Presence;
import dev.onlinenow.testing.Await;
import dev.onlinenow.testing.LiveServer;
import dev.onlinenow.testing.WsClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two servers of the web app on a real Redis Cluster the test starts ({@link RedisCluster}: three
 * masters, three replicas): each finds out that it is a cluster, they agree on counts, rooms and
 * cursors, and they go on agreeing after the master that holds the room is killed and its replica
 * promoted. Every wait is on a condition, with generous time-outs.
 */
class RedisClusterIT {

    @RegisterExtension
    static final RedisCluster cluster = new RedisCluster();

    private static final Duration FAILOVER = Duration.ofSeconds(90);
    /** Waits for what needs no failover: generous, for a loaded 2-core machine. */
    private static final Duration WAIT = Duration.ofSeconds(60);

    private final String ns = "test-" + UUID.randomUUID();
    private final List<AutoCloseable> closing = new ArrayList<>();

    private <T extends AutoCloseable> T closeLater(T c) {
        closing.add(0, c);
        return c;
    }

    @AfterEach
    void close() throws Exception {
        Exception failure = null;
        for (AutoCloseable c : closing) {
            try {
                c.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private Map<String, String> params(String redisUri) {
        Map<String, String> p = new HashMap<>();
        p.put("store", "redis");
        p.put("redisUri", redisUri);
        p.put("redisNamespace", ns);
        p.put("nodeTimeout", "PT5S");
        return p;
    }

    private static RedisNode node(LiveServer s) {
        return ((RedisLiveBackend) s.live().backend()).node();
    }

    private static List<String> ids(JsonObject state) {
        List<String> out = new ArrayList<>();
        for (JsonValue v : state.getJsonArray("presences")) {
            out.add(v.asJsonObject().getString("id"));
        }
        return out;
    }

    private static List<String> ids(List<Presence> presences) {
        List<String> out = new ArrayList<>();
        for (Presence p : presences) {
            out.add(p.getId());
        }
        return out;
    }

    private static boolean hasCursor(List<Cursor> cursors, String id, double x) {
        return cursors.stream().anyMatch(c -> c.getId().equals(id) && c.getX() == x);
    }

    private String roomKey(String room) {
        return ns + ":room:" + tag(room) + ":" + room;
    }

    /** A room's channel, as docs/redis.md names it. */
    private String channel(String room) {
        return ns + ":live:{" + room + "}";
    }

    /** The channels the node on this port has sharded subscribers for. */
    private static List<String> shardChannels(int port) {
        try {
            return cluster.command(port, c -> c.sync().pubsubShardChannels());
        } catch (RuntimeException notAnswering) {
            return List.of();
        }
    }

    /** How many sharded subscribers of this channel the node on this port has. */
    private static long shardSubscribers(int port, String channel) {
        try {
            Long n = cluster.command(port, c -> c.sync().pubsubShardNumsub(channel)).get(channel);
            return n == null ? 0 : n;
        } catch (RuntimeException notAnswering) {
            return -1;
        }
    }

    /** The bucket tag of a room, as docs/redis.md describes the cluster's key layout. */
    private String tag(String room) {
        return "{" + ns + ":" + RedisRoomState.bucket(room) + "}";
    }

    @Test
    void twoServersAgreeOnCountsRoomsAndCursorsAcrossAFailover() throws Exception {
        List<Integer> ports = cluster.ports();
        // A names two nodes, B one (which may be a replica): both find the whole cluster
        LiveServer a = closeLater(LiveServer.builder().contextParams(params(
                RedisCluster.uri(ports.get(0)) + "," + RedisCluster.uri(ports.get(1)))).start());
        LiveServer b = closeLater(LiveServer.builder().contextParams(params(
                RedisCluster.uri(ports.get(5)).toString())).start());
        assertThat(node(a).cluster()).as("A found a cluster").isTrue();
        assertThat(node(b).cluster()).as("B found a cluster").isTrue();
        assertThat(node(a).shardedPubSub()).as("Redis 7: sharded pub/sub").isTrue();

        // a room whose keys and whose channel are served by the same master, so that killing it
        // tests both the keys' and the channel's failover
        String room = null;
        for (int i = 0; room == null; i++) {
            String candidate = "board" + i;
            if (cluster.masterOf(roomKey(candidate), ports.get(0)) == cluster.masterOf(channel(candidate), ports.get(0))) {
                room = candidate;
            }
        }
        String board = room;

        // counts
        a.online().touch("alice");
        b.online().touch("bob");
        Await.until("both servers to count alice and bob", WAIT, () ->
                a.online().count() == 2 && b.online().count() == 2);
        // locations: the presence store's scripts keep to one slot ({ns:users}) on a cluster
        a.online().locate("alice", "/wiki");
        b.online().locate("bob", "/wiki");
        Await.until("both servers to see two people at /wiki", WAIT, () ->
                a.online().viewerCount("/wiki") == 2 && b.online().viewerCount("/wiki") == 2);

        // rooms
        WsClient alice = closeLater(a.connectAs("alice"));
        alice.join(board);
        assertThat(ids(alice.next("state"))).containsExactly("alice");
        WsClient bob = closeLater(b.connectAs("bob"));
        bob.join(board);
        assertThat(ids(bob.next("state"))).containsExactly("alice", "bob");
        assertThat(alice.next("join").getJsonObject("presence").getString("id")).isEqualTo("bob");
        WsClient bobChat = closeLater(b.connectAs("bob"));
        bobChat.join("chat");
        bobChat.next("state");
        Await.untilAsserted(WAIT, () -> {
            assertThat(a.live().rooms()).contains(board, "chat");
            assertThat(b.live().rooms()).contains(board, "chat");
        });

        // cursors
        bob.cursor(board, 10.5, 20);
        alice.next("cursors", o -> o.getJsonArray("cursors").stream()
                .anyMatch(c -> c.asJsonObject().getString("id").equals("bob")));
        Await.untilAsserted(WAIT, () -> assertThat(hasCursor(a.live().cursors(board), "bob", 10.5)).isTrue());

        // the keys of a room share a hash slot, and are where docs/redis.md says
        String roomKey = roomKey(board);
        int slot = SlotHash.getSlot(roomKey);
        assertThat(SlotHash.getSlot(ns + ":cursors:" + tag(board) + ":" + board)).isEqualTo(slot);
        assertThat(SlotHash.getSlot(ns + ":rooms:" + tag(board))).isEqualTo(slot);
        assertThat(SlotHash.getSlot(ns + ":node:" + node(a).id() + ":rooms:" + tag(board))).isEqualTo(slot);
        try (Peek peek = new Peek(ports.get(0))) {
            assertThat(peek.redis.hexists(roomKey, "p:alice")).isTrue();
            // cursors are written per room at most every 500 ms, and a write that finds Redis
            // taken for down (a loaded machine) waits for the next move: move until it is there
            Await.until("bob's cursor in the room's cursor hash", WAIT, () -> {
                bob.cursor(board, 10.5, 20);
                return peek.redis.hexists(ns + ":cursors:" + tag(board) + ":" + board, "bob");
            });
            assertThat(peek.redis.smembers(ns + ":rooms:" + tag(board))).contains(board);
        }

        // the room's channel is sharded: the master of its slot has the subscribers of both servers
        int master = cluster.masterOf(roomKey, ports.get(0));
        Await.untilAsserted(WAIT, () -> assertThat(shardChannels(master)).contains(channel(board)));
        Await.untilAsserted(WAIT, () -> assertThat(shardSubscribers(master, channel(board))).isEqualTo(2L));

        // the master holding the room and its channel dies; its replica takes over
        cluster.kill(master);
        int alive = ports.stream().filter(p -> p != master).findFirst().orElseThrow();
        Await.until("a replica to be promoted and the cluster to be ok", FAILOVER, () -> {
            for (int p : ports) {
                if (p != master && !cluster.clusterOk(p)) {
                    return false;
                }
            }
            try {
                return cluster.masterOf(roomKey, alive) != master;
            } catch (RuntimeException notYet) {
                return false;
            }
        });
        Await.until("both servers to reach the cluster again", FAILOVER, () -> node(a).healthy() && node(b).healthy());
        int promoted = cluster.masterOf(roomKey, alive);
        // both servers subscribed the room's channel again, on the new master
        Await.untilAsserted(FAILOVER, () -> assertThat(shardSubscribers(promoted, channel(board))).isEqualTo(2L));

        // counts still agree, and a newcomer counts on both
        a.online().touch("dave");
        Await.until("both servers to count alice, bob and dave", FAILOVER, () ->
                a.online().count() == 3 && b.online().count() == 3);

        // rooms still agree (while the cluster was down each server showed its own members only;
        // reconciliation brings the others back), and a new join works
        Await.untilAsserted(FAILOVER, () -> {
            assertThat(ids(a.live().list(board))).containsExactlyInAnyOrder("alice", "bob");
            assertThat(ids(b.live().list(board))).containsExactlyInAnyOrder("alice", "bob");
        });
        WsClient dave = closeLater(a.connectAs("dave"));
        dave.join(board);
        JsonObject state = dave.next("state");
        assertThat(ids(state)).contains("alice", "bob", "dave");
        Await.untilAsserted(FAILOVER, () -> {
            assertThat(ids(a.live().list(board))).containsExactlyInAnyOrder("alice", "bob", "dave");
            assertThat(ids(b.live().list(board))).containsExactlyInAnyOrder("alice", "bob", "dave");
            assertThat(a.live().rooms()).contains(board, "chat");
            assertThat(b.live().rooms()).contains(board, "chat");
        });
        bob.next("join", o -> o.getJsonObject("presence").getString("id").equals("dave"));

        // cursors still cross: each move goes out again until the other server has it (a move
        // published while a subscription was being made again is lost, as with a Redis restart)
        Await.until("B to see alice's cursor", FAILOVER, () -> {
            alice.cursor(board, 33, 44);
            return hasCursor(b.live().cursors(board), "alice", 33);
        });
        bob.next("cursors", o -> o.getJsonArray("cursors").stream()
                .anyMatch(c -> c.asJsonObject().getString("id").equals("alice")
                        && c.asJsonObject().getJsonNumber("x").doubleValue() == 33));

        // a leave after the failover reaches the other server too
        dave.leave(board);
        Await.untilAsserted(FAILOVER, () -> {
            assertThat(ids(a.live().list(board))).containsExactlyInAnyOrder("alice", "bob");
            assertThat(ids(b.live().list(board))).containsExactlyInAnyOrder("alice", "bob");
        });
    }

    @Test
    void severalUrisThatLeadToAStandaloneRedisStopTheStart() {
        java.net.URI shared = RedisTestSupport.requireRedis();
        dev.onlinenow.OnlineNowSettings settings = dev.onlinenow.OnlineNowSettings.builder()
                .store(dev.onlinenow.OnlineNowSettings.StoreKind.REDIS)
                .redisUri(java.net.URI.create(shared + "," + shared)).redisNamespace(ns).build();
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> new RedisStoreFactory(RedisNode.Options.manual()).create("users", settings))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'redisUri'")
                .hasMessageContaining(dev.onlinenow.OnlineNowSettings.redact(shared + "," + shared))
                .hasMessageContaining("not a cluster node");
    }

    /** A plain cluster client for looking at what the servers wrote. */
    private static final class Peek implements AutoCloseable {
        final RedisClusterClient client;
        final StatefulRedisClusterConnection<String, String> connection;
        final RedisAdvancedClusterCommands<String, String> redis;

        Peek(int port) {
            RedisURI r = RedisURI.create(RedisCluster.uri(port));
            r.setTimeout(Duration.ofSeconds(10));
            client = RedisClusterClient.create(r);
            connection = client.connect();
            redis = connection.sync();
        }

        @Override
        public void close() {
            connection.close();
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }
}
