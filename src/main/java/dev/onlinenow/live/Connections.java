package dev.onlinenow.live;

import dev.onlinenow.internal.StatsRecorder;
import dev.onlinenow.OnlineNowSettings;
import dev.onlinenow.OnlineNowStats;
import dev.onlinenow.Ticker;
import dev.onlinenow.internal.RateLimitedLog;
import jakarta.websocket.CloseReason;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.Session;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * This server's open sockets: registering them (with the per-user and per-server limits), their
 * heartbeats, keeping their HttpSessions alive while the user is active, and dropping them.
 * Dropping takes a connection out of its rooms through {@link RoomOps}, which does it on the
 * rooms' own threads; closing the socket, which may wait for the network, runs on its own threads.
 */
final class Connections {

    private static final System.Logger LOG = System.getLogger(Connections.class.getName());
    /** How often an active connection's HttpSession is kept alive. */
    static final long KEEP_ALIVE_NANOS = TimeUnit.MINUTES.toNanos(1);

    /*
     * Tomcat writes a close frame whose code is not 1000 with a 50 ms timeout (this user property,
     * read when it closes), and past it drops the connection without the frame: on a busy server a
     * browser whose session ended then sees 1006, not 1008 "session ended", and reconnects instead
     * of stopping. (Seen in a Spring Boot test beside two busy loops.) Our closes run on the closer
     * threads, and Tomcat's own close at the end of an HTTP session runs on the request that ended
     * it, so a healthy socket gets its frame with time to spare. A socket that is not read is
     * closed with the container's short default (see closeNow): there, nobody would read the frame.
     */
    static final String TOMCAT_CLOSE_SEND_TIMEOUT = "org.apache.tomcat.websocket.ABNORMAL_SESSION_CLOSE_SEND_TIMEOUT";
    static final long CLOSE_SEND_TIMEOUT_MILLIS = 2_000;
    static final long UNREAD_CLOSE_SEND_TIMEOUT_MILLIS = 50;

    private final OnlineNowSettings settings;
    private final Ticker ticker;
    private final Clock clock;
    private final String nodeId;
    private final RoomOps rooms;
    private final Executor senders;
    private final Executor closer;
    private final RateLimitedLog warnings;
    private final StatsRecorder stats;
    private final AtomicLong seq = new AtomicLong();
    private final AtomicInteger open = new AtomicInteger();
    /* by user, by HttpSession (its guard's key) */
    private final ConcurrentHashMap<String, Set<LiveConnection>> byUser = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Set<LiveConnection>> bySession = new ConcurrentHashMap<>();
    private volatile BiConsumer<LiveConnection, String> inbound = (c, text) -> { };
    private volatile boolean closed;

    Connections(OnlineNowSettings settings, String nodeId, RoomOps rooms, Executor senders, Executor closer,
                RateLimitedLog warnings, StatsRecorder stats) {
        this.stats = stats;
        this.settings = settings;
        this.ticker = settings.ticker();
        this.clock = settings.clock();
        this.nodeId = nodeId;
        this.rooms = rooms;
        this.senders = senders;
        this.closer = closer;
        this.warnings = warnings;
    }

    /** What else to do when a connection closes (set once, before the first socket opens). */
    void onForget(java.util.function.Consumer<LiveConnection> listener) {
        this.forgotten = listener;
    }

    private volatile java.util.function.Consumer<LiveConnection> forgotten = c -> { };

    /** Where each text frame goes (set once, before the first socket opens). */
    void inbound(BiConsumer<LiveConnection, String> handler) {
        this.inbound = handler;
    }

