package dev.onlinenow.live;

import dev.onlinenow.OnlineNow;
import dev.onlinenow.OnlineNowSettings;
import jakarta.json.JsonArray;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.servlet.ServletContext;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Session;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Live presence and cursors of one web app: who is in which room right now, with the server-side
 * API that servlets and JSPs use, and the engine behind the WebSocket endpoint.
 *
 * <p>Started by {@link OnlineNowLive} (one line in web.xml) and reached with
 * {@link #get(ServletContext)}:
 *
 * <pre>{@code
 * LivePresence live = LivePresence.get(getServletContext());
 * int n = live.count("doc-42");
 * live.broadcast("doc-42", "saved", Map.of("by", "alice", "version", 7));
 * live.onJoin((room, p) -> log.info(p.getName() + " opened " + room));
 * }</pre>
 *
 * <p>Thread-safe. Rooms live in a {@link RoomState} and messages travel on a {@link RoomBus}
 * (both from a {@link LiveBackend}; in-process unless {@code store=redis}); the sockets of this
 * node stay here.
 */
public final class LivePresence implements AutoCloseable {

    /** The ServletContext attribute holding the web app's instance. */
    public static final String CONTEXT_ATTRIBUTE = LivePresence.class.getName();

    /** Close code for a client whose send queue overflowed; reason {@value #TOO_SLOW}. */
    static final String TOO_SLOW = "too slow";
    static final String HEARTBEAT_TIMEOUT = "heartbeat timeout";
    static final String SESSION_ENDED = "session ended";

    private static final System.Logger LOG = System.getLogger(LivePresence.class.getName());
    private static final long SWEEP_MILLIS = 1000;
    private static final long STORE_SWEEP_MILLIS = 15_000;
    private static final int LOCK_STRIPES = 64;

    private final OnlineNow online;
    private final OnlineNowSettings settings;
    private final Clock clock;
    private final LiveBackend backend;
    private final RoomState state;
    private final RoomBus bus;
    private final RoomAuthorizer authorizer;
    private final String nodeId;
    private final AtomicLong connectionSeq = new AtomicLong();

    /* this node's sockets: by room, by user, by HttpSession (its guard's key) */
    private final ConcurrentHashMap<String, Set<LiveConnection>> localRooms = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Set<LiveConnection>> byUser = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Set<LiveConnection>> bySession = new ConcurrentHashMap<>();
    private final AtomicInteger open = new AtomicInteger();

    /* Room operations (state change + publish + local delivery) run under the room's stripe, so a
     * joining socket's `state` and the diffs others publish are ordered the same for everybody. */
    private final Object[] locks = new Object[LOCK_STRIPES];

    private final CursorCoalescer coalescer = new CursorCoalescer();
    private final List<PresenceListener> joinListeners = new CopyOnWriteArrayList<>();
    private final List<PresenceListener> leaveListeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService scheduler;
    private final ExecutorService closer;
    private final ExecutorService senders;
    private final AtomicLong framesSent = new AtomicLong();
    private final FrameDecoder decoder;
    private volatile long lastStoreSweep;
    private volatile boolean closed;

    private LivePresence(Builder b) {
        this.online = b.online;
        this.settings = online.settings();
        this.clock = settings.clock();
        this.backend = b.backend != null ? b.backend : LiveBackend.forSettings(settings);
        this.state = backend.state();
        this.bus = backend.bus();
        this.nodeId = backend.nodeId();
        this.authorizer = b.authorizer != null ? b.authorizer
                : settings.authorizer() == null ? RoomAuthorizer.ALLOW_ALL
                : OnlineNow.instantiate(settings.authorizer(), OnlineNowSettings.AUTHORIZER, RoomAuthorizer.class,
                        b.context);
        for (int i = 0; i < locks.length; i++) {
            locks[i] = new Object();
        }
        this.lastStoreSweep = clock.millis();
        this.decoder = new FrameDecoder(settings.maxMetaBytes());
        bus.subscribe(this::deliver);
        online.addLogoutListener(this::loggedOut);

        ThreadPoolExecutor c = new ThreadPoolExecutor(4, 4, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                daemon("online-now-live-close"));
        c.allowCoreThreadTimeOut(true);
        this.closer = c;
        /* Writes run here, never on the thread that queued them (see Outbox). An async send may
         * still wait for the socket a little (Tomcat's NIO writes the first bytes before it
         * returns), so there are a few more threads than cores: one full socket must not hold up
         * the others. */
        int n = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
        this.senders = new ThreadPoolExecutor(n, n, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                daemon("online-now-live-send"));
        if (b.autoTick) {
            ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1, daemon("online-now-live"));
            s.setRemoveOnCancelPolicy(true);
            long tick = settings.cursorTick().toMillis();
            s.scheduleAtFixedRate(guarded(this::flushCursors), tick, tick, TimeUnit.MILLISECONDS);
            s.scheduleWithFixedDelay(guarded(this::sweep), SWEEP_MILLIS, SWEEP_MILLIS, TimeUnit.MILLISECONDS);
            this.scheduler = s;
        } else {
            this.scheduler = null;
        }
    }

    /** A builder for a live layer over {@code online} (its settings, clock, resolver and id source). */
    public static Builder builder(OnlineNow online) {
        return new Builder(online);
    }

    /** The web app's instance, or null if {@link OnlineNowLive} did not start one. */
    public static LivePresence get(ServletContext context) {
        Object o = context.getAttribute(CONTEXT_ATTRIBUTE);
        return o instanceof LivePresence ? (LivePresence) o : null;
    }

    /**
     * Makes {@code live} the web app's instance; {@link OnlineNowLive} then uses it instead of
     * starting its own (for apps that build it in code, and for tests).
     *
     * @throws IllegalStateException if the web app already has another one
     */
    public static void install(ServletContext context, LivePresence live) {
        synchronized (context) {
            LivePresence existing = get(context);
            if (existing != null && existing != live) {
                throw new IllegalStateException("online-now: this web app already has a LivePresence; install yours "
                        + "before OnlineNowLive starts, or use LivePresence.get()");
            }
            context.setAttribute(CONTEXT_ATTRIBUTE, live);
        }
    }

    /** Removes the instance from the web app. */
    public static void uninstall(ServletContext context, LivePresence live) {
        synchronized (context) {
            if (get(context) == live) {
                context.removeAttribute(CONTEXT_ATTRIBUTE);
            }
        }
    }

    // --- the server-side API -----------------------------------------------------------------

    /** The presences in a room, in the order they joined. */
    public List<Presence> list(String room) {
        return state.presences(room);
    }

    /** How many users (not connections) are in a room. */
    public int count(String room) {
        return state.presences(room).size();
    }

    /** The rooms with at least one user. */
    public Set<String> rooms() {
        return state.rooms();
    }

    /** The user's presence in the room, or null. */
    public Presence presence(String room, String userId) {
        return state.presence(room, userId);
    }

    /**
     * Sends {@code {"type":"event","room":room,"event":event,"payload":payload}} to every
     * connection in the room, on every node.
     *
     * @throws IllegalArgumentException for a bad room or event name
     */
    public void broadcast(String room, String event, JsonValue payload) {
        checkRoom(room);
        if (!Protocol.validEvent(event)) {
            throw new IllegalArgumentException("online-now: bad event name \"" + event + "\"; expected 1 to "
                    + Protocol.MAX_EVENT_LENGTH + " characters of valid Unicode without control characters");
        }
        if (payload != null && !FrameDecoder.allValidUnicode(payload)) {
            throw new IllegalArgumentException("online-now: the payload of event \"" + event
                    + "\" holds a string that is not valid Unicode (a lone surrogate); it could not be sent");
        }
        JsonObject frame = Protocol.event(room, event, payload == null ? JsonValue.NULL : payload);
        synchronized (lock(room)) {
            bus.publish(new RoomMessage(RoomMessage.Kind.EVENT, room, frame, null, null));
        }
    }

    /**
     * Like {@link #broadcast(String, String, JsonValue)} with a map turned into a JSON object
     * (values: strings, numbers, booleans, null, JSON-P values, collections and maps of those).
     */
    public void broadcast(String room, String event, Map<String, ?> payload) {
        JsonValue json;
        try {
            json = payload == null ? JsonValue.NULL : Protocol.PROVIDER.createObjectBuilder(payload).build();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("online-now: the payload of event \"" + event
                    + "\" cannot be turned into JSON: " + e.getMessage(), e);
        }
        broadcast(room, event, json);
    }

    /** Calls {@code listener} when a user enters a room (their first connection, on this node). */
    public void onJoin(PresenceListener listener) {
        joinListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Calls {@code listener} when a user leaves a room (last connection gone, or timed out). */
    public void onLeave(PresenceListener listener) {
        leaveListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** The cursors in a room, as last stored (moves of the current tick are not in yet). */
    public List<Cursor> cursors(String room) {
        return state.cursors(room);
    }

    /**
     * Places a cursor for {@code id} in the room (a bot, a replay); it goes out with the next
     * tick's {@code cursors} frame to everybody in the room but {@code id} and expires like any
     * cursor after {@code cursorTimeout} without moves.
     *
     * @throws IllegalArgumentException for a bad room, or a coordinate that is not finite or
     *                                  beyond ±1e6
     */
    public void setCursor(String room, String id, double x, double y) {
        checkRoom(room);
        Objects.requireNonNull(id, "id");
        if (!Cursor.validCoordinate(x) || !Cursor.validCoordinate(y)) {
            throw new IllegalArgumentException("online-now: bad cursor position " + x + "," + y
                    + "; coordinates must be finite and within ±1e6");
        }
        coalescer.move(room, id, x, y, clock.millis(), false);
    }

    /** Removes a cursor; the room's members get an entry {@code {"id":id,"gone":true}}. */
    public void removeCursor(String room, String id) {
        checkRoom(room);
        synchronized (lock(room)) {
            state.removeCursor(room, id);
            coalescer.gone(room, id); // replaces any move still pending for this id
        }
    }

    /** Open connections on this node. */
    public int connections() {
        return open.get();
    }

    /** The settings in use. */
    public OnlineNowSettings settings() {
        return settings;
    }

    /** The backend holding the rooms. */
    public LiveBackend backend() {
        return backend;
    }

    /** Frames handed to sockets since start (for monitoring and benchmarks). */
    public long framesSent() {
        return framesSent.get();
    }

    /** Closes every socket (1001, going away) and stops the timers. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
        List<LiveConnection> all = new ArrayList<>();
        byUser.values().forEach(all::addAll);
        for (LiveConnection c : all) {
            drop(c, CloseReason.CloseCodes.GOING_AWAY, "server stopping");
        }
        closer.shutdown();
        senders.shutdown();
        try {
            closer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        backend.close();
    }

    public boolean isClosed() {
        return closed;
    }

    // --- timers (package-private so tests drive them with a fake clock) ----------------------

    /** One cursor tick and one sweep, now. */
    void tick() {
        sweep();
        flushCursors();
    }

    /** Sends each room's coalesced cursor changes as one frame. */
    void flushCursors() {
        Map<String, List<CursorCoalescer.Entry>> drained = coalescer.drain();
        for (Map.Entry<String, List<CursorCoalescer.Entry>> e : drained.entrySet()) {
            String room = e.getKey();
            synchronized (lock(room)) {
                List<CursorCoalescer.Entry> out = new ArrayList<>(e.getValue().size());
                for (CursorCoalescer.Entry c : e.getValue()) {
                    if (!c.gone()) {
                        if (c.fromClient() && !inRoomHere(room, c.id())) {
                            continue; // the mover left after moving
                        }
                        state.putCursor(room, new Cursor(c.id(), c.x(), c.y(), c.movedAt()));
                    }
                    out.add(c);
                }
                if (!out.isEmpty()) {
                    bus.publish(new RoomMessage(RoomMessage.Kind.CURSORS, room, Protocol.cursors(room, out), null,
                            null));
                }
            }
        }
    }

    /**
     * Whether {@code userId} has a connection to this server in {@code room}. A move from a
     * client came from one of them; asking the room's state instead would be a Redis round trip
     * per moved cursor per tick in Redis mode, for a question this server can answer.
     */
    private boolean inRoomHere(String room, String userId) {
        Set<LiveConnection> connections = byUser.get(userId);
        if (connections != null) {
            for (LiveConnection c : connections) {
                if (c.rooms.contains(room)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Drops silent sockets, expires cursors, and sweeps the presence store now and then. */
    void sweep() {
        long now = clock.millis();
        long silentSince = now - settings.heartbeatTimeout().toMillis();
        List<LiveConnection> silent = new ArrayList<>();
        for (Set<LiveConnection> set : byUser.values()) {
            for (LiveConnection c : set) {
                if (c.lastSeen <= silentSince) {
                    silent.add(c);
                }
            }
        }
        for (LiveConnection c : silent) {
            LOG.log(Level.DEBUG, () -> "online-now: dropping " + c + ": no message for " + settings.heartbeatTimeout());
            drop(c, CloseReason.CloseCodes.GOING_AWAY, HEARTBEAT_TIMEOUT);
        }
        Map<String, List<String>> expired = state.expireCursors(now - settings.cursorTimeout().toMillis());
        expired.forEach((room, ids) -> {
            for (String id : ids) {
                coalescer.gone(room, id);
            }
        });
        if (now - lastStoreSweep >= STORE_SWEEP_MILLIS) {
            lastStoreSweep = now;
            online.sweep();
        }
    }

    // --- the endpoint's side ------------------------------------------------------------------

    /** Decides identity and origin at the handshake; {@code requestScheme} as the container saw it (may be null). */
    Handshake handshake(Map<String, List<String>> headers, String requestScheme, java.security.Principal principal,
                        jakarta.servlet.http.HttpSession http) {
        if (closed) {
            return Handshake.refused("server stopping");
        }
        if (!OriginPolicy.of(settings).allows(headers, requestScheme)) {
            return Handshake.refused("origin not allowed");
        }
        String userId;
        try {
            userId = online.userIdSource().userId(principal, http);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "online-now: cannot read the user id at a WebSocket handshake", e);
            return Handshake.refused("no identity");
        }
        SessionGuard guard = null;
        if (http != null) {
            try {
                guard = SessionGuard.of(http);
            } catch (IllegalStateException invalidated) {
                return Handshake.refused(SESSION_ENDED);
            }
        }
        boolean guest = false;
        if (userId == null) {
            if (!settings.trackAnonymous() || guard == null) {
                return Handshake.refused("no identity");
            }
            userId = guard.guestId();
            guest = true;
        }
        String name = guest ? "Guest " + userId.substring(userId.length() - 4) : online.nameOf(userId);
        return new Handshake(userId, name, guest, guard == null ? null : guard.key(), null, http);
    }

    /** A socket opened; refuses it (1008) if the handshake said so or the user has too many. */
    void opened(Session session, Handshake h) {
        if (h == null) {
            h = Handshake.refused("no identity");
        }
        if (h.refusal() != null || closed) {
            closeNow(session, CloseReason.CloseCodes.VIOLATED_POLICY, closed ? "server stopping" : h.refusal());
            return;
        }
        long now = clock.millis();
        LiveConnection c = new LiveConnection(nodeId + "/" + connectionSeq.incrementAndGet(), h, session,
                settings.maxMessagesPerSecond(), settings.maxCursorsPerSecond(), now);
        Set<LiveConnection> mine = byUser.compute(h.userId(), (k, set) -> {
            Set<LiveConnection> s = set == null ? ConcurrentHashMap.newKeySet() : set;
            if (s.size() < settings.maxConnectionsPerUser()) {
                s.add(c);
            }
            return s;
        });
        if (!mine.contains(c)) {
            closeNow(session, CloseReason.CloseCodes.VIOLATED_POLICY, "too many connections");
            return;
        }
        open.incrementAndGet();
        if (c.sessionKey != null) {
            bySession.computeIfAbsent(c.sessionKey, k -> ConcurrentHashMap.newKeySet()).add(c);
            if (c.dropped.get()) {
                // dropped (session ended) while we registered: forget() may have missed this entry
                removeFrom(bySession, c.sessionKey, c);
            }
        }
        session.getUserProperties().put(LiveConnection.class.getName(), c);
        if (!h.sessionValid()) {
            // the session ended between the handshake and now: its guard found nothing to close
            drop(c, CloseReason.CloseCodes.VIOLATED_POLICY, SESSION_ENDED);
            return;
        }
        session.setMaxTextMessageBufferSize(settings.maxFrameBytes());
        session.setMaxBinaryMessageBufferSize(settings.maxFrameBytes());
        // a wall-clock backstop; the heartbeat check on the injected clock normally acts first
        session.setMaxIdleTimeout(2 * settings.heartbeatTimeout().toMillis());
        c.outbox = new Outbox(
                Outbox.sender(session.getAsyncRemote()),
                senders,
                settings.sendQueueSize(),
                settings.sendQueueBytes(),
                () -> {
                    LOG.log(Level.INFO, "online-now: closing " + c + ": it reads too slowly (over "
                            + settings.sendQueueSize() + " frames or " + settings.sendQueueBytes() + " characters queued)");
                    dropSoon(c, CloseReason.CloseCodes.VIOLATED_POLICY, TOO_SLOW);
                },
                failure -> {
                    // one line, no stack trace: a peer that went away is not a server event
                    LOG.log(Level.DEBUG, () -> "online-now: sending to " + c + " failed: " + failure);
                    dropSoon(c, CloseReason.CloseCodes.GOING_AWAY, "send failed");
                });
        if (session.isOpen() && !c.dropped.get()) {
            session.addMessageHandler(String.class, text -> received(c, text));
            session.addMessageHandler(java.nio.ByteBuffer.class,
                    data -> drop(c, CloseReason.CloseCodes.CANNOT_ACCEPT, "binary frames are not supported"));
        }
        if (closed) {
            drop(c, CloseReason.CloseCodes.GOING_AWAY, "server stopping");
        }
    }

    /** The socket closed (by the client, the container, or us). */
    void closedByContainer(Session session) {
        Object o = session.getUserProperties().get(LiveConnection.class.getName());
        if (o instanceof LiveConnection) {
            forget((LiveConnection) o);
        }
    }

    /** One text frame from a client. Never throws: bad input gets an {@code error} frame. */
    void received(LiveConnection c, String text) {
        if (c.dropped.get()) {
            return;
        }
        long now = clock.millis();
        c.lastSeen = now;
        try {
            handle(c, text, now);
        } catch (RuntimeException e) {
            // a bug of ours must not reach the client or other users
            logBadFrame(c, "failed to handle it", e, now);
            c.send(Protocol.error("internal", "the server could not handle this message", null));
        }
    }

    /** At most one log line per connection and minute about its bad frames, whatever it sends. */
    private static void logBadFrame(LiveConnection c, String what, RuntimeException bug, long now) {
        if (now - c.lastBadFrameLog >= 60_000) {
            c.lastBadFrameLog = now;
            LOG.log(bug == null ? Level.DEBUG : Level.WARNING, "online-now: a bad frame from " + c + " (" + what
                    + "); more from it in the next minute are not logged", bug);
        }
    }

    private void handle(LiveConnection c, String text, long now) {
        FrameDecoder.Result decoded = decoder.decode(text);
        if (decoded instanceof FrameDecoder.Refusal) {
            FrameDecoder.Refusal refusal = (FrameDecoder.Refusal) decoded;
            if (!limited(c, now)) {
                logBadFrame(c, refusal.code() + ": " + refusal.message(), null, now);
                c.send(refusal.frame());
            }
            return;
        }
        JsonObject msg = ((FrameDecoder.Message) decoded).json();
        String type = string(msg, "type");
        if (Protocol.CURSOR.equals(type)) {
            // cursors have their own, silent limit; a flood of them still counts as a flood
            if (!c.cursors.tryTake(now)) {
                if (!c.strikes.tryTake(now)) {
                    flooded(c);
                }
                return;
            }
        } else if (limited(c, now)) {
            return;
        }
        if (!c.guest) {
            online.touch(c.userId);
        }
        if (type == null) {
            c.send(Protocol.error(Protocol.BAD_MESSAGE, "a message needs a string \"type\"", null));
            return;
        }
        switch (type) {
            case Protocol.PING:
                c.send(Protocol.PONG_FRAME);
                break;
            case Protocol.JOIN:
                join(c, msg);
                break;
            case Protocol.LEAVE:
                leave(c, msg);
                break;
            case Protocol.META:
                meta(c, msg);
                break;
            case Protocol.CURSOR:
                cursor(c, msg, now);
                break;
            default:
                c.send(Protocol.error(Protocol.UNKNOWN_TYPE, "unknown message type \"" + abbreviate(type) + "\"",
                        abbreviate(type)));
        }
    }

    /** Applies the message rate limit; true if the message must be dropped. */
    private boolean limited(LiveConnection c, long now) {
        if (c.messages.tryTake(now)) {
            return false;
        }
        if (!c.strikes.tryTake(now)) {
            flooded(c);
            return true;
        }
        if (now - c.lastRateError >= 1000) {
            c.lastRateError = now;
            c.send(Protocol.error(Protocol.RATE_LIMITED, "more than " + settings.maxMessagesPerSecond()
                    + " messages a second; some were dropped", null));
        }
        return true;
    }

    private void flooded(LiveConnection c) {
        LOG.log(Level.INFO, "online-now: closing " + c + ": it keeps sending far more than "
                + settings.maxMessagesPerSecond() + " messages a second");
        drop(c, CloseReason.CloseCodes.VIOLATED_POLICY, "rate limit exceeded");
    }

    private void join(LiveConnection c, JsonObject msg) {
        String room = room(c, msg, Protocol.JOIN);
        if (room == null) {
            return;
        }
        JsonObject meta = null;
        if (msg.containsKey("meta") && msg.get("meta").getValueType() != JsonValue.ValueType.NULL) {
            meta = clientMeta(c, msg, Protocol.JOIN);
            if (meta == null) {
                return;
            }
        }
        boolean again = c.rooms.contains(room);
        if (!again && c.rooms.size() >= settings.maxRoomsPerConnection()) {
            c.send(Protocol.error(Protocol.TOO_MANY_ROOMS, "a connection may be in at most "
                    + settings.maxRoomsPerConnection() + " rooms", Protocol.JOIN, room));
            return;
        }
        if (!again && !authorized(c, room)) {
            c.send(Protocol.error(Protocol.FORBIDDEN, "you may not join this room", Protocol.JOIN, room));
            return;
        }
        Presence joined = null;
        synchronized (lock(room)) {
            if (c.dropped.get()) {
                return;
            }
            if (again) {
                if (meta != null) {
                    publishMeta(c, room, meta);
                }
            } else {
                // claim the room first, then look again: forget() sets dropped before it copies
                // c.rooms, so either it sees this room and leaves it, or we see the drop here
                c.rooms.add(room);
                if (c.dropped.get()) {
                    c.rooms.remove(room);
                    return;
                }
                // null meta: a further tab keeps the user's meta, a first one starts empty (RoomState)
                RoomState.Joined j = state.join(room, c.userId, c.name, meta, clock.millis());
                localRooms.computeIfAbsent(room, k -> ConcurrentHashMap.newKeySet()).add(c);
                if (j.first()) {
                    bus.publish(new RoomMessage(RoomMessage.Kind.JOIN, room, Protocol.join(room, j.presence()),
                            c.userId, null));
                    joined = j.presence();
                } else if (meta != null) {
                    bus.publish(new RoomMessage(RoomMessage.Kind.META, room, Protocol.meta(room, j.presence()),
                            null, c.id));
                }
            }
            c.send(Protocol.state(room, c.userId, state.presences(room), state.cursors(room),
                    settings.pingInterval().toMillis()));
        }
        if (joined != null) {
            fire(joinListeners, room, joined);
        }
    }

    private void publishMeta(LiveConnection c, String room, JsonObject meta) {
        Presence p = state.meta(room, c.userId, meta);
        if (p != null) {
            bus.publish(new RoomMessage(RoomMessage.Kind.META, room, Protocol.meta(room, p), null, c.id));
        }
    }

    private void leave(LiveConnection c, JsonObject msg) {
        String room = room(c, msg, Protocol.LEAVE);
        if (room == null) {
            return;
        }
        if (!leaveRoom(c, room)) {
            c.send(Protocol.error(Protocol.NOT_JOINED, "not in this room", Protocol.LEAVE, room));
        }
    }

    /** Takes a connection out of a room; announces the user's leave if it was their last. */
    private boolean leaveRoom(LiveConnection c, String room) {
        Presence left;
        synchronized (lock(room)) {
            if (!c.rooms.remove(room)) {
                return false;
            }
            removeFrom(localRooms, room, c);
            left = state.leave(room, c.userId);
            if (left != null) {
                coalescer.forget(room, c.userId);
                bus.publish(new RoomMessage(RoomMessage.Kind.LEAVE, room, Protocol.leave(room, c.userId), null, null));
            }
        }
        if (left != null) {
            fire(leaveListeners, room, left);
        }
        return true;
    }

    private void meta(LiveConnection c, JsonObject msg) {
        String room = room(c, msg, Protocol.META);
        if (room == null) {
            return;
        }
        if (!msg.containsKey("meta")) {
            c.send(Protocol.error(Protocol.BAD_MESSAGE, "meta needs a \"meta\" object", Protocol.META, room));
            return;
        }
        JsonObject meta = clientMeta(c, msg, Protocol.META);
        if (meta == null) {
            return;
        }
        synchronized (lock(room)) {
            if (!c.rooms.contains(room)) {
                c.send(Protocol.error(Protocol.NOT_JOINED, "join the room before setting meta", Protocol.META, room));
                return;
            }
            publishMeta(c, room, meta);
        }
    }

    private void cursor(LiveConnection c, JsonObject msg, long now) {
        String room = room(c, msg, Protocol.CURSOR);
        if (room == null) {
            return;
        }
        JsonValue x = msg.get("x");
        JsonValue y = msg.get("y");
        if (!(x instanceof JsonNumber) || !(y instanceof JsonNumber)
                || !Cursor.validCoordinate(((JsonNumber) x).doubleValue())
                || !Cursor.validCoordinate(((JsonNumber) y).doubleValue())) {
            c.send(Protocol.error(Protocol.BAD_CURSOR, "x and y must be finite numbers within ±1e6", Protocol.CURSOR, room));
            return;
        }
        if (!c.rooms.contains(room)) {
            c.send(Protocol.error(Protocol.NOT_JOINED, "join the room before moving a cursor in it", Protocol.CURSOR, room));
            return;
        }
        coalescer.move(room, c.userId, ((JsonNumber) x).doubleValue(), ((JsonNumber) y).doubleValue(), now, true);
    }

    private String room(LiveConnection c, JsonObject msg, String type) {
        String room = string(msg, "room");
        if (!Protocol.validRoom(room)) {
            c.send(Protocol.error(Protocol.BAD_MESSAGE, type + " needs a \"room\": a string of 1 to "
                    + Protocol.MAX_ROOM_LENGTH + " characters without control characters", type));
            return null;
        }
        return room;
    }

    /** The client's meta without server-set fields, or null (after an error reply) if refused. */
    private JsonObject clientMeta(LiveConnection c, JsonObject msg, String type) {
        JsonValue v = msg.get("meta");
        if (v == null || v.getValueType() != JsonValue.ValueType.OBJECT) {
            c.send(Protocol.error(Protocol.BAD_MESSAGE, "\"meta\" must be a JSON object", type));
            return null;
        }
        JsonObject meta = v.asJsonObject();
        if (Protocol.utf8Length(meta) > settings.maxMetaBytes()) {
            c.send(Protocol.error(Protocol.META_TOO_LARGE, "meta may take at most " + settings.maxMetaBytes()
                    + " bytes as JSON", type));
            return null;
        }
        boolean clean = true;
        for (String k : Protocol.SERVER_FIELDS) {
            clean &= !meta.containsKey(k);
        }
        if (clean) {
            return meta;
        }
        JsonObjectBuilder b = Protocol.JSON.createObjectBuilder();
        meta.forEach((k, val) -> {
            if (!Protocol.SERVER_FIELDS.contains(k)) {
                b.add(k, val);
            }
        });
        return b.build();
    }

    private boolean authorized(LiveConnection c, String room) {
        try {
            return authorizer.mayJoin(c.userId, room);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "online-now: the room authorizer " + authorizer.getClass().getName()
                    + " failed for " + c.userId + " in room " + room + "; refusing", e);
            return false;
        }
    }

    /** Hands a room message to this node's sockets in the room. */
    private void deliver(RoomMessage m) {
        synchronized (lock(m.room())) {
            Set<LiveConnection> members = localRooms.get(m.room());
            if (members == null || members.isEmpty()) {
                return;
            }
            CursorFrame cursors = m.kind() == RoomMessage.Kind.CURSORS ? new CursorFrame(m.room(), m.frame()) : null;
            String text = cursors != null ? cursors.without(null) : m.frame().toString(); // each entry serialized once
            Map<String, String> perUser = cursors == null ? null : new HashMap<>();
            for (LiveConnection c : members) {
                if (c.userId.equals(m.skipUser()) || c.id.equals(m.skipConnection())) {
                    continue;
                }
                String out = text;
                if (cursors != null && cursors.has(c.userId)) {
                    out = perUser.computeIfAbsent(c.userId, cursors::without);
                    if (out.isEmpty()) {
                        continue; // only their own cursor changed
                    }
                }
                if (c.send(out)) {
                    framesSent.incrementAndGet();
                }
            }
        }
    }

    /**
     * A {@code cursors} frame cut into its entries, so that each mover gets the frame without
     * their own entry by joining strings, not by building JSON per recipient: with every member
     * moving, that is one frame per member and tick.
     */
    private static final class CursorFrame {
        private final String head;
        private final String[] parts;
        private final Map<String, Integer> index;

        CursorFrame(String room, JsonObject frame) {
            JsonArray cs = frame.getJsonArray("cursors");
            this.head = "{\"type\":\"cursors\",\"room\":" + Protocol.PROVIDER.createValue(room) + ",\"cursors\":[";
            this.parts = new String[cs.size()];
            this.index = new HashMap<>(cs.size() * 2);
            for (int i = 0; i < parts.length; i++) {
                JsonObject e = cs.getJsonObject(i);
                parts[i] = e.toString();
                index.put(e.getString("id"), i);
            }
        }

        boolean has(String userId) {
            return index.containsKey(userId);
        }

        /** The frame without the user's entry (null: the whole frame); empty if nothing else is left. */
        String without(String userId) {
            int skip = userId == null ? -1 : index.get(userId);
            if (skip >= 0 && parts.length == 1) {
                return "";
            }
            int size = head.length() + 2;
            for (String p : parts) {
                size += p.length() + 1;
            }
            StringBuilder sb = new StringBuilder(size).append(head);
            boolean first = true;
            for (int i = 0; i < parts.length; i++) {
                if (i != skip) {
                    if (!first) {
                        sb.append(',');
                    }
                    sb.append(parts[i]);
                    first = false;
                }
            }
            return sb.append("]}").toString();
        }
    }

    /** Closes a socket with a code, and takes it out of every room at once. */
    void drop(LiveConnection c, CloseReason.CloseCode code, String reason) {
        if (forget(c)) {
            try {
                // closing may wait for the socket; never on the caller's (often a shared) thread
                closer.execute(() -> closeNow(c.session, code, reason));
            } catch (java.util.concurrent.RejectedExecutionException stopping) {
                closeNow(c.session, code, reason);
            }
        }
    }

    /**
     * {@link #drop} from a send's callbacks. Those run inside a delivery that holds a room's lock,
     * and drop() takes the lock of each of the connection's rooms: done inline, two deliveries
     * dropping clients of each other's rooms would wait for each other forever. The outbox has
     * closed itself already, so nothing more is queued meanwhile.
     */
    private void dropSoon(LiveConnection c, CloseReason.CloseCode code, String reason) {
        try {
            closer.execute(() -> drop(c, code, reason));
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            drop(c, code, reason); // stopping: close() forgets every connection anyway
        }
    }

    /** Takes {@code c} out of the set under {@code key}, and the set out of the map once it is empty. */
    private static void removeFrom(ConcurrentHashMap<String, Set<LiveConnection>> map, String key, LiveConnection c) {
        map.computeIfPresent(key, (k, set) -> {
            set.remove(c);
            return set.isEmpty() ? null : set;
        });
    }

    /** Takes a connection out of everything; true the first time. */
    private boolean forget(LiveConnection c) {
        if (!c.dropped.compareAndSet(false, true)) {
            return false;
        }
        Outbox o = c.outbox;
        if (o != null) {
            o.close();
        }
        for (String room : new ArrayList<>(c.rooms)) {
            leaveRoom(c, room);
        }
        removeFrom(byUser, c.userId, c);
        if (c.sessionKey != null) {
            removeFrom(bySession, c.sessionKey, c);
        }
        open.decrementAndGet();
        return true;
    }

    private static void closeNow(Session session, CloseReason.CloseCode code, String reason) {
        try {
            if (session.isOpen()) {
                session.close(new CloseReason(code, reason));
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.DEBUG, () -> "online-now: closing a socket failed: " + e);
        }
    }

    /** The HttpSession behind some sockets ended: close them (1008, "session ended"). */
    void sessionEnded(String sessionKey) {
        Set<LiveConnection> set = bySession.get(sessionKey);
        if (set != null) {
            for (LiveConnection c : new ArrayList<>(set)) {
                drop(c, CloseReason.CloseCodes.VIOLATED_POLICY, SESSION_ENDED);
            }
        }
    }

    private void loggedOut(String userId) {
        if (closed) {
            return;
        }
        Set<LiveConnection> set = byUser.get(userId);
        if (set != null) {
            for (LiveConnection c : new ArrayList<>(set)) {
                if (!c.guest) {
                    drop(c, CloseReason.CloseCodes.VIOLATED_POLICY, SESSION_ENDED);
                }
            }
        }
    }

    private void fire(List<PresenceListener> listeners, String room, Presence p) {
        for (PresenceListener l : listeners) {
            try {
                l.presenceChanged(room, p);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "online-now: a presence listener failed for " + p.getId() + " in " + room, e);
            }
        }
    }

    private Object lock(String room) {
        return locks[(room.hashCode() & 0x7fffffff) % LOCK_STRIPES];
    }

    private static void checkRoom(String room) {
        if (!Protocol.validRoom(room)) {
            throw new IllegalArgumentException("online-now: bad room name \"" + room + "\"; expected 1 to "
                    + Protocol.MAX_ROOM_LENGTH + " characters of valid Unicode without control characters");
        }
    }

    private static String string(JsonObject o, String key) {
        JsonValue v = o.get(key);
        return v instanceof JsonString ? ((JsonString) v).getString() : null;
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }

    private static Runnable guarded(Runnable r) {
        return () -> {
            try {
                r.run();
            } catch (Throwable t) {
                // a failing tick must not cancel the schedule
                LOG.log(Level.WARNING, "online-now: a live timer task failed", t);
            }
        };
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Builds a {@link LivePresence}. */
    public static final class Builder {
        private final OnlineNow online;
        private LiveBackend backend;
        private RoomAuthorizer authorizer;
        private ServletContext context;
        private boolean autoTick = true;

        private Builder(OnlineNow online) {
            this.online = Objects.requireNonNull(online, "online");
        }

        /** Where rooms are kept and how nodes talk; default from the settings' {@code store}. */
        public Builder backend(LiveBackend backend) {
            this.backend = backend;
            return this;
        }

        /** Who may join which room; default from the {@code authorizer} setting, else everybody. */
        public Builder authorizer(RoomAuthorizer authorizer) {
            this.authorizer = authorizer;
            return this;
        }

        /** The web app, passed to an authorizer class's constructor if it takes one. */
        public Builder context(ServletContext context) {
            this.context = context;
            return this;
        }

        /**
         * Whether the cursor tick and the heartbeat sweep run on their own thread (default
         * true). Tests turn it off and drive time with a fake clock.
         */
        public Builder autoTick(boolean autoTick) {
            this.autoTick = autoTick;
            return this;
        }

        /**
         * @throws IllegalArgumentException for a bad {@code authorizer} setting
         * @throws IllegalStateException    if the backend cannot start
         */
        public LivePresence build() {
            return new LivePresence(this);
        }
    }

    /** For package tests: the authorizer in use. */
    RoomAuthorizer authorizer() {
        return authorizer;
    }

    /** For package tests: the open connections of a user on this node. */
    int connectionsOf(String userId) {
        Set<LiveConnection> s = byUser.get(userId);
        return s == null ? 0 : s.size();
    }
}
