package dev.onlinenow;

import java.util.Map;

/**
 * The JMX view of one web app's online-now, registered in the platform MBeanServer as
 * {@code dev.onlinenow:type=OnlineNow,context=CONTEXT_PATH} while the app runs (see README,
 * "Monitoring"). Every attribute is read-only and cheap to read.
 */
public interface OnlineNowMBean {

    /** The web app's context path ({@code /} for the root context). */
    String getContextPath();

    /** Users online within {@code threshold} (what {@code onlineNowCount} shows). */
    long getOnlineCount();

    /** Guests online (0 unless {@code trackAnonymous}). */
    long getGuestCount();

    /** Open live sockets on this server (0 without the live layer). */
    int getLiveConnections();

    /** Rooms with at least one member on this server (0 without the live layer). */
    int getLiveRooms();

    /** {@code true} unless the store (Redis) is down and this server counts alone. */
    boolean isStoreHealthy();

    /** The store in use: {@code ehcache} or {@code redis}. */
    String getStore();

    /** Since when the store is down (ISO-8601), or null while it is up. */
    String getStoreDownSince();

    /** Why the store is down, or null while it is up. */
    String getStoreDownCause();

    /** Servers of this web app alive as far as this one knows; -1 when not measured (see README). */
    int getNodesAlive();

    /** Users who entered a room (first connection to it) since start. */
    long getJoins();

    /** Users who left a room since start, for every reason. */
    long getLeaves();

    /** Leaves by reason ({@code closed}, {@code heartbeat_timeout}, {@code session_ended}, {@code node_down}). */
    Map<String, Long> getLeavesByReason();

    /** Connections the server closed on its own since start, for every reason. */
    long getConnectionsDropped();

    /** Drops by reason ({@code too_slow}, {@code rate_limited}, {@code bad_frames}, {@code limits}). */
    Map<String, Long> getConnectionsDroppedByReason();

    /** Client frames refused with an {@code error} since start. */
    long getFramesRefused();

    /** Refused frames by error code. */
    Map<String, Long> getFramesRefusedByCode();

    /** Redis commands that failed since start. */
    long getRedisFailures();

    /**
     * Room messages received from Redis pub/sub since start, by kind ({@code hosted}: for a room
     * with someone here; {@code not_hosted}: for a room with nobody here, near 0; {@code own}: this
     * server's own, skipped unread); empty without Redis.
     */
    Map<String, Long> getPubSubReceivedByKind();

    /** Room messages from Redis pub/sub dropped since start because the room's delivery queue was full. */
    long getPubSubDropped();
}
