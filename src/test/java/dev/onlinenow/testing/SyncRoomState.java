package dev.onlinenow.testing;

import dev.onlinenow.live.Cursor;
import dev.onlinenow.live.Presence;
import dev.onlinenow.internal.live.RoomState;
import jakarta.json.JsonObject;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * A {@link RoomState} seen synchronously, for tests of the store itself: each call waits (at
 * most 10 s) for the stage the store returns.
 */
public final class SyncRoomState {

    private final RoomState state;

    private SyncRoomState(RoomState state) {
        this.state = state;
    }

    public static SyncRoomState of(RoomState state) {
        return new SyncRoomState(state);
    }

    public RoomState async() {
        return state;
    }

    private static <T> T get(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("the room state did not answer", e);
        }
    }

    public RoomState.Joined join(String room, String userId, String name, JsonObject meta, long nowMillis) {
        return get(state.join(room, userId, name, meta, nowMillis));
    }

    /** The presence as it was if that was the user's last connection, else null (as it was before the stages). */
    public Presence leave(String room, String userId) {
        RoomState.Left l = get(state.leave(room, userId));
        return l != null && l.last() ? l.presence() : null;
    }

    public RoomState.Left leaveResult(String room, String userId) {
        return get(state.leave(room, userId));
    }

    public Presence meta(String room, String userId, JsonObject meta) {
        return get(state.meta(room, userId, meta));
    }

    public Presence presence(String room, String userId) {
        return get(state.presence(room, userId));
    }

    public List<Presence> presences(String room) {
        return get(state.presences(room));
    }

    public Set<String> rooms() {
        return get(state.rooms());
    }

    public void putCursor(String room, Cursor cursor) {
        state.putCursor(room, cursor);
    }

    public boolean removeCursor(String room, String userId) {
        return get(state.removeCursor(room, userId));
    }

    public List<Cursor> cursors(String room) {
        return get(state.cursors(room));
    }

    public Map<String, List<String>> expireCursors(long movedBeforeMillis) {
        return get(state.expireCursors(movedBeforeMillis));
    }
}
