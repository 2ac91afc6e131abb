package dev.onlinenow.live;

/**
 * Told when a user enters a room (their first connection) or leaves it (their last connection
 * closed, left, or timed out). Called on the node that handled the connection, on a container
 * or scheduler thread: return quickly and do not block.
 */
@FunctionalInterface
public interface PresenceListener {

    void presenceChanged(String room, Presence presence);
}
