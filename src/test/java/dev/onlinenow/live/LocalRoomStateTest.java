package dev.onlinenow.live;

import dev.onlinenow.internal.live.RoomState;
import dev.onlinenow.testing.SyncRoomState;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The in-process rooms are the shards' own {@link Room}s: no second copy. */
class LocalRoomStateTest {

    final Shards shards = new Shards(2, false);
    final LocalRoomState local = new LocalRoomState();
    final SyncRoomState state = SyncRoomState.of(local);
    final JsonObject away = Json.createObjectBuilder().add("status", "drawing").build(); // (not "away": see the tab tests)

    {
        local.bind(shards);
    }

    @AfterEach
    void stop() {
        shards.close();
    }

    /** The room as its shard holds it (read on the shard). */
    Room room(String name) {
        Room[] out = new Room[1];
        shards.onEveryShardAndWait(() -> { });
        RoomShard s = shards.of(name);
        java.util.concurrent.CompletableFuture<Room> f = new java.util.concurrent.CompletableFuture<>();
        s.execute(() -> f.complete(s.rooms.get(name)));
        out[0] = f.join();
        return out[0];
    }

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
        assertThat(room("r").presences()).as("the shard's room is the state").containsExactly(a2.presence());

        assertThat(state.leave("r", "alice")).as("a connection remains").isNull();
        assertThat(state.presence("r", "alice").getConnections()).isEqualTo(1);
        assertThat(state.leave("r", "alice").getId()).isEqualTo("alice");
        Room r = room("r");
        shards.of("r").execute(() -> r.apply(RoomMessage.leave("r", "alice"), 0)); // as the bus delivers it
        assertThat(state.presences("r")).isEmpty();
        assertThat(room("r").presences()).isEmpty();
        assertThat(state.rooms()).isEmpty();
        assertThat(state.leave("r", "alice")).isNull();
        assertThat(state.leave("nowhere", "alice")).isNull();
    }

    @Test
    void laterJoinWithMetaReplacesIt() {
        state.join("r", "alice", "Alice", JsonValue.EMPTY_JSON_OBJECT, 1);
        assertThat(state.join("r", "alice", "Alice", away, 2).presence().getMeta()).isEqualTo(away);
        assertThat(state.meta("r", "alice", JsonValue.EMPTY_JSON_OBJECT).getMeta()).isEmpty();
        assertThat(state.meta("r", "bob", away)).isNull();
        assertThat(state.meta("nowhere", "bob", away)).isNull();
        assertThat(room("nowhere")).as("a read or a refused change makes no room").isNull();
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
    void cursorsAreTheViewsAndNeverOrphaned() {
        state.join("r", "alice", "Alice", null, 1);
        local.putCursor("r", new Cursor("alice", 1, 2, 3));
        assertThat(state.cursors("r")).as("a cursors message puts it in the view, not the store").isEmpty();
        Room r = room("r");
        shards.of("r").execute(() -> r.apply(RoomMessage.cursors("r", List.of(new RoomMessage.Move("alice", 1, 2,
                false))), 3));
        assertThat(state.cursors("r")).containsExactly(new Cursor("alice", 1, 2, 3));
        assertThat(state.removeCursor("r", "alice")).isTrue();
        assertThat(state.expireCursors(Long.MAX_VALUE)).isEmpty();
    }

    @Test
    void unboundItSaysSo() {
        assertThatThrownBy(() -> new LocalRoomState().join("r", "a", "A", null, 1))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("before the live layer started");
    }
}
