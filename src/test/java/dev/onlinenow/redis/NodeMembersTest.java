package dev.onlinenow.redis;

import dev.onlinenow.live.Cursor;
import dev.onlinenow.live.Presence;
import dev.onlinenow.internal.live.RoomState;

import dev.onlinenow.testing.SyncRoomState;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class NodeMembersTest {

    final NodeMembers local = new NodeMembers();
    final SyncRoomState state = SyncRoomState.of(local);
    final JsonObject away = Json.createObjectBuilder().add("status", "drawing").build(); // (not "away": see the tab tests)

    @Test
    void firstConnectionJoinsLastOneLeaves() {
        RoomState.Joined a1 = state.join("r", "alice", "Alice", JsonValue.EMPTY_JSON_OBJECT, 100);
        assertThat(a1.first()).isTrue();
        assertThat(a1.presence()).isEqualTo(new Presence("alice", "Alice", JsonValue.EMPTY_JSON_OBJECT, 1, 100));
        RoomState.Joined a2 = state.join("r", "alice", "ignored", null, 200);
        assertThat(a2.first()).isFalse();
        assertThat(a2.presence().getConnections()).isEqualTo(2);
        assertThat(a2.presence().getName()).isEqualTo("Alice");
        assertThat(a2.presence().getJoinedAtMillis()).as("joined with the first connection").isEqualTo(100);

        assertThat(state.leave("r", "alice")).as("a connection remains").isNull();
        assertThat(state.presence("r", "alice").getConnections()).isEqualTo(1);
        assertThat(state.leave("r", "alice").getId()).isEqualTo("alice");
        assertThat(state.presences("r")).isEmpty();
        assertThat(state.rooms()).isEmpty();
        assertThat(local.size()).as("empty rooms are removed").isZero();
        assertThat(state.leave("r", "alice")).isNull();
    }

    @Test
    void laterJoinWithMetaReplacesIt() {
        state.join("r", "alice", "Alice", JsonValue.EMPTY_JSON_OBJECT, 1);
        assertThat(state.join("r", "alice", "Alice", away, 2).presence().getMeta()).isEqualTo(away);
        assertThat(state.meta("r", "alice", JsonValue.EMPTY_JSON_OBJECT).getMeta()).isEmpty();
        assertThat(state.meta("r", "bob", away)).isNull();
        assertThat(state.meta("nowhere", "bob", away)).isNull();
    }

    @Test
    void presencesInJoinOrderAndRoomsSorted() {
        state.join("b", "carol", "Carol", null, 1);
        state.join("a", "bob", "Bob", null, 1);
        state.join("a", "alice", "Alice", null, 2);
        assertThat(state.presences("a")).extracting(Presence::getId).containsExactly("bob", "alice");
        assertThat(state.rooms()).containsExactly("a", "b");
    }

    @Test
    void cursorsExpireAndGoWithTheirUser() {
        state.join("r", "alice", "Alice", null, 0);
        state.join("r", "bob", "Bob", null, 0);
        state.putCursor("r", new Cursor("alice", 1, 2, 1000));
        state.putCursor("r", new Cursor("bob", 3, 4, 5000));
        state.putCursor("r", new Cursor("bot", 5, 6, 1000));
        assertThat(state.cursors("r")).hasSize(3);

        Map<String, List<String>> expired = state.expireCursors(2000);
        assertThat(expired).containsOnlyKeys("r");
        assertThat(expired.get("r")).containsExactlyInAnyOrder("alice", "bot");
        assertThat(state.cursors("r")).extracting(Cursor::getId).containsExactly("bob");

        state.leave("r", "bob");
        assertThat(state.cursors("r")).isEmpty();
        assertThat(state.removeCursor("r", "bob")).isFalse();
    }

    @Test
    void aCursorWithoutMembersKeepsTheRoomUntilItGoes() {
        state.putCursor("r", new Cursor("bot", 1, 1, 0));
        assertThat(state.rooms()).as("no members, not listed").isEmpty();
        assertThat(state.cursors("r")).hasSize(1);
        assertThat(state.removeCursor("r", "bot")).isTrue();
        assertThat(local.size()).isZero();
    }

    @Test
    void racingJoinsAndLeavesKeepExactCounts() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (int round = 0; round < 200; round++) {
                AtomicInteger firsts = new AtomicInteger();
                AtomicInteger lasts = new AtomicInteger();
                CountDownLatch go = new CountDownLatch(1);
                List<Future<?>> fs = new java.util.ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    fs.add(pool.submit(() -> {
                        go.await();
                        for (int i = 0; i < 50; i++) {
                            if (state.join("r", "alice", "Alice", null, 0).first()) {
                                firsts.incrementAndGet();
                            }
                            if (state.leave("r", "alice") != null) {
                                lasts.incrementAndGet();
                            }
                        }
                        return null;
                    }));
                }
                go.countDown();
                for (Future<?> f : fs) {
                    f.get();
                }
                assertThat(firsts.get()).as("every join announced has its leave").isEqualTo(lasts.get());
                assertThat(state.presence("r", "alice")).isNull();
                assertThat(local.size()).isZero();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
