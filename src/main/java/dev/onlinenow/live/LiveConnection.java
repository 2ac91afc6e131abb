package dev.onlinenow.live;

import jakarta.websocket.Session;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/** One open socket: who it belongs to, its rooms, its writer and its rate limits. */
final class LiveConnection {

    final String id;
    final String userId;
    final String name;
    final boolean guest;
    final String sessionKey;
    final Session session;
    final Set<String> rooms = ConcurrentHashMap.newKeySet();
    final TokenBucket messages;
    final TokenBucket cursors;
    /* refused messages drain this one; empty means a sustained flood, which closes the socket */
    final TokenBucket strikes;
    final AtomicBoolean dropped = new AtomicBoolean();
    volatile Outbox outbox;
    volatile long lastSeen;
    long lastRateError = Long.MIN_VALUE / 2;
    long lastBadFrameLog = Long.MIN_VALUE / 2;

    LiveConnection(String id, Handshake h, Session session, int messagesPerSecond, int cursorsPerSecond,
                   long now) {
        this.id = id;
        this.userId = h.userId();
        this.name = h.name();
        this.guest = h.guest();
        this.sessionKey = h.sessionKey();
        this.session = session;
        this.messages = new TokenBucket(messagesPerSecond, messagesPerSecond, now);
        this.cursors = new TokenBucket(cursorsPerSecond, cursorsPerSecond, now);
        this.strikes = new TokenBucket(2.0 * messagesPerSecond, messagesPerSecond, now);
        this.lastSeen = now;
    }

    boolean send(String text) {
        Outbox o = outbox;
        return o != null && o.offer(text);
    }

    @Override
    public String toString() {
        return "connection " + id + " of " + userId;
    }
}
