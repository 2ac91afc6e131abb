package dev.onlinenow.redis;

import dev.onlinenow.OnlineNowSettings;
import dev.onlinenow.OnlineNowStats;
import dev.onlinenow.OnlineNowStats.PubSubKind;
import dev.onlinenow.live.RoomMessage;
import dev.onlinenow.testing.Await;
import dev.onlinenow.testing.LiveServer;
import dev.onlinenow.testing.WsClient;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One Redis channel per room (docs/redis.md): a server subscribes to a room's channel while it
 * holds the room and unsubscribes after, so it receives nothing for the rooms it does not host
 * (its meter says so), and what a subscription could miss is read again once Redis confirmed it.
 * Real Redis, a namespace per test.
 */
class RedisRoomChannelsIT extends RedisITBase {

    private RedisLiveBackend backend() {
        OnlineNowSettings s = OnlineNowSettings.builder().store(OnlineNowSettings.StoreKind.REDIS).redisUri(uri)
                .redisNamespace(ns).build();
        return closeLater(new RedisLiveBackend(s, RedisNode.Options.manual(), false));
    }

    private LiveServer app() throws Exception {
        Map<String, String> p = redisParams(uri);
        p.put("nodeTimeout", "PT5S");
        return closeLater(LiveServer.builder().contextParams(p).start());
    }

    private long subscribers(String channel) {
        return peek.redis.pubsubNumsub(channel).getOrDefault(channel, 0L);
    }

    private static List<String> ids(JsonObject state) {
        List<String> out = new ArrayList<>();
        for (JsonValue v : state.getJsonArray("presences")) {
            out.add(v.asJsonObject().getString("id"));
        }
        return out;
    }

    @Test
    void aRoomIsReadAgainOnlyOnceRedisConfirmedItsSubscription() throws Exception {
        RedisLiveBackend a = backend();
        String channel = a.pubsub().roomChannel("board");
        assertThat(channel).isEqualTo(ns + ":live:{board}");
        List<RoomMessage> got = new CopyOnWriteArrayList<>();
        a.bus().subscribe(got::add);
        CompletableFuture<String> missed = new CompletableFuture<>();
        a.bus().onMissed(missed::complete);
        String fromB = MessageCodec.encode("node-b", RoomMessage.leave("board", "carol"));
        assertThat(peek.redis.publish(channel, fromB)).as("nobody holds the room yet").isZero();

        a.bus().watch("board");
        // the live layer reads the room again when told; by then a message published reaches A
        assertThat(missed.get(30, TimeUnit.SECONDS)).isEqualTo("board");
        assertThat(peek.redis.publish(channel, fromB)).isEqualTo(1);
        Await.untilAsserted(() -> assertThat(got).extracting(RoomMessage::userId).containsExactly("carol"));

        a.bus().unwatch("board");
        Await.until("A to leave the channel", Await.WAIT, () -> subscribers(channel) == 0);
    }

    @Test
    void oneServerATurnRunsTheOrphanedCursorBackstop() {
        dev.onlinenow.testing.SyncRoomState a = dev.onlinenow.testing.SyncRoomState.of(backend().state());
        dev.onlinenow.testing.SyncRoomState b = dev.onlinenow.testing.SyncRoomState.of(backend().state());
        // a cursor a dead server left behind
        peek.redis.hset(ns + ":cursors:r", "ghost", "1 2 1000");
        peek.redis.sadd(ns + ":cursor-rooms", "r");

        // B takes the turn: it finds and removes the ghost...
        assertThat(b.expireCursors(1500)).containsEntry("r", List.of("ghost"));
        assertThat(peek.redis.hexists(ns + ":cursors:r", "ghost")).isFalse();
        peek.redis.hset(ns + ":cursors:r", "ghost2", "1 2 1000");
        peek.redis.sadd(ns + ":cursor-rooms", "r");
        // ...and while its turn lasts, A's round reads nothing from Redis
        assertThat(a.expireCursors(1500)).isEmpty();
        assertThat(peek.redis.hexists(ns + ":cursors:r", "ghost2")).isTrue();
        assertThat(peek.redis.pttl(ns + ":cursor-sweep")).isPositive()
                .isLessThanOrEqualTo(RedisRoomState.CURSOR_SWEEP_TURN_MILLIS);
        // the next turn, whoever takes it, removes it
        peek.redis.del(ns + ":cursor-sweep");
        assertThat(a.expireCursors(1500)).containsEntry("r", List.of("ghost2"));
    }

