package dev.onlinenow.redis;

import dev.onlinenow.OnlineNowSettings;
import dev.onlinenow.live.Cursor;
import dev.onlinenow.internal.live.LiveBackend;
import dev.onlinenow.live.Presence;
import dev.onlinenow.live.RoomMessage;
import dev.onlinenow.internal.live.RoomState;
import dev.onlinenow.testing.SyncRoomState;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** Without any Redis: the live backend starts, and serves this node's own sockets from memory. */
class RedisLiveBackendTest {

    private RedisLiveBackend backend;

    @BeforeEach
    void start() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        OnlineNowSettings settings = OnlineNowSettings.builder().store(OnlineNowSettings.StoreKind.REDIS)
                .redisUri(URI.create("redis://127.0.0.1:" + port)).redisTimeout(Duration.ofMillis(200)).build();
        backend = (RedisLiveBackend) LiveBackend.redis(settings);
    }

    @AfterEach
    void stop() {
        backend.close();
    }

    @Test
    void theLiveLayerLoadsItByNameAndItSharesTheNodeId() {
        assertThat(backend.nodeId()).isEqualTo(backend.node().id());
        assertThat(backend.node().healthy()).isFalse();
    }

    @Test
    void roomsWorkLocallyWhileRedisIsDown() {
        SyncRoomState state = SyncRoomState.of(backend.state());
        JsonObject away = Json.createObjectBuilder().add("status", "drawing").build(); // the latest tab's meta
        assertThat(state.join("r", "alice", "Alice", JsonValue.EMPTY_JSON_OBJECT, 1).first()).isTrue();
        assertThat(state.join("r", "alice", "Alice", away, 2).first()).isFalse();
        assertThat(state.presences("r")).extracting(Presence::getConnections).containsExactly(2);
        assertThat(state.presence("r", "alice").getMeta()).isEqualTo(away);
        assertThat(state.rooms()).containsExactly("r");
        state.putCursor("r", new Cursor("alice", 1, 2, 10));
        assertThat(state.cursors("r")).hasSize(1);
        assertThat(state.expireCursors(11)).containsKey("r");
        assertThat(state.leave("r", "alice")).isNull();
        assertThat(state.leave("r", "alice").getId()).isEqualTo("alice");
        assertThat(state.rooms()).isEmpty();
    }

    @Test
    void theBusDeliversToThisNodeAtOnceWithoutRedis() {
        List<RoomMessage> got = new CopyOnWriteArrayList<>();
        backend.bus().subscribe(got::add);
        RoomMessage m = RoomMessage.event("r", "x", JsonValue.NULL);
        backend.bus().publish(m);
        assertThat(got).containsExactly(m);
    }

    @Test
    void storedMetaThatDoesNotParseReadsAsEmpty() {
        assertThat(RedisJson.parseMeta("not json")).isEmpty();
        assertThat(RedisJson.parseMeta(null)).isEmpty();
        assertThat(RedisJson.parseMeta("{\"a\":1}")).containsKey("a");
    }
}
