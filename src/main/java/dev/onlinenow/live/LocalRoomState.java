package dev.onlinenow.live;

import dev.onlinenow.internal.live.RoomState;
import jakarta.json.JsonObject;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The in-process backend's rooms: no copy of its own. Each answer is read from, and written to,
 * the room's {@link Room} on its {@link RoomShard} (the view that the {@code state} frame and the
 * server-side API read), so a room is kept once in the JVM. Called on the room's shard (as the
 * live layer does) it answers at once with a complete stage; called from another thread, it
 * queues the work on the shard and the stage completes there.
 *
 * <p>Cursors need nothing here: the {@code cursors} messages keep the view's, and this server's
 * sweep expires every cursor in one JVM, so none is ever orphaned.
 */
final class LocalRoomState implements RoomState, ShardBound {


    private volatile Shards shards;
    /** Ids for connections a caller did not name. */
    private final AtomicLong anonymous = new AtomicLong();

    @Override
    public void bind(Shards shards) {
        this.shards = shards;
    }

    private Shards shards() {
        Shards s = shards;
        if (s == null) {
            throw new IllegalStateException("online-now: the in-process room state is used before the live layer started");
        }
        return s;
    }

    /** Runs {@code op} on the room's shard with its room (null if the shard has none, unless {@code make}). */
    private <T> CompletionStage<T> onShard(String room, boolean make, Function<Room, T> op) {
        Shards all = shards();
        RoomShard s = all.of(room);
        CompletableFuture<T> out = new CompletableFuture<>();
        s.execute(() -> {
            try {
                Room r = s.rooms.get(room);
                out.complete(op.apply(r != null || !make ? r : all.newRoom(s, room)));
            } catch (RuntimeException e) {
                out.completeExceptionally(e);
            }
        });
        return out;
    }

    @Override
    public CompletionStage<Joined> join(String room, String userId, String connection, String name, JsonObject meta,
                                        long nowMillis) {
        String conn = connection != null ? connection : "local/" + anonymous.incrementAndGet();
        return onShard(room, true, r -> {
            Presence p = r.view.get(userId);
            Joined j;
            if (p == null) {
                j = new Joined(Presence.ofMetas(userId, name, 1, nowMillis,
                        List.of(Presence.Meta.of(conn, meta, nowMillis, meta == null ? 0 : 1))), true);
            } else {
                j = new Joined(p.withConnection(conn, meta, nowMillis), false);
            }
            r.view.put(userId, j.presence());
            r.publishView();
            return j;
        });
    }

    @Override
    public CompletionStage<Left> leave(String room, String userId, String connection) {
        return onShard(room, false, r -> {
            Presence p = r == null ? null : r.view.get(userId);
            if (p == null) {
                return null;
            }
            Left l;
            if (p.getConnections() <= 1) {
                // the leave message removes it from the view, as on every server: until then the
                // room still knows whether it listed the user (large rooms announce only those)
                l = new Left(p, true);
            } else {
                Presence q = p.withoutConnection(connection != null ? connection : anyConnection(p));
                r.view.put(userId, q);
                l = Left.remaining(q);
            }
            r.publishView();
            return l;
        });
    }

    @Override
    public CompletionStage<Presence> meta(String room, String userId, String connection, JsonObject meta) {
        return onShard(room, false, r -> {
            Presence p = r == null ? null : r.view.get(userId);
            if (p == null) {
                return null;
            }
            Presence q = p.withConnectionMeta(connection, meta);
            r.view.put(userId, q);
            r.publishView();
            return q;
        });
    }

    /** The connection that leaves when the caller did not say which: the last to join. */
    private static String anyConnection(Presence p) {
        List<Presence.Meta> ms = p.metas();
        return ms.isEmpty() ? null : ms.get(ms.size() - 1).connection();
    }

    @Override
    public CompletionStage<Presence> presence(String room, String userId) {
        return onShard(room, false, r -> r == null ? null : r.view.get(userId));
    }

    @Override
    public CompletionStage<List<Presence>> presences(String room) {
        return onShard(room, false, r -> r == null ? List.of() : r.presences());
    }

    @Override
    public CompletionStage<Set<String>> rooms() {
        Set<String> out = new TreeSet<>();
        shards().index.forEach((name, r) -> {
            if (!r.presences().isEmpty()) {
                out.add(name);
            }
        });
        return CompletableFuture.completedFuture(out);
    }

    @Override
    public void putCursor(String room, Cursor cursor) {
        // the cursors message that follows puts it into the view
    }

    @Override
    public CompletionStage<Boolean> removeCursor(String room, String userId) {
        return onShard(room, false, r -> r != null && r.cursorView.containsKey(userId));
    }

    @Override
    public CompletionStage<List<Cursor>> cursors(String room) {
        return onShard(room, false, r -> r == null ? List.of() : r.cursors());
    }

    @Override
    public CompletionStage<Map<String, List<String>>> expireCursors(long movedBeforeMillis) {
        return CompletableFuture.completedFuture(Map.of());
    }
}
