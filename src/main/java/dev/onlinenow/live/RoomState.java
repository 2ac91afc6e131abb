package dev.onlinenow.live;

import jakarta.json.JsonObject;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;

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
 * <p><b>Asynchronous.</b> Every call returns at once; what it reads or changes comes back as a
 * {@link CompletionStage}, so that no thread of the live layer waits for the network (a slow
 * Redis delays only the user whose join waits for it). A stage must complete (normally, or with
 * the implementation's fallback) within a bounded time; it must not complete exceptionally for a
 * store that is merely down: the Redis implementation answers from this node's own members then.
 * The live layer moves every completion back to the room's own thread before it acts on it.
 *
 * <p>Every method is called with a room name the live layer already checked, and must be safe
 * for concurrent use. Calls for one room from one node are issued in order from one thread (the
 * room's shard); an implementation that keeps that order on the wire (one connection, as
 * Lettuce's) keeps a user's join before their leave.
 */
public interface RoomState {

    /** The result of {@link #join}: the presence now, and whether this was the user's first connection. */
    record Joined(Presence presence, boolean first) {
    }

    /**
     * Adds one connection of {@code userId} to {@code room}. The first connection creates the
     * presence with {@code name}, {@code meta} and {@code nowMillis}; later ones count up its
     * connections. Each connection keeps its own meta ({@link Presence#getMetas()}); a connection
     * that joins with a {@code meta} makes it the presence's meta (the most recently changed).
     *
     * @param connection the connection's id ({@code node/n}), unique in the cluster; null for a
     *                   caller that does not know it (the store makes one)
     */
    CompletionStage<Joined> join(String room, String userId, String connection, String name, JsonObject meta,
                                 long nowMillis);

    /** {@link #join(String, String, String, String, JsonObject, long)} of a connection without an id. */
    default CompletionStage<Joined> join(String room, String userId, String name, JsonObject meta, long nowMillis) {
        return join(room, userId, null, name, meta, nowMillis);
    }

    /**
     * Removes one connection of {@code userId} from {@code room}.
     *
     * @return completes with {@code Left(presence as it was, last=true)} if that was the user's
     *         last connection (they left, and their cursor in the room is gone too), with
     *         {@code Left(presence with the remaining connections, last=false)} if some remain,
     *         and with null if the user was not in the room
     * @param connection the connection that leaves; null: any one of the user's connections on this node
     */
    CompletionStage<Left> leave(String room, String userId, String connection);

    /** {@link #leave(String, String, String)} of any one of the user's connections on this node. */
    default CompletionStage<Left> leave(String room, String userId) {
        return leave(room, userId, null);
    }

    /** The result of {@link #leave}: who, and whether that was their last connection. */
    record Left(Presence presence, boolean last) {
        /** Some connections remain. */
        public static Left remaining(Presence p) {
            return new Left(p, false);
        }
    }

    /**
     * Replaces the meta of one connection of the user in the room (null: of every connection);
     * completes with the new presence, or null if not a member.
     */
    CompletionStage<Presence> meta(String room, String userId, String connection, JsonObject meta);

    /** {@link #meta(String, String, String, JsonObject)} of every connection of the user. */
    default CompletionStage<Presence> meta(String room, String userId, JsonObject meta) {
        return meta(room, userId, null, meta);
    }

    /** The user's presence in the room, or null. */
    CompletionStage<Presence> presence(String room, String userId);

    /** The room's presences in the order they joined; empty for an unknown room. */
    CompletionStage<List<Presence>> presences(String room);

    /** The rooms with at least one member. */
    CompletionStage<Set<String>> rooms();

    /** Stores a cursor position (a user need not be a member: the server API may place any); not awaited. */
    void putCursor(String room, Cursor cursor);

    /**
     * Stores the positions of several cursors of one room at once (the live layer's cursor tick
     * calls this once per room, with a shared store at most every
     * {@link RoomTicks#STORE_CURSORS_MILLIS}); not awaited.
     */
    default void putCursors(String room, List<Cursor> cursors) {
        for (Cursor c : cursors) {
            putCursor(room, c);
        }
    }

    /** Forgets a cursor; completes with true if there was one. */
    CompletionStage<Boolean> removeCursor(String room, String userId);

    /** The room's cursors. */
    CompletionStage<List<Cursor>> cursors(String room);

    /**
     * Removes every cursor that last moved before {@code movedBeforeMillis} (wall-clock epoch
     * millis: several nodes compare them).
     *
     * @return the ids removed, by room
     */
    CompletionStage<Map<String, List<String>>> expireCursors(long movedBeforeMillis);
}
