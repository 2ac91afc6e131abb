package dev.onlinenow.redis;

import dev.onlinenow.testing.Await;
import dev.onlinenow.OnlineNowSettings;
import dev.onlinenow.live.Cursor;
import dev.onlinenow.live.Presence;
import dev.onlinenow.live.RoomMessage;
import dev.onlinenow.internal.live.RoomState;
import dev.onlinenow.testing.SyncRoomState;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The room state of two nodes on one real Redis, method by method (the same contract as the
 * in-process rooms), with the background off: reaping and registering again are called here.
 */
class RedisRoomStateIT extends RedisITBase {

    private final JsonObject away = Json.createObjectBuilder().add("away", true).build();

    private RedisLiveBackend node() {
        OnlineNowSettings s = OnlineNowSettings.builder().store(OnlineNowSettings.StoreKind.REDIS).redisUri(uri)
                .redisNamespace(ns).build();
        return closeLater(new RedisLiveBackend(s, RedisNode.Options.manual(), false));
    }

    @Test
    void connectionsCountOverNodesFirstJoinsLastLeaves() {
        SyncRoomState a = SyncRoomState.of(node().state());
        SyncRoomState b = SyncRoomState.of(node().state());
        RoomState.Joined a1 = a.join("r", "alice", "Alice", JsonValue.EMPTY_JSON_OBJECT, 100);
        assertThat(a1.first()).isTrue();
        assertThat(a1.presence()).isEqualTo(new Presence("alice", "Alice", JsonValue.EMPTY_JSON_OBJECT, 1, 100));
        RoomState.Joined a2 = b.join("r", "alice", "ignored", null, 200);
        assertThat(a2.first()).isFalse();
        assertThat(a2.presence().getConnections()).isEqualTo(2);
        assertThat(a2.presence().getName()).isEqualTo("Alice");
        assertThat(a2.presence().getJoinedAtMillis()).isEqualTo(100);

        assertThat(a.leave("r", "alice")).as("a connection remains, on the other node").isNull();
        assertThat(a.leave("r", "alice")).as("node A has none left").isNull();
        assertThat(b.presence("r", "alice").getConnections()).isEqualTo(1);
        Presence left = b.leave("r", "alice");
        assertThat(left.getId()).isEqualTo("alice");
        assertThat(left.getName()).isEqualTo("Alice");
        assertThat(a.presences("r")).isEmpty();
        assertThat(a.rooms()).isEmpty();
        assertThat(peek.keys(ns)).as("an empty room leaves nothing behind").noneMatch(k -> k.contains(":room"));
    }

    @Test
    void metaRoomsOrderAndCursorsAreShared() throws InterruptedException {
        SyncRoomState a = SyncRoomState.of(node().state());
        SyncRoomState b = SyncRoomState.of(node().state());
        // away on both of alice's connections: since protocol 1.1 one connection that is not away
        // keeps the user from being away (section 6 of docs/protocol.md)
        a.join("r", "alice", "Alice", away, 2);
        b.join("r", "bob", "Bob", JsonValue.EMPTY_JSON_OBJECT, 1);
        b.join("s", "carol", "Carol", null, 1);
        assertThat(a.presences("r")).extracting(Presence::getId).containsExactly("bob", "alice");
        assertThat(a.rooms()).containsExactly("r", "s");

        assertThat(b.join("r", "alice", "Alice", away, 3).presence().getMeta()).isEqualTo(away);
        assertThat(a.presence("r", "alice").getMeta()).isEqualTo(away);
        assertThat(a.meta("r", "alice", JsonValue.EMPTY_JSON_OBJECT).getMeta()).isEmpty();
        assertThat(b.presence("r", "alice").getMeta()).isEmpty();
        assertThat(a.meta("r", "nobody", away)).isNull();

        a.putCursor("r", new Cursor("alice", 1.5, -2, 1000));
        b.putCursor("r", new Cursor("bob", 3, 4, 2000));
        // cursor writes are not awaited (the cursor tick never waits for Redis): A's may land later
        Await.until("both cursors in Redis", Await.WAIT,
                () -> b.cursors("r").size() == 2);
        assertThat(b.cursors("r")).containsExactlyInAnyOrder(new Cursor("alice", 1.5, -2, 1000),
                new Cursor("bob", 3, 4, 2000));
        // both nodes sweep; exactly one reports each expired cursor
        var fromA = a.expireCursors(1500);
        var fromB = b.expireCursors(1500);
        assertThat(fromA.getOrDefault("r", List.of()).size() + fromB.getOrDefault("r", List.of()).size()).isEqualTo(1);
        assertThat(a.cursors("r")).extracting(Cursor::getId).containsExactly("bob");
        assertThat(b.removeCursor("r", "bob")).isTrue();
        assertThat(a.removeCursor("r", "bob")).isFalse();
        assertThat(a.cursors("r")).isEmpty();
    }