    /** A socket opened; refuses it (1008) if the handshake said so or a limit is reached. */
    void opened(Session session, Handshake h) {
        if (h == null) {
            h = Handshake.refused("no identity");
        }
        if (h.refusal() != null || closed) {
            closeNow(session, CloseReason.CloseCodes.VIOLATED_POLICY, closed ? "server stopping" : h.refusal());
            return;
        }
        if (open.incrementAndGet() > settings.maxConnections()) {
            open.decrementAndGet();
            stats.dropped(OnlineNowStats.DropReason.LIMITS);
            warnings.warn(OnlineNowSettings.MAX_CONNECTIONS, () -> "online-now: this server holds "
                    + settings.maxConnections() + " live connections (" + OnlineNowSettings.MAX_CONNECTIONS
                    + "); new ones are closed with 1008 \"" + LivePresence.SERVER_FULL + "\"", null);
            closeNow(session, CloseReason.CloseCodes.VIOLATED_POLICY, LivePresence.SERVER_FULL);
            return;
        }
        long now = ticker.nanos();
        LiveConnection c = new LiveConnection(nodeId + "/" + seq.incrementAndGet(), h, session,
                settings.maxMessagesPerSecond(), settings.maxCursorsPerSecond(), now);
        Set<LiveConnection> mine = byUser.compute(h.userId(), (k, set) -> {
            Set<LiveConnection> s = set == null ? ConcurrentHashMap.newKeySet(2) : set;
            if (s.size() < settings.maxConnectionsPerUser()) {
                s.add(c);
            }
            return s;
        });
        if (!mine.contains(c)) {
            open.decrementAndGet();
            stats.dropped(OnlineNowStats.DropReason.LIMITS);
            closeNow(session, CloseReason.CloseCodes.VIOLATED_POLICY, "too many connections");
            return;
        }
        if (c.sessionKey != null) {
            bySession.computeIfAbsent(c.sessionKey, k -> ConcurrentHashMap.newKeySet(2)).add(c);
            if (c.dropped.get()) {
                // dropped (session ended) while we registered: forget() may have missed this entry
                removeFrom(bySession, c.sessionKey, c);
            }
        }
        session.getUserProperties().put(LiveConnection.class.getName(), c);
        if (!h.sessionValid()) {
            // the session ended between the handshake and now: its guard found nothing to close
            drop(c, CloseReason.CloseCodes.VIOLATED_POLICY, LivePresence.SESSION_ENDED);
            return;
        }
        boolean tyrus = session.getClass().getName().startsWith("org.glassfish.tyrus.");
        // small container buffers on every socket; TextFrames enforces maxFrameBytes. Tyrus (GlassFish)
        // does not hand a message over in parts as it should, nor limit a one-frame message: there
        // the buffer is the limit and the whole-message handler checks each message itself
        session.setMaxTextMessageBufferSize(tyrus ? settings.maxFrameBytes() : TextFrames.CONTAINER_BUFFER_CHARS);
        session.setMaxBinaryMessageBufferSize(TextFrames.CONTAINER_BUFFER_CHARS);
        // a wall-clock backstop; the heartbeat check on the ticker normally acts first. Not on Tyrus:
        // its session runs an idle task from the start, and a timeout set while that task runs closes
        // the new socket at once (seen as sockets closed right after they opened); the heartbeat
        // sweep is the check there
        if (!tyrus) {
            session.setMaxIdleTimeout(2 * settings.heartbeatTimeout().toMillis());
        }
        session.getUserProperties().put(TOMCAT_CLOSE_SEND_TIMEOUT, CLOSE_SEND_TIMEOUT_MILLIS);
        c.outbox = new Outbox(
                Outbox.sender(session.getAsyncRemote()),
                senders,
                settings.sendQueueSize(),
                settings.sendQueueBytes(),
                () -> {
                    LOG.log(Level.INFO, "online-now: closing " + c + ": it reads too slowly (over "
                            + settings.sendQueueSize() + " frames or " + settings.sendQueueBytes() + " characters queued)");
                    stats.dropped(OnlineNowStats.DropReason.TOO_SLOW);
                    drop(c, CloseReason.CloseCodes.VIOLATED_POLICY, LivePresence.TOO_SLOW);
                },
                failure -> {
                    // one line, no stack trace: a peer that went away is not a server event
                    LOG.log(Level.DEBUG, () -> "online-now: sending to " + c + " failed: " + failure);
                    drop(c, CloseReason.CloseCodes.GOING_AWAY, "send failed");
                });
        if (session.isOpen() && !c.dropped.get()) {
            BiConsumer<LiveConnection, String> handler = inbound;
            Runnable tooBig = () -> {
                stats.dropped(OnlineNowStats.DropReason.BAD_FRAMES);
                drop(c, CloseReason.CloseCodes.TOO_BIG, "frame over maxFrameBytes");
            };
            if (tyrus) {
                int max = settings.maxFrameBytes();
                session.addMessageHandler(String.class, (MessageHandler.Whole<String>) text -> {
                    if (TextFrames.utf8Length(text, max + 1) > max) {
                        tooBig.run();
                    } else {
                        handler.accept(c, text);
                    }
                });
            } else {
                session.addMessageHandler(String.class, new TextFrames(settings.maxFrameBytes(),
                        text -> handler.accept(c, text), tooBig));
            }
            session.addMessageHandler(ByteBuffer.class, (MessageHandler.Partial<ByteBuffer>) (data, last) -> {
                stats.dropped(OnlineNowStats.DropReason.BAD_FRAMES);
                drop(c, CloseReason.CloseCodes.CANNOT_ACCEPT, "binary frames are not supported");
            });
        }
        if (closed) {
            drop(c, CloseReason.CloseCodes.GOING_AWAY, "server stopping");
        }
    }