    @Test
    void aServerReceivesNothingForRoomsItDoesNotHostAndSkipsItsOwnUnread() throws Exception {
        LiveServer a = app();
        LiveServer b = app();
        WsClient alice = closeLater(a.connectAs("alice"));
        WsClient bob = closeLater(b.connectAs("bob"));
        WsClient carol = closeLater(a.connectAs("carol"));
        WsClient dave = closeLater(b.connectAs("dave"));
        alice.join("a-room");
        alice.next("state");
        bob.join("b-room");
        bob.next("state");
        carol.join("shared");
        carol.next("state");
        dave.join("shared");
        dave.next("state");
        carol.next("join", o -> o.getJsonObject("presence").getString("id").equals("dave"));

        RedisPubSub channels = ((RedisLiveBackend) a.live().backend()).pubsub();
        assertThat(subscribers(channels.roomChannel("a-room"))).isEqualTo(1);
        assertThat(subscribers(channels.roomChannel("b-room"))).isEqualTo(1);
        assertThat(subscribers(channels.roomChannel("shared"))).isEqualTo(2);

        for (int i = 1; i <= 10; i++) {
            bob.cursor("b-room", i, i);
            alice.cursor("a-room", i, i);
        }
        dave.cursor("shared", 7, 7);
        carol.next("cursors", o -> o.getJsonArray("cursors").stream()
                .anyMatch(c -> c.asJsonObject().getString("id").equals("dave")));
        carol.cursor("shared", 8, 8);
        dave.next("cursors", o -> o.getJsonArray("cursors").stream()
                .anyMatch(c -> c.asJsonObject().getString("id").equals("carol")));

        OnlineNowStats sa = a.online().stats();
        OnlineNowStats sb = b.online().stats();
        assertThat(sa.pubSubReceived(PubSubKind.HOSTED)).as("B's messages of the shared room").isPositive();
        assertThat(sb.pubSubReceived(PubSubKind.HOSTED)).as("A's messages of the shared room").isPositive();
        assertThat(sa.pubSubReceived(PubSubKind.OWN)).as("A's own, back from Redis, dropped unread").isPositive();
        assertThat(sa.pubSubReceived(PubSubKind.NOT_HOSTED)).as("B's room reaches A not at all").isZero();
        assertThat(sb.pubSubReceived(PubSubKind.NOT_HOSTED)).as("A's room reaches B not at all").isZero();
        assertThat(sa.pubSubDropped()).isZero();
        // the JMX bean shows the same
        @SuppressWarnings("unchecked")
        Map<String, Long> byKind = (Map<String, Long>) java.lang.management.ManagementFactory.getPlatformMBeanServer()
                .getAttribute(a.online().mbeanName(), "PubSubReceivedByKind");
        assertThat(byKind).containsEntry("not_hosted", 0L).containsKeys("hosted", "own");
    }

    @Test
    void theLastMemberLeavingEndsTheSubscriptionWhileTheRoomsMessagesAreInFlight() throws Exception {
        LiveServer a = app();
        LiveServer b = app();
        WsClient alice = closeLater(a.connectAs("alice"));
        WsClient bob = closeLater(b.connectAs("bob"));
        alice.join("board");
        alice.next("state");
        bob.join("board");
        bob.next("state");
        alice.next("join");
        String channel = ((RedisLiveBackend) a.live().backend()).pubsub().roomChannel("board");
        assertThat(subscribers(channel)).isEqualTo(2);

        // bob moves all the time, so messages of the room are always on their way to A; the pause
        // paces him (about 100 moves a second, under the cursor limit), nothing waits on it: the
        // moves made while A lets the room go are counted and awaited below
        AtomicBoolean moving = new AtomicBoolean(true);
        AtomicInteger moves = new AtomicInteger();
        Thread mover = new Thread(() -> {
            for (int i = 0; moving.get(); i++) {
                bob.cursor("board", i % 100, 1);
                moves.incrementAndGet();
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "bob-moves");
        mover.start();
        closeLater(() -> {
            moving.set(false);
            mover.join(10_000);
        });
        alice.next("cursors");

        int movesAtLeave = moves.get();
        alice.leave("board");
        Await.until("A to unsubscribe from the room it no longer holds", Await.WAIT, () -> subscribers(channel) == 1);
        Await.until("bob to move on after A let the room go", Await.WAIT, () -> moves.get() > movesAtLeave + 10);
        assertThat(((RedisLiveBackend) a.live().backend()).pubsub().wants(channel)).isFalse();
        assertThat(a.live().localRooms()).isZero();

        // alice is back: subscribed again, the room read again, bob's moves reach her
        alice.join("board");
        JsonObject state = alice.next("state");
        assertThat(ids(state)).containsExactlyInAnyOrder("alice", "bob");
        alice.next("cursors", o -> o.getJsonArray("cursors").stream()
                .anyMatch(c -> c.asJsonObject().getString("id").equals("bob")));
        assertThat(subscribers(channel)).isEqualTo(2);
        assertThat(a.online().stats().pubSubDropped()).isZero();
    }
}
