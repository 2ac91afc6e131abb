package dev.onlinenow.live;

import jakarta.json.JsonObject;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Who is in which room, and where their cursors are: the shared half of the live layer's seam
 * for running on several nodes (the other half is {@link RoomBus}).
 *
 * <p>{@link LivePresence} keeps its own sockets and talks to rooms only through this interface
 * and the bus. The default, {@link LiveBackend#inProcess()}, keeps everything in this JVM. A
 * Redis implementation (see {@link LiveBackend}) keeps the same data in Redis so every node sees
 * every member: a presence's {@code connections} is then the user's connection count over all
 * nodes, {@link #join} reports {@code first} only for the user's first connection cluster-wide and
 * {@link #leave} returns the presence only for their last, so {@code join}/{@code leave} frames
 * go out once however many nodes and tabs a user has. Such an implementation must also forget
 * the connections of a node that died (it knows them by {@link LiveBackend#nodeId()}).
 *
 * <p>Every method is called with a room name the live layer already checked (1 to 200
 * characters, no control characters) and must be safe for concurrent use. Calls for one room
 * from one node are not concurrent with each other (the live layer serializes them per room), so
 * an implementation only needs to be atomic per call.
 */
public interface RoomState {

    /** The result of {@link #join}: the presence now, and whether this was the user's first connection. */
    record Joined(Presence presence, boolean first) {
    }

    /**
     * Adds one connection of {@code userId} to {@code room}. The first connection creates the
     * presence with {@code name}, {@code meta} and {@code nowMillis}; later ones count up its
     * connections and, if {@code meta} is not null, replace its meta.
     */
    Joined join(String room, String userId, String name, JsonObject meta, long nowMillis);

    /**
     * Removes one connection of {@code userId} from {@code room}.
     *
     * @return the presence as it was if that was the user's last connection (they left, and
     *         their cursor in the room is gone too); null if connections remain or the user was
     *         not in the room
     */
    Presence leave(String room, String userId);

    /** Replaces the user's meta in the room; returns the new presence, or null if not a member. */
    Presence meta(String room, String userId, JsonObject meta);

    /** The user's presence in the room, or null. */
    Presence presence(String room, String userId);

    /** The room's presences in the order they joined; empty for an unknown room. */
    List<Presence> presences(String room);

    /** The rooms with at least one member. */
    Set<String> rooms();

    /** Stores a cursor position (a user need not be a member: the server API may place any). */
    void putCursor(String room, Cursor cursor);

    /** Forgets a cursor; true if there was one. */
    boolean removeCursor(String room, String userId);

    /** The room's cursors. */
    List<Cursor> cursors(String room);

    /**
     * Removes every cursor that last moved before {@code movedBeforeMillis}.
     *
     * @return the ids removed, by room
     */
    Map<String, List<String>> expireCursors(long movedBeforeMillis);
}