    /** The socket closed (by the client, the container, or us). */
    void closedByContainer(Session session, CloseReason reason) {
        Object o = session.getUserProperties().get(LiveConnection.class.getName());
        if (o instanceof LiveConnection) {
            LiveConnection c = (LiveConnection) o;
            if (reason != null && reason.getCloseCode().getCode() == CloseReason.CloseCodes.TOO_BIG.getCode()
                    && !c.dropped.get()) {
                stats.dropped(OnlineNowStats.DropReason.BAD_FRAMES); // the container closed a frame over maxFrameBytes
            }
            forget(c, OnlineNowStats.LeaveReason.CLOSED);
        }
    }

    /** Closes a socket with a code, and takes it out of every room. Never waits, never throws. */
    void drop(LiveConnection c, CloseReason.CloseCode code, String reason) {
        if (forget(c, leaveReason(reason))) {
            try {
                // closing may wait for the socket; never on the caller's (often a shared) thread
                closer.execute(() -> closeNow(c.session, code, reason));
            } catch (RejectedExecutionException stopping) {
                closeNow(c.session, code, reason);
            }
        }
    }

    /** The leave reason of a connection closed with this close reason. */
    private static OnlineNowStats.LeaveReason leaveReason(String closeReason) {
        return LivePresence.HEARTBEAT_TIMEOUT.equals(closeReason) ? OnlineNowStats.LeaveReason.HEARTBEAT_TIMEOUT
                : LivePresence.SESSION_ENDED.equals(closeReason) ? OnlineNowStats.LeaveReason.SESSION_ENDED
                : OnlineNowStats.LeaveReason.CLOSED;
    }

    /** Takes a connection out of everything; true the first time. */
    private boolean forget(LiveConnection c, OnlineNowStats.LeaveReason reason) {
        if (!c.dropped.compareAndSet(false, true)) {
            return false;
        }
        Outbox o = c.outbox;
        if (o != null) {
            o.close();
        }
        for (String room : new ArrayList<>(c.rooms)) {
            rooms.leave(c, room, reason);
        }
        removeFrom(byUser, c.userId, c);
        if (c.sessionKey != null) {
            removeFrom(bySession, c.sessionKey, c);
        }
        forgotten.accept(c);
        open.decrementAndGet();
        return true;
    }

    private static void removeFrom(ConcurrentHashMap<String, Set<LiveConnection>> map, String key, LiveConnection c) {
        map.computeIfPresent(key, (k, set) -> {
            set.remove(c);
            return set.isEmpty() ? null : set;
        });
    }

