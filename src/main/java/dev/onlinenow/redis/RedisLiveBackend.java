package dev.onlinenow.redis;

import dev.onlinenow.OnlineNowSettings;
import dev.onlinenow.OnlineNowStats;
import dev.onlinenow.internal.HealthRecorder;
import dev.onlinenow.internal.RateLimitedLog;
import dev.onlinenow.internal.StatsRecorder;
import dev.onlinenow.internal.live.LiveBackend;
import dev.onlinenow.live.Presence;
import dev.onlinenow.internal.live.RoomBus;
import dev.onlinenow.live.RoomMessage;
import dev.onlinenow.internal.live.RoomState;
import dev.onlinenow.store.StoreHealth;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The live layer on several nodes ({@code store=redis}): rooms kept in Redis, messages carried
 * by Redis pub/sub, dead nodes' connections reaped.
 *
 * <p>The live layer loads this class by name ({@link LiveBackend#REDIS_BACKEND}) with the web
 * app's settings; it shares the {@link RedisNode} (connection, thread, node id, liveness key) of
 * the Redis stores made with the same settings.
 *
 * <h2>Redis keys and channel</h2>
 * With {@code ns} the {@code redisNamespace}:
 * <ul>
 *   <li>{@code ns:room:ROOM} &mdash; hash, no TTL (emptied by leaves and reaping): per member
 *       {@code p:USER} (name), {@code m:USER} (meta JSON), {@code j:USER} (joined at, epoch ms),
 *       {@code t:USER} (connections over all nodes), {@code n:NODE:USER} (connections on NODE),
 *       {@code k:USER} (each connection's meta: JSON, connection id &rarr;
 *       {@code [joinedAt, changed, meta]});
 *       per node {@code c:NODE} (connections of NODE in the room). Changed only by Lua scripts
 *       ({@code EVAL}) so each join, leave, meta change and reap is atomic; read with
 *       {@code HGETALL} / {@code HMGET}.</li>
 *   <li>{@code ns:rooms} &mdash; set of rooms with members ({@code SMEMBERS}).</li>
 *   <li>{@code ns:node:ID:rooms} &mdash; set of rooms where node ID has connections (for reaping).</li>
 *   <li>{@code ns:cursors:ROOM} &mdash; hash user &rarr; {@code "x y movedAt"} ({@code HSET},
 *       {@code HGETALL}, {@code HDEL}); {@code ns:cursor-rooms} &mdash; set of rooms with cursors;
 *       {@code ns:cursor-sweep} &mdash; string, {@code SET NX PX 10000}: the one server whose turn
 *       it is to expire the cursors of servers that died.</li>
 *   <li>{@code ns:nodes} &mdash; sorted set node id &rarr; last heartbeat (epoch ms), how nodes
 *       find each other; {@code ns:reap:ID} &mdash; string, {@code SET NX PX 60000}: the one node
 *       reaping dead node ID.</li>
 *   <li>Channel {@code ns:live:{ROOM}} &mdash; one per room ({@link RedisPubSub#roomChannel}): the
 *       room's messages, as {@link MessageCodec} writes them ({@code PUBLISH}); a node subscribes
 *       ({@code SUBSCRIBE} on a second connection) while it holds the room (a member there, or a
 *       server-side reader in the last minute) and unsubscribes when it forgets it, so a node
 *       receives only its rooms' traffic. Its own publications come back and are dropped by their
 *       first bytes, unread.</li>
 * </ul>
 *
 * <h2>Guarantees</h2>
 * A message reaches this node's sockets at once (in the publishing thread) and the other nodes'
 * through Redis. A node that starts holding a room reads it again once its subscription is
 * confirmed (what was published before reached nobody here). Delivery runs on a few lanes (one
 * thread and a bounded queue each; a room's channel always on the same lane); a message that
 * finds its lane full is dropped, counted ({@code onlinenow.redis.pubsub.dropped}) and its room
 * read again. Pub/sub loses what is published while a subscriber reconnects, so every
 * {@value #RECONCILE_SECONDS} s (and right after a reconnect) the live layer compares each room it
 * holds with Redis ({@code HGETALL}, not awaited: the answer is handled on the room's own thread)
 * and tells its sockets the joins, leaves and meta changes they missed. A node that stops refreshing its liveness key ({@code nodeTimeout}) is reaped by one
 * other node within {@code nodeTimeout * 4/3}: its connections are removed and a {@code leave}
 * goes to everybody for each user that had no other connection. While Redis is down, each node
 * serves its own sockets from an in-process copy of its own members, and puts them back into
 * Redis when it returns.
 */
public final class RedisLiveBackend implements LiveBackend {

    private static final System.Logger LOG = System.getLogger(RedisLiveBackend.class.getName());
    private static final RateLimitedLog WARN = new RateLimitedLog(LOG);
    static final int RECONCILE_SECONDS = 5;
    private static final AtomicInteger THREADS = new AtomicInteger();

    /** Messages waiting in one delivery lane at most; more are dropped, counted, and their room reconciled. */
    static final int LANE_CAPACITY = 4096;

    private final RedisNode node;
    private final String ns;
    private final RedisRoomState state;
    private final Bus bus;
    private final RedisPubSub pubsub;
    /** What our own publications start with: they are dropped before anything is parsed. */
    private final String ownPrefix;
    /* Delivery: parsing and handing to the room's shard, off Lettuce's I/O thread. A room's channel
     * always goes to the same lane (its order is kept); each lane is one thread with a bounded
     * queue, so one busy room delays only the rooms of its lane, and never without bound. */
    private final ThreadPoolExecutor[] lanes;
    /** Rooms whose reconciliation after a drop is already asked for. */
    private final Set<String> missedPending = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final List<ScheduledFuture<?>> tasks = new ArrayList<>();
    private volatile Consumer<String> missed = room -> { };
    private volatile boolean closed;
    private boolean announced;
    private volatile long suppressLeavesUntil = System.nanoTime();
    private volatile Runnable reconcile = () -> { };

    /** Started by the live layer with the web app's settings. */
    public RedisLiveBackend(OnlineNowSettings settings) {
        this(settings, RedisNode.Options.DEFAULT, true);
    }

    RedisLiveBackend(OnlineNowSettings settings, RedisNode.Options options, boolean background) {
        Objects.requireNonNull(settings, "settings");
        this.node = RedisNode.acquire(settings, options);
        this.ns = settings.redisNamespace();
        this.state = new RedisRoomState(node);
        this.bus = new Bus();
        this.ownPrefix = "{\"node\":" + RedisJson.PROVIDER.createValue(node.id()) + ",";
        int n = Math.max(2, Runtime.getRuntime().availableProcessors());
        this.lanes = new ThreadPoolExecutor[n];
        for (int i = 0; i < n; i++) {
            lanes[i] = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(LANE_CAPACITY), r -> {
                Thread t = new Thread(r, "online-now-redis-live-" + THREADS.incrementAndGet());
                t.setDaemon(true);
                return t;
            }, new ThreadPoolExecutor.AbortPolicy());
        }
        // messages published while the subscriber was away are lost: reconcile every room
        this.pubsub = new RedisPubSub(node, this::onMessage, this::reconcileSoon);
        node.onRegisterAgain(this::registerAgain);
        try {
            node.executor().submit(this::subscribeIfNeeded).get(settings.redisTimeout().toMillis() * 4 + 1000,
                    TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            // retried by the background
        }
        if (background) {
            long beat = Math.max(1000, settings.nodeTimeout().toMillis() / 3);
            tasks.add(node.executor().scheduleWithFixedDelay(guarded(this::liveness), 0, beat, TimeUnit.MILLISECONDS));
        }
    }

    @Override
    public RoomState state() {
        return state;
    }

    @Override
    public RoomBus bus() {
        return bus;
    }

    @Override
    public String nodeId() {
        return node.id();
    }

    RedisNode node() {
        return node;
    }

    /** The pub/sub of the live layer (tests). */
    RedisPubSub pubsub() {
        return pubsub;
    }

    @Override
    public boolean shared() {
        return true;
    }

    @Override
    public Duration reconcileInterval() {
        return Duration.ofSeconds(RECONCILE_SECONDS);
    }

    @Override
    public void onMissedMessages(Runnable reconcile) {
        this.reconcile = reconcile;
    }

    /* the other nodes need up to a heartbeat (nodeTimeout/3) to notice that Redis lost data and
     * put their members back: until then a room missing their members is not news */
    @Override
    public boolean trustAbsences() {
        return System.nanoTime() - suppressLeavesUntil > 0;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (ScheduledFuture<?> f : tasks) {
            f.cancel(false);
        }
        try {
            // a clean stop: our connections leave now instead of waiting to be reaped
            node.executor().submit(() -> {
                if (node.healthy()) {
                    reap(node.id(), false);
                }
            }).get(node.settings().redisTimeout().toMillis() * 8 + 1000, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.log(Level.DEBUG, "online-now: could not remove this node's rooms from Redis at shutdown", e);
        }
        for (ThreadPoolExecutor lane : lanes) {
            lane.shutdownNow();
        }
        pubsub.close();
        node.release();
    }

    private Runnable guarded(Runnable r) {
        return () -> {
            try {
                r.run();
            } catch (RuntimeException e) {
                node.markDown(e);
            }
        };
    }

    // --- the bus -----------------------------------------------------------------------------

    private final class Bus implements RoomBus {
        private volatile Consumer<RoomMessage> receiver;

        @Override
        public void publish(RoomMessage message) {
            if (closed) {
                return;
            }
            // this node's sockets at once, in order, whatever Redis does
            deliverLocally(message);
            if (!node.healthy()) {
                return;
            }
            pubsub.publish(pubsub.roomChannel(message.room()), MessageCodec.encode(node.id(), message))
                    .whenComplete((n, e) -> {
                        if (e != null) {
                            node.markDown(e);
                        }
                    });
        }

        @Override
        public void subscribe(Consumer<RoomMessage> receiver) {
            this.receiver = receiver;
        }

        @Override
        public void watch(String room) {
            if (closed) {
                return;
            }
            /* a message published between our first read of the room and this subscription taking
             * effect reached nobody here: once Redis confirms, the room is read again */
            pubsub.subscribe(pubsub.roomChannel(room)).whenComplete((v, e) -> {
                if (e == null) {
                    missed.accept(room);
                }
                // a failed subscribe: the subscriber is down; Lettuce subscribes again on reconnect,
                // and the reconnect reconciles every room
            });
        }

        @Override
        public void unwatch(String room) {
            if (!closed) {
                pubsub.unsubscribe(pubsub.roomChannel(room));
            }
        }

        @Override
        public void onMissed(Consumer<String> room) {
            missed = room;
        }

        @Override
        public void close() {
            // the backend closes
        }
    }

    /** Hands a message to this node's receiver (which queues it on the room's own thread). */
    void deliverLocally(RoomMessage m) {
        Consumer<RoomMessage> r = bus.receiver;
        if (r != null) {
            r.accept(m);
        }
    }

    private void subscribeIfNeeded() {
        if (closed) {
            return;
        }
        try {
            if (pubsub.connectIfNeeded()) {
                reconcileSoon();
            } else if (pubsub.checkShards()) {
                // a failover moved some rooms' channels to a new master: subscribed there again
                reconcileSoon();
            }
        } catch (RuntimeException e) {
            node.markDown(e);
        }
    }

    /** Lettuce's I/O thread: counts, drops our own and other rooms' messages unread, queues the rest. */
    private void onMessage(String channel, String text) {
        if (text.startsWith(ownPrefix)) {
            count(OnlineNowStats.PubSubKind.OWN);
            return; // delivered when published
        }
        String room = pubsub.roomOf(channel);
        if (room == null || !pubsub.wants(channel)) {
            count(OnlineNowStats.PubSubKind.NOT_HOSTED); // an unsubscribe on its way
            return;
        }
        count(OnlineNowStats.PubSubKind.HOSTED);
        try {
            lanes[(channel.hashCode() & 0x7fffffff) % lanes.length].execute(() -> received(channel, text));
        } catch (RejectedExecutionException full) {
            if (closed) {
                return;
            }
            StatsRecorder s = node.stats();
            if (s != null) {
                s.pubSubDropped();
            }
            WARN.warn("lane full", () -> "online-now: more Redis messages for this server's rooms than it can read ("
                    + LANE_CAPACITY + " waiting); dropping some and reconciling their rooms", null);
            if (missedPending.add(room)) {
                try {
                    node.executor().schedule(() -> {
                        missedPending.remove(room);
                        missed.accept(room);
                    }, 100, TimeUnit.MILLISECONDS);
                } catch (RejectedExecutionException closing) {
                    missedPending.remove(room);
                }
            }
        }
    }

    private void count(OnlineNowStats.PubSubKind kind) {
        StatsRecorder s = node.stats();
        if (s != null) {
            s.pubSubReceived(kind);
        }
    }

    private void received(String channel, String text) {
        MessageCodec.Received got;
        try {
            got = MessageCodec.decode(text);
        } catch (RuntimeException e) {
            WARN.warn("foreign message", () -> "online-now: ignoring a message on Redis channel " + channel
                    + " that is not ours (" + e + "); is another program publishing there?", null);
            return;
        }
        if (got.node().equals(node.id())) {
            return; // delivered when published
        }
        RoomMessage m = got.message();
        if (!channel.equals(pubsub.roomChannel(m.room()))) {
            WARN.warn("foreign message", () -> "online-now: ignoring a message on Redis channel " + channel
                    + " for another room; is another program publishing there?", null);
            return;
        }
        try {
            deliverLocally(m);
        } catch (RuntimeException e) {
            WARN.warn("delivery", () -> "online-now: failed to deliver " + m + " from another server to this "
                    + "server's sockets; skipped (the next reconcile puts the rooms right)", e);
        }
    }

    // --- liveness, reaping and reconciliation (the node's thread) -----------------------------

    /** Announces this node and reaps the nodes whose liveness key expired. */
    void liveness() {
        if (closed) {
            return;
        }
        subscribeIfNeeded();
        RedisClusterAsyncCommands<String, String> redis = node.commandsIfHealthy();
        if (redis == null) {
            return;
        }
        Long ours = node.await(redis.exists(ns + ":node:" + node.id()));
        if (ours == null || ours == 0) {
            // Redis lost our key: the heartbeat puts it back and registers us again; announcing
            // ourselves before that would make us look dead to the others
            return;
        }
        Double listed = node.await(redis.zscore(ns + ":nodes", node.id()));
        if (listed == null && announced) {
            // someone reaped us (we were cut off longer than nodeTimeout) or Redis lost the list:
            // put our members back
            LOG.log(Level.INFO, "online-now: this node was taken for dead; registering its live connections again");
            node.registerAgainSoon();
        }
        long now = node.settings().clock().millis();
        node.await(redis.zadd(ns + ":nodes", now, node.id()));
        announced = true;
        List<String> nodes = node.await(redis.zrange(ns + ":nodes", 0, -1));
        if (nodes == null) {
            return;
        }
        List<String> others = new ArrayList<>();
        List<RedisFuture<Long>> alive = new ArrayList<>();
        for (String id : nodes) {
            if (!id.equals(node.id())) {
                others.add(id);
                alive.add(redis.exists(ns + ":node:" + id));
            }
        }
        int nodesAlive = 1;
        /* a node that could not reach Redis itself (an outage, a cluster's failover) gives the others
         * a whole nodeTimeout of working Redis to refresh their keys before it takes a missing key
         * for a dead node: they were most likely cut off as long as it was */
        boolean mayReap = node.upForMillis() >= node.settings().nodeTimeout().toMillis();
        for (int i = 0; i < others.size(); i++) {
            Long exists = node.await(alive.get(i));
            nodesAlive += exists != null && exists > 0 ? 1 : 0;
            if (exists != null && exists == 0 && mayReap) {
                String dead = others.get(i);
                String lock = node.await(redis.set(ns + ":reap:" + dead, node.id(), SetArgs.Builder.nx().px(60_000)));
                if ("OK".equals(lock)) {
                    LOG.log(Level.INFO, "online-now: node " + dead + " stopped refreshing its liveness key; "
                            + "removing its live connections");
                    reap(dead, true);
                }
            }
        }
        StoreHealth health = node.health();
        if (health != null) {
            HealthRecorder.of(health).nodesAlive(nodesAlive);
        }
    }

    /** Removes every connection of node {@code id} from every room, announcing who left. */
    private void reap(String id, boolean dead) {
        RedisClusterAsyncCommands<String, String> redis = node.commands();
        if (redis == null) {
            return;
        }
        Set<String> rooms = state.nodeRooms(id);
        if (rooms == null) {
            return;
        }
        for (String room : rooms) {
            RedisRoomState.Sync result = state.sync(id, room, List.of());
            if (result == null) {
                return; // Redis failed; the lock expires and someone tries again
            }
            for (String user : result.left()) {
                bus.publish(RoomMessage.leave(room, user));
                if (dead && node.stats() != null) {
                    node.stats().left(OnlineNowStats.LeaveReason.NODE_DOWN);
                }
            }
        }
        state.deleteNodeRooms(id);
        node.await(redis.zrem(ns + ":nodes", id));
        if (dead) {
            // gone from ns:nodes first, so nobody starts on it again; a late reaper finds nothing
            node.await(redis.del(ns + ":reap:" + id));
        } else {
            node.await(redis.del(ns + ":node:" + id));
        }
    }

    /** Redis lost data (or we were reaped while alive): put our members back, then catch up. */
    private void registerAgain() {
        suppressLeavesUntil = System.nanoTime() + node.settings().nodeTimeout().toNanos();
        for (String room : state.localRooms()) {
            RedisRoomState.Sync result = state.sync(node.id(), room, state.localMembers(room));
            if (result == null) {
                return;
            }
            for (Presence p : result.joined()) {
                bus.publish(RoomMessage.join(room, p, p.getId()));
            }
            for (String user : result.left()) {
                bus.publish(RoomMessage.leave(room, user));
            }
        }
        reconcileSoon();
    }

    /** Asks the live layer to compare its rooms with Redis (messages may have been lost). */
    void reconcileSoon() {
        if (!closed) {
            reconcile.run();
        }
    }

    @Override
    public String toString() {
        return "RedisLiveBackend[" + node + "]";
    }
}
