package dev.onlinenow.live;

import java.util.function.Consumer;

/**
 * Carries every room message ({@code join}, {@code leave}, {@code meta}, {@code event},
 * {@code cursors}) to every node: the other half of the live layer's seam for several nodes (see
 * {@link RoomState}).
 *
 * <p>{@link LivePresence} publishes each message once and subscribes one receiver, which hands
 * the message to the sockets of this node that are in the room. The in-process default delivers
 * synchronously to that receiver, the message itself: nothing is made into text in between. A
 * bus between servers encodes each message with its own codec (the Redis one sends
 * {@link RoomMessage#text()} in an envelope on a channel and reads the typed message back) and
 * calls the receiver for every message it gets, its own included (or, as Redis's, delivers its
 * own at once and skips them when they come back). It must deliver each message once to each node's receiver, in publish
 * order per room, and must not block {@link #publish} on the network for long (the caller is a
 * WebSocket or scheduler thread).
 */
public interface RoomBus extends AutoCloseable {

    /** Sends a message to every node's receiver, this node's included. */
    void publish(RoomMessage message);

    /** Sets the receiver of every message; called once, before the first publish. */
    void subscribe(Consumer<RoomMessage> receiver);

    /**
     * This server now holds {@code room} (a member here, or a server-side reader): a bus that
     * carries rooms separately (Redis: one channel per room) starts carrying this room's messages
     * to this server. Called on the room's shard when the room is made, paired with
     * {@link #unwatch}, so the calls for one room come in order. A room's messages published
     * before the bus carries them here may be missed: the bus then names the room to
     * {@link #onMissed}'s receiver, which reads the room again. The in-process bus carries everything.
     */
    default void watch(String room) {
    }

    /** This server no longer holds {@code room} (see {@link #watch}). */
    default void unwatch(String room) {
    }

    /**
     * Sets who is told of a room whose messages this server may have missed (its subscription just
     * started, or a message was dropped): the live layer reads the room from the store again.
     * Called once, at start.
     */
    default void onMissed(Consumer<String> room) {
    }

    /** Stops delivering; messages published later are dropped. */
    @Override
    default void close() {
    }
}
