package dev.onlinenow.live;

/**
 * Decides who may join which room. Configure one with the {@code authorizer} setting (a class
 * with a public constructor taking nothing or the {@code ServletContext}) or
 * {@link LivePresence.Builder#authorizer(RoomAuthorizer)}. The default allows every room.
 *
 * <p>Called on the container's WebSocket thread for each {@code join}; keep it fast (no remote
 * calls per join, or cache their answers). A refusal is answered with an {@code error} whose
 * code is {@code forbidden}; the connection stays open. An exception counts as a refusal.
 */
@FunctionalInterface
public interface RoomAuthorizer {

    /** Lets everybody into every room. */
    RoomAuthorizer ALLOW_ALL = (userId, room) -> true;

    /**
     * @param userId the user's id from the handshake (a guest id starts with {@link dev.onlinenow.OnlineNow#GUEST_PREFIX})
     * @param room   the room asked for, as the client sent it
     * @return true if the user may enter
     */
    boolean mayJoin(String userId, String room);
}