    static void closeNow(Session session, CloseReason.CloseCode code, String reason) {
        try {
            if (session.isOpen()) {
                if (LivePresence.TOO_SLOW.equals(reason) || LivePresence.HEARTBEAT_TIMEOUT.equals(reason)) {
                    // it does not read (or is gone): do not hold a closer thread for its frame
                    session.getUserProperties().put(TOMCAT_CLOSE_SEND_TIMEOUT, UNREAD_CLOSE_SEND_TIMEOUT_MILLIS);
                }
                session.close(new CloseReason(code, reason));
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.DEBUG, () -> "online-now: closing a socket failed: " + e);
        }
    }

    /**
     * Drops sockets silent for {@code heartbeatTimeout} (on the ticker, so a step of the wall
     * clock drops nobody), and keeps the HttpSession of every connection whose user is active.
     */
    void sweep() {
        long now = ticker.nanos();
        long timeout = settings.heartbeatTimeout().toNanos();
        List<LiveConnection> silent = new ArrayList<>();
        for (Set<LiveConnection> set : byUser.values()) {
            for (LiveConnection c : set) {
                if (now - c.lastSeenNanos >= timeout) {
                    silent.add(c);
                } else if (c.http != null && now - c.keptAliveNanos >= KEEP_ALIVE_NANOS) {
                    keepAlive(c, now);
                }
            }
        }
        for (LiveConnection c : silent) {
            LOG.log(Level.DEBUG, () -> "online-now: dropping " + c + ": no message for " + settings.heartbeatTimeout());
            drop(c, CloseReason.CloseCodes.GOING_AWAY, LivePresence.HEARTBEAT_TIMEOUT);
        }
    }

    /*
     * A user drawing for 30 minutes makes no HTTP request, so the container would end their
     * session (and with it their identity and this socket) at its timeout. While they act on the
     * socket (any frame but a ping: an open tab that only pings is not a user), the session's
     * timeout is stretched so that it ends maxInactiveInterval after their last action here or
     * their last request, whichever is later. That uses only the Servlet API, so it works in every
     * container; see SessionGuard#keepAlive.
     */
    private void keepAlive(LiveConnection c, long now) {
        c.keptAliveNanos = now;
        if (now - c.lastActiveNanos >= KEEP_ALIVE_NANOS) {
            return; // only pings lately: let the session run out as it would
        }
        try {
            SessionGuard.keepAlive(c.http, clock.millis());
        } catch (IllegalStateException invalidated) {
            drop(c, CloseReason.CloseCodes.VIOLATED_POLICY, LivePresence.SESSION_ENDED);
        }
    }

    /** The HttpSession behind some sockets ended: close them (1008, "session ended"). */
    void sessionEnded(String sessionKey) {
        dropAll(bySession.get(sessionKey), false);
    }

    /** The session's user signed out (or became someone else) without the session ending. */
    void identityEnded(String sessionKey) {
        dropAll(bySession.get(sessionKey), true);
    }

    /** The user signed out everywhere. */
    void loggedOut(String userId) {
        if (!closed) {
            dropAll(byUser.get(userId), true);
        }
    }

    private void dropAll(Set<LiveConnection> set, boolean signedInOnly) {
        if (set != null) {
            for (LiveConnection c : new ArrayList<>(set)) {
                if (!signedInOnly || !c.guest) {
                    drop(c, CloseReason.CloseCodes.VIOLATED_POLICY, LivePresence.SESSION_ENDED);
                }
            }
        }
    }

    int open() {
        return open.get();
    }

    int connectionsOf(String userId) {
        Set<LiveConnection> s = byUser.get(userId);
        return s == null ? 0 : s.size();
    }

    /** Frames waiting in the user's connections' outboxes (for tests). */
    int queuedFor(String userId) {
        Set<LiveConnection> s = byUser.get(userId);
        int n = 0;
        if (s != null) {
            for (LiveConnection c : s) {
                Outbox o = c.outbox;
                n += o == null ? 0 : o.queued();
            }
        }
        return n;
    }

    /** Closes every socket (1001, going away). */
    void closeAll() {
        closed = true;
        List<LiveConnection> all = new ArrayList<>();
        byUser.values().forEach(all::addAll);
        for (LiveConnection c : all) {
            drop(c, CloseReason.CloseCodes.GOING_AWAY, "server stopping");
        }
    }
}
