package dev.onlinenow.live;

import jakarta.servlet.http.HttpSession;
import jakarta.websocket.Session;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One open socket: who it belongs to, its rooms, its writer and its rate limits. Times are on the
 * live layer's monotonic ticker.
 */
final class LiveConnection {

    final String id;
    final String userId;
    final String name;
    final boolean guest;
    final String sessionKey;
    final Session session;
    /** The HttpSession of the handshake, kept alive while the user is active here (null without one). */
    final HttpSession http;
    /** Whether this user may see hidden users in the {@code online} frame (decided at the handshake). */
    final boolean seesHidden;
    /** The rooms this connection is in or joining; written by its own socket thread and its rooms' shards. */
    final Set<String> rooms = ConcurrentHashMap.newKeySet(4);
    final TokenBucket messages;
    final TokenBucket cursors;
    /* refused messages drain this one; empty means a sustained flood, which closes the socket */
    final TokenBucket strikes;
    final AtomicBoolean dropped = new AtomicBoolean();
    volatile Outbox outbox;
    /** Last frame of any kind, pings included (the heartbeat). */
    volatile long lastSeenNanos;
    /** Last frame that was the user's doing (not a ping): what keeps their HttpSession alive. */
    volatile long lastActiveNanos;
    /** When the HttpSession was last kept alive for this connection (the sweep's thread only). */
    long keptAliveNanos;
    /** When this connection was last told it is rate limited (its socket thread only). */
    long lastRateErrorMillis = Long.MIN_VALUE / 2;
    /** When a bad frame of this connection was last logged (its socket thread only). */
    long lastBadFrameLogMillis = Long.MIN_VALUE / 2;

    LiveConnection(String id, Handshake h, Session session, int messagesPerSecond, int cursorsPerSecond,
                   long nowNanos) {
        this.id = id;
        this.userId = h.userId();
        this.name = h.name();
        this.guest = h.guest();
        this.sessionKey = h.sessionKey();
        this.http = h.http();
        this.seesHidden = h.seesHidden();
        this.session = session;
        long nowMillis = nowNanos / 1_000_000;
        this.messages = new TokenBucket(messagesPerSecond, messagesPerSecond, nowMillis);
        this.cursors = new TokenBucket(cursorsPerSecond, cursorsPerSecond, nowMillis);
        this.strikes = new TokenBucket(2.0 * messagesPerSecond, messagesPerSecond, nowMillis);
        this.lastSeenNanos = nowNanos;
        this.lastActiveNanos = nowNanos;
        this.keptAliveNanos = nowNanos;
    }

    boolean send(String text) {
        Outbox o = outbox;
        return o != null && o.offer(text);
    }

    /** Queues a room's {@code cursors} frame, or merges it into the one still waiting (see {@link Outbox#offerCursors}). */
    Outbox.Offered sendCursors(String room, CursorFrame frame, String text) {
        Outbox o = outbox;
        return o == null ? Outbox.Offered.REFUSED : o.offerCursors(room, frame, text, userId);
    }

    @Override
    public String toString() {
        return "connection " + id + " of " + userId;
    }
}