    @Test
    void reapingANodeRemovesOnlyItsConnections() {
        RedisLiveBackend nodeA = node();
        RedisLiveBackend nodeB = node();
        List<RoomMessage> heardOnA = new CopyOnWriteArrayList<>();
        nodeA.bus().subscribe(heardOnA::add);
        SyncRoomState a = SyncRoomState.of(nodeA.state());
        SyncRoomState b = SyncRoomState.of(nodeB.state());
        a.join("r", "alice", "Alice", null, 1);
        b.join("r", "alice", "Alice", null, 2);
        b.join("r", "bob", "Bob", null, 3);
        b.join("r", "bob", "Bob", null, 3);

        RedisRoomState.Sync result = ((RedisRoomState) a.async()).sync(nodeB.nodeId(), "r", List.of());
        assertThat(result.left()).containsExactly("bob");
        assertThat(a.presences("r")).extracting(Presence::getId, Presence::getConnections)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("alice", 1));
        assertThat(peek.redis.hkeys(ns + ":room:r")).noneMatch(f -> f.contains(nodeB.nodeId()));

        // registering again puts B's connections back as they were
        RedisRoomState.Sync back = ((RedisRoomState) b.async()).sync(nodeB.nodeId(), "r",
                List.of(new Presence("alice", "Alice", null, 1, 2), new Presence("bob", "Bob", null, 2, 3)));
        assertThat(back.joined()).extracting(Presence::getId).containsExactly("bob");
        assertThat(a.presences("r")).extracting(Presence::getId, Presence::getConnections).containsExactly(
                org.assertj.core.groups.Tuple.tuple("alice", 2), org.assertj.core.groups.Tuple.tuple("bob", 2));
    }

    /** One meta per connection, over nodes: kept in Redis, reaped with its node (protocol 1.1). */
    @Test
    void eachConnectionKeepsItsOwnMetaOverNodes() {
        RedisLiveBackend nodeA = node();
        RedisLiveBackend nodeB = node();
        RoomState a = nodeA.state();
        RoomState b = nodeB.state();
        JsonObject working = Json.createObjectBuilder().add("away", false).add("doc", "a").build();
        String connA = nodeA.nodeId() + "/1";
        String connB = nodeB.nodeId() + "/1";
        a.join("r", "alice", connA, "Alice", away, 10).toCompletableFuture().join();
        Presence both = b.join("r", "alice", connB, "Alice", working, 20).toCompletableFuture().join().presence();
        assertThat(both.getMetas()).extracting(Presence.Meta::getMeta).containsExactly(away, working);
        assertThat(both.getMeta()).as("the latest tab's, not away while one tab is not").isEqualTo(working);

        Presence read = SyncRoomState.of(a).presence("r", "alice");
        assertThat(read.getMetas()).extracting(Presence.Meta::getJoinedAtMillis).containsExactly(10L, 20L);
        assertThat(SyncRoomState.of(a).presences("r").get(0).getMetas()).hasSize(2);

        JsonObject awayB = Json.createObjectBuilder().add("away", true).add("doc", "a").build();
        Presence allAway = b.meta("r", "alice", connB, awayB).toCompletableFuture().join();
        assertThat(allAway.getMeta()).isEqualTo(awayB);
        assertThat(allAway.getMetas()).extracting(Presence.Meta::getMeta).containsExactly(away, awayB);

        // node B dies: its connection's meta goes with it
        RedisRoomState.Sync reaped = ((RedisRoomState) a).sync(nodeB.nodeId(), "r", List.of());
        assertThat(reaped.left()).isEmpty();
        Presence left = SyncRoomState.of(a).presence("r", "alice");
        assertThat(left.getConnections()).isEqualTo(1);
        assertThat(left.getMetas()).extracting(Presence.Meta::getMeta).containsExactly(away);
        assertThat(left.getMeta()).isEqualTo(away);

        RoomState.Left last = a.leave("r", "alice", connA).toCompletableFuture().join();
        assertThat(last.last()).isTrue();
        assertThat(peek.redis.hkeys(ns + ":room:r")).as("nothing of alice is left").isEmpty();
    }
}
