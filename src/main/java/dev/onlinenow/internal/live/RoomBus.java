package dev.onlinenow.internal.live;

import dev.onlinenow.live.RoomMessage;
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

    /** Stops delivering; messages published later are dropped. */
    @Override
    default void close() {
    }
}
