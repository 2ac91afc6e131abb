package dev.onlinenow.redis;

import dev.onlinenow.live.Cursor;
import dev.onlinenow.live.Presence;
import dev.onlinenow.internal.live.RoomState;
import jakarta.json.JsonObject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This node's own members and the cursors it stored, kept beside Redis by {@link RedisRoomState}:
 * what it answers while Redis is down, and what it puts back when Redis lost data. Each mutation runs in {@link ConcurrentHashMap#compute}, so it is atomic
 * per room and an empty room disappears in the same step that emptied it. Every stage it returns
 * is already complete: nothing here waits.
 */
final class NodeMembers implements RoomState {

    private static final class Room {
        final LinkedHashMap<String, Presence> members = new LinkedHashMap<>();
        final LinkedHashMap<String, Cursor> cursors = new LinkedHashMap<>();

        boolean isEmpty() {
            return members.isEmpty() && cursors.isEmpty();
        }
    }

    private final ConcurrentHashMap<String, Room> rooms = new ConcurrentHashMap<>();
    /** Ids for connections a caller did not name. */
    private final java.util.concurrent.atomic.AtomicLong anonymous = new java.util.concurrent.atomic.AtomicLong();

    @Override
    public CompletionStage<Joined> join(String room, String userId, String connection, String name, JsonObject meta,
                                        long nowMillis) {
        return CompletableFuture.completedFuture(joinNow(room, userId,
                connection != null ? connection : "?/" + anonymous.incrementAndGet(), name, meta, nowMillis));
    }

    Joined joinNow(String room, String userId, String connection, String name, JsonObject meta, long nowMillis) {
        Joined[] out = new Joined[1];
        rooms.compute(room, (k, r) -> {
            Room rr = r == null ? new Room() : r;
            synchronized (rr) {
                Presence p = rr.members.get(userId);
                if (p == null) {
                    p = Presence.ofMetas(userId, name, 1, nowMillis,
                            List.of(Presence.Meta.of(connection, meta, nowMillis, meta == null ? 0 : 1)));
                    out[0] = new Joined(p, true);
                } else {
                    p = p.withConnection(connection, meta, nowMillis);
                    out[0] = new Joined(p, false);
                }
                rr.members.put(userId, p);
            }
            return rr;
        });
        return out[0];
    }

    @Override
    public CompletionStage<Left> leave(String room, String userId, String connection) {
        return CompletableFuture.completedFuture(leaveNow(room, userId, connection));
    }

    Left leaveNow(String room, String userId, String connection) {
        Left[] out = new Left[1];
        rooms.computeIfPresent(room, (k, r) -> {
            synchronized (r) {
                Presence p = r.members.get(userId);
                if (p == null) {
                    return r;
                }
                if (p.getConnections() <= 1) {
                    r.members.remove(userId);
                    r.cursors.remove(userId);
                    out[0] = new Left(p, true);
                } else {
                    List<Presence.Meta> ms = p.metas();
                    Presence q = p.withoutConnection(connection != null ? connection
                            : ms.isEmpty() ? null : ms.get(ms.size() - 1).connection());
                    r.members.put(userId, q);
                    out[0] = Left.remaining(q);
                }
                return r.isEmpty() ? null : r;
            }
        });
        return out[0];
    }

    @Override
    public CompletionStage<Presence> meta(String room, String userId, String connection, JsonObject meta) {
        return CompletableFuture.completedFuture(metaNow(room, userId, connection, meta));
    }

    Presence metaNow(String room, String userId, String connection, JsonObject meta) {
        Presence[] out = new Presence[1];
        rooms.computeIfPresent(room, (k, r) -> {
            synchronized (r) {
                Presence p = r.members.get(userId);
                if (p != null) {
                    p = p.withConnectionMeta(connection, meta);
                    r.members.put(userId, p);
                    out[0] = p;
                }
                return r;
            }
        });
        return out[0];
    }

    @Override
    public CompletionStage<Presence> presence(String room, String userId) {
        return CompletableFuture.completedFuture(presenceNow(room, userId));
    }

    Presence presenceNow(String room, String userId) {
        Room r = rooms.get(room);
        if (r == null) {
            return null;
        }
        synchronized (r) {
            return r.members.get(userId);
        }
    }

    @Override
    public CompletionStage<List<Presence>> presences(String room) {
        return CompletableFuture.completedFuture(presencesNow(room));
    }

    List<Presence> presencesNow(String room) {
        Room r = rooms.get(room);
        if (r == null) {
            return List.of();
        }
        synchronized (r) {
            return List.copyOf(r.members.values());
        }
    }

    @Override
    public CompletionStage<Set<String>> rooms() {
        return CompletableFuture.completedFuture(roomsNow());
    }

    Set<String> roomsNow() {
        Set<String> out = new TreeSet<>();
        rooms.forEach((name, r) -> {
            synchronized (r) {
                if (!r.members.isEmpty()) {
                    out.add(name);
                }
            }
        });
        return out;
    }

    @Override
    public void putCursor(String room, Cursor cursor) {
        rooms.compute(room, (k, r) -> {
            Room rr = r == null ? new Room() : r;
            synchronized (rr) {
                rr.cursors.put(cursor.getId(), cursor);
            }
            return rr;
        });
    }

    @Override
    public CompletionStage<Boolean> removeCursor(String room, String userId) {
        return CompletableFuture.completedFuture(removeCursorNow(room, userId));
    }

    boolean removeCursorNow(String room, String userId) {
        boolean[] out = new boolean[1];
        rooms.computeIfPresent(room, (k, r) -> {
            synchronized (r) {
                out[0] = r.cursors.remove(userId) != null;
                return r.isEmpty() ? null : r;
            }
        });
        return out[0];
    }

    @Override
    public CompletionStage<List<Cursor>> cursors(String room) {
        return CompletableFuture.completedFuture(cursorsNow(room));
    }

    List<Cursor> cursorsNow(String room) {
        Room r = rooms.get(room);
        if (r == null) {
            return List.of();
        }
        synchronized (r) {
            return List.copyOf(r.cursors.values());
        }
    }

    @Override
    public CompletionStage<Map<String, List<String>>> expireCursors(long movedBeforeMillis) {
        return CompletableFuture.completedFuture(expireCursorsNow(movedBeforeMillis));
    }

    Map<String, List<String>> expireCursorsNow(long movedBeforeMillis) {
        Map<String, List<String>> out = new HashMap<>();
        for (String name : rooms.keySet()) {
            rooms.computeIfPresent(name, (k, r) -> {
                synchronized (r) {
                    List<String> gone = null;
                    for (var it = r.cursors.values().iterator(); it.hasNext(); ) {
                        Cursor c = it.next();
                        if (c.getMovedAt() < movedBeforeMillis) {
                            it.remove();
                            if (gone == null) {
                                gone = new ArrayList<>();
                            }
                            gone.add(c.getId());
                        }
                    }
                    if (gone != null) {
                        out.put(k, gone);
                    }
                    return r.isEmpty() ? null : r;
                }
            });
        }
        return out;
    }

    /** Rooms held, empty ones excluded (they are removed at once); for tests. */
    int size() {
        return rooms.size();
    }
}
