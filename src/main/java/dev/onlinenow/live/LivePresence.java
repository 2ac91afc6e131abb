package dev.onlinenow.live;

import dev.onlinenow.internal.live.LiveBackend;
import dev.onlinenow.internal.live.RoomBus;
import dev.onlinenow.internal.StatsRecorder;
import dev.onlinenow.OnlineNow;
import dev.onlinenow.OnlineNowSettings;
import dev.onlinenow.internal.LiveRooms;
import dev.onlinenow.internal.RateLimitedLog;
import jakarta.json.JsonValue;
import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpSession;
import jakarta.websocket.Session;

import java.lang.System.Logger.Level;
import java.security.Principal;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Live presence and cursors of one web app: who is in which room right now, with the server-side
 * API that servlets and JSPs use. Started by {@link OnlineNowLive} (one line in web.xml) and
 * reached with {@link #get(ServletContext)}:
 *
 * <pre>{@code
 * LivePresence live = LivePresence.get(getServletContext());
 * int n = live.count("doc-42");
 * live.broadcast("doc-42", "saved", Map.of("by", "alice", "version", 7));
 * live.onJoin((room, p) -> log.info(p.getName() + " opened " + room));
 * }</pre>
 *
 * <p>Thread-safe, and no method waits for the network: reads ({@link #list}, {@link #count},
 * {@link #presence}, {@link #cursors}, {@link #rooms}) answer from this server's view of each
 * room, which the room's own thread keeps from every change it sees (see {@code Room}); with
 * {@code store=redis} that view may lag another server's change by the time pub/sub takes to
 * bring it, and by at most the reconciliation interval (5 s) for a message pub/sub lost. A room
 * this server has not seen yet answers empty until its first fetch from Redis lands (one round
 * trip), and stays watched for a minute after its last read.
 *
 * <p>Inside, the work is in parts: {@link HandshakePolicy} decides who a socket is,
 * {@link Connections} keeps the sockets (limits, heartbeats, drops), {@link Inbound} decodes and
 * limits what they send, {@link RoomOps} runs room operations on {@link RoomShard}s, and
 * {@link CursorFrame} builds the cursor fan-out. Rooms live in a {@link RoomState} and messages
 * travel on a {@link RoomBus} (both from a {@link LiveBackend}; in-process unless
 * {@code store=redis}).
 */
public final class LivePresence implements AutoCloseable {

    /** The ServletContext attribute holding the web app's instance. */
    public static final String CONTEXT_ATTRIBUTE = LivePresence.class.getName();

    /** Close reasons (with 1008 or 1001) that clients and docs/protocol.md name. */
    static final String TOO_SLOW = "too slow";
    static final String HEARTBEAT_TIMEOUT = "heartbeat timeout";
    static final String SESSION_ENDED = "session ended";
    static final String SERVER_FULL = "server full";

    private static final System.Logger LOG = System.getLogger(LivePresence.class.getName());
    private static final long SWEEP_MILLIS = 1000;
    private static final long ONLINE_CHECK_MILLIS = 250;
    private static final long STORE_SWEEP_MILLIS = 15_000;

    private final OnlineNow online;
    private final OnlineNowSettings settings;
    private final LiveBackend backend;
    private final RoomBus bus;
    private final RoomAuthorizer authorizer;
    private final HandshakePolicy handshakes;
    private final RoomOps rooms;
    private final Connections connections;
    private final Inbound inbound;
    private final OnlineFeed feed;

    private final List<PresenceListener> joinListeners = new CopyOnWriteArrayList<>();
    private final List<PresenceListener> leaveListeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService scheduler;
    private final ExecutorService closer;
    private final ExecutorService senders;
    private final ExecutorService events;
    private volatile long lastStoreSweepNanos;
    /** The web app's class loader (the thread's when started), by which the EL functions find this. */
    private final ClassLoader loader;
    /** What the {@code on:presences} and {@code on:presenceCount} EL functions read. */
    private final LiveRooms.View elView = new LiveRooms.View() {
        @Override
        public List<?> presences(String room) {
            return Protocol.validRoom(room) ? LivePresence.this.list(room) : List.of();
        }

        @Override
        public int count(String room) {
            return Protocol.validRoom(room) ? LivePresence.this.count(room) : 0;
        }
    };
    private volatile boolean closed;

    private LivePresence(Builder b) {
        this.online = b.online;
        this.settings = online.settings();
        this.backend = b.backend != null ? b.backend : Backends.forSettings(settings);
        this.bus = backend.bus();
        this.authorizer = b.authorizer != null ? b.authorizer
                : settings.authorizer() == null ? RoomAuthorizer.ALLOW_ALL
                : OnlineNow.instantiate(settings.authorizer(), OnlineNowSettings.AUTHORIZER, RoomAuthorizer.class,
                        b.context);
        this.handshakes = new HandshakePolicy(online);
        // a limit users hit: one WARN a minute per limit, on the ticker
        RateLimitedLog warnings = new RateLimitedLog(LOG, java.time.Duration.ofMinutes(1), settings.ticker()::nanos);

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
        /* the app's listeners run here, in order, so that a slow one delays no room */
        this.events = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                daemon("online-now-live-events"));

        int shards = Math.max(2, Runtime.getRuntime().availableProcessors());
        this.rooms = new RoomOps(settings, backend.state(), bus, backend.shared(), shards, events,
                new RoomOps.PresenceEvents() {
                    @Override
                    public void joined(String room, Presence p) {
                        fire(joinListeners, room, p);
                    }

                    @Override
                    public void left(String room, Presence p) {
                        fire(leaveListeners, room, p);
                    }
                }, warnings, StatsRecorder.of(online.stats()));
        this.connections = new Connections(settings, backend.nodeId(), rooms, senders, closer, warnings,
                StatsRecorder.of(online.stats()));
        this.feed = new OnlineFeed(online, events);
        this.inbound = new Inbound(online, rooms, connections, authorizer, feed);
        connections.inbound(inbound::received);
        connections.onForget(feed::unsubscribe);
        this.lastStoreSweepNanos = settings.ticker().nanos();
        bus.subscribe(rooms::deliver);
        backend.onMissedMessages(() -> rooms.reconcile(backend.trustAbsences()));
        online.addLogoutListener(connections::loggedOut);
        this.loader = b.context != null && b.context.getClassLoader() != null ? b.context.getClassLoader()
                : Thread.currentThread().getContextClassLoader();
        LiveRooms.register(loader, elView);

        if (b.autoTick) {
            ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1, daemon("online-now-live"));
            s.setRemoveOnCancelPolicy(true);
            long tick = settings.cursorTick().toMillis();
            s.scheduleAtFixedRate(guarded(rooms::flushCursors), tick, tick, TimeUnit.MILLISECONDS);
            s.scheduleWithFixedDelay(guarded(this::sweepNow), SWEEP_MILLIS, SWEEP_MILLIS, TimeUnit.MILLISECONDS);
            // the online frame's push is due once a second on the ticker; looked at four times a second
            s.scheduleWithFixedDelay(guarded(feed::tick), ONLINE_CHECK_MILLIS, ONLINE_CHECK_MILLIS, TimeUnit.MILLISECONDS);
            long reconcile = backend.reconcileInterval().toMillis();
            if (reconcile > 0) {
                s.scheduleWithFixedDelay(guarded(() -> rooms.reconcile(backend.trustAbsences())), reconcile, reconcile,
                        TimeUnit.MILLISECONDS);
            }
            this.scheduler = s;
        } else {
            this.scheduler = null;
        }
    }

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

    /** The presences in a room, in the order they joined (this server's view; see the class doc). */
    public List<Presence> list(String room) {
        return rooms.presences(room);
    }

    /** How many users (not connections) are in a room. */
    public int count(String room) {
        return rooms.presences(room).size();
    }

    /** The rooms with at least one user (with {@code store=redis}, as of the last reconciliation). */
    public Set<String> rooms() {
        return rooms.rooms();
    }

    /** Rooms with at least one member connected to this server. */
    public int localRooms() {
        return rooms.localRooms();
    }

    /** The user's presence in the room, or null. */
    public Presence presence(String room, String userId) {
        return rooms.presence(room, userId);
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
        bus.publish(RoomMessage.event(room, event, payload));
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

    /** The cursors in a room, as last sent (moves of the current tick are not in yet). */
    public List<Cursor> cursors(String room) {
        return rooms.cursors(room);
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
        rooms.move(room, id, x, y, false);
    }

    /** Removes a cursor; the room's members get an entry {@code {"id":id,"gone":true}}. */
    public void removeCursor(String room, String id) {
        checkRoom(room);
        rooms.removeCursor(room, id);
    }

    /** Open connections on this node. */
    public int connections() {
        return connections.open();
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
        return rooms.framesSent();
    }

    /** Closes every socket (1001, going away) and stops the timers. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        LiveRooms.unregister(loader, elView);
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
        connections.closeAll();
        closer.shutdown();
        try {
            closer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        senders.shutdown();
        events.shutdown();
        rooms.close();
        backend.close();
        try {
            // bounded: the web app's stop must not hang on a stuck socket
            senders.awaitTermination(1, TimeUnit.SECONDS);
            events.awaitTermination(1, TimeUnit.SECONDS);
            rooms.awaitTermination(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public boolean isClosed() {
        return closed;
    }

    // --- timers (package-private so tests drive them with a fake clock and ticker) -----------

    /** One sweep and one cursor tick, now, and waits until every room has done them. */
    void tick() {
        sweep();
        flushCursors();
        pushOnline();
    }

    /**
     * The {@code online} frame's push, if a second passed on the ticker since the last one
     * (queued, not awaited: the frames reach the subscribers soon after).
     */
    void pushOnline() {
        feed.tick();
    }

    /** Connections subscribed to the {@code online} frame. */
    int onlineSubscribers() {
        return feed.subscribers();
    }

    /** How many times an {@code online} frame was computed (once per push and visibility class, once per subscribe). */
    long onlineComputations() {
        return feed.computations();
    }

    /** Sends each room's coalesced cursor changes as one frame, and waits until every room has. */
    void flushCursors() {
        rooms.flushCursors();
        rooms.drain();
    }

    /** Drops silent sockets, expires cursors, sweeps the presence store now and then; waits for the rooms. */
    void sweep() {
        sweepNow();
        rooms.drain();
    }

    private void sweepNow() {
        connections.sweep();
        rooms.sweep();
        long now = settings.ticker().nanos();
        if (now - lastStoreSweepNanos >= TimeUnit.MILLISECONDS.toNanos(STORE_SWEEP_MILLIS)) {
            lastStoreSweepNanos = now;
            rooms.expireOrphanedCursors();
            online.sweep();
        }
    }

    // --- the endpoint's side ------------------------------------------------------------------

    /** Decides identity and origin at the handshake. */
    Handshake handshake(Map<String, List<String>> headers, String requestScheme, Principal principal,
                        HttpSession http) {
        if (closed) {
            return Handshake.refused("server stopping");
        }
        return handshakes.handshake(headers, requestScheme, principal, http);
    }

    /** A socket opened; refuses it (1008) if the handshake said so or a limit is reached. */
    void opened(Session session, Handshake h) {
        connections.opened(session, h);
    }

    /** The socket closed (by the client, the container, or us). */
    void closedByContainer(Session session, jakarta.websocket.CloseReason reason) {
        connections.closedByContainer(session, reason);
    }

    /** One text frame from a client (for tests that bypass the container). */
    void received(LiveConnection c, String text) {
        inbound.received(c, text);
    }

    /** The HttpSession behind some sockets ended: close them (1008, "session ended"). */
    void sessionEnded(String sessionKey) {
        connections.sessionEnded(sessionKey);
    }

    /**
     * The session's user id went (a sign-out that removes the session attribute) or changed:
     * close the session's signed-in sockets (1008, "session ended"), as an invalidation does.
     */
    void identityEnded(HttpSession session) {
        String key;
        try {
            key = SessionGuard.keyOf(session);
        } catch (IllegalStateException invalidated) {
            return; // the guard's own unbinding closes them
        }
        if (key != null) {
            connections.identityEnded(key);
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

    private static void checkRoom(String room) {
        if (!Protocol.validRoom(room)) {
            throw new IllegalArgumentException("online-now: bad room name \"" + room + "\"; expected 1 to "
                    + Protocol.MAX_ROOM_LENGTH + " characters of valid Unicode without control characters");
        }
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
         * Whether the cursor tick, the heartbeat sweep and reconciliation run on their own
         * thread (default true). Tests turn it off and drive time with a fake clock and ticker.
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

    /** For package tests: the index of the shard (thread) a room's operations run on. */
    int shardOf(String room) {
        return rooms.shard(room).index;
    }

    /** For package tests: the open connections of a user on this node. */
    int connectionsOf(String userId) {
        return connections.connectionsOf(userId);
    }

    /** Frames waiting to be sent to the user's connections (for tests). */
    int queuedFor(String userId) {
        return connections.queuedFor(userId);
    }
}
