package dev.onlinenow.live;

import dev.onlinenow.internal.live.LiveBackend;
import dev.onlinenow.internal.live.RoomBus;
import dev.onlinenow.internal.live.RoomState;
import jakarta.json.JsonObject;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The in-process backend, but joins of one room wait until the test lets them through: a store
 * that is slow (or stuck) for one room only, to show that nobody else waits for it.
 */
final class StuckRoomBackend implements LiveBackend {

    /** The wrapper passes the live layer's shards on to the in-process state it wraps. */
    private interface Wrapper extends RoomState, ShardBound {
    }

    final LiveBackend real = Backends.inProcess();
    final String stuckRoom;
    final CompletableFuture<Void> release = new CompletableFuture<>();
    private final RoomState state;

    StuckRoomBackend(String stuckRoom) {
        this.stuckRoom = stuckRoom;
        RoomState r = real.state();
        this.state = new Wrapper() {
            @Override
            public void bind(Shards shards) {
                ((ShardBound) r).bind(shards);
            }

            @Override
            public CompletionStage<Joined> join(String room, String userId, String connection, String name,
                                                JsonObject meta, long now) {
                if (!room.equals(stuckRoom)) {
                    return r.join(room, userId, connection, name, meta, now);
                }
                return release.thenCompose(v -> r.join(room, userId, connection, name, meta, now));
            }

            @Override
            public CompletionStage<Left> leave(String room, String userId, String connection) {
                return r.leave(room, userId, connection);
            }

            @Override
            public CompletionStage<Presence> meta(String room, String userId, String connection, JsonObject meta) {
                return r.meta(room, userId, connection, meta);
            }

            @Override
            public CompletionStage<Presence> presence(String room, String userId) {
                return r.presence(room, userId);
            }

            @Override
            public CompletionStage<List<Presence>> presences(String room) {
                return r.presences(room);
            }

            @Override
            public CompletionStage<Set<String>> rooms() {
                return r.rooms();
            }

            @Override
            public void putCursor(String room, Cursor cursor) {
                r.putCursor(room, cursor);
            }

            @Override
            public CompletionStage<Boolean> removeCursor(String room, String userId) {
                return r.removeCursor(room, userId);
            }

            @Override
            public CompletionStage<List<Cursor>> cursors(String room) {
                return r.cursors(room);
            }

            @Override
            public CompletionStage<Map<String, List<String>>> expireCursors(long movedBeforeMillis) {
                return r.expireCursors(movedBeforeMillis);
            }
        };
    }

    @Override
    public RoomState state() {
        return state;
    }

    @Override
    public RoomBus bus() {
        return real.bus();
    }

    @Override
    public String nodeId() {
        return real.nodeId();
    }

    @Override
    public void close() {
        release.complete(null);
        real.close();
    }
}
