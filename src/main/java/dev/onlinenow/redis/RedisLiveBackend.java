package dev.onlinenow.redis;

import dev.onlinenow.OnlineNowSettings;
import dev.onlinenow.OnlineNowStats;
import dev.onlinenow.internal.HealthRecorder;
import dev.onlinenow.internal.RateLimitedLog;
import dev.onlinenow.live.LiveBackend;
import dev.onlinenow.live.Presence;
import dev.onlinenow.live.RoomBus;
import dev.onlinenow.live.RoomMessage;
import dev.onlinenow.live.RoomState;
import dev.onlinenow.store.StoreHealth;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;

import java.lang.System.Logger.Level;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
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
 *       {@code HGETALL}, {@code HDEL}); {@code ns:cursor-rooms} &mdash; set of rooms with cursors.</li>
 *   <li>{@code ns:nodes} &mdash; sorted set node id &rarr; last heartbeat (epoch ms), how nodes
 *       find each other; {@code ns:reap:ID} &mdash; string, {@code SET NX PX 60000}: the one node
 *       reaping dead node ID.</li>
 *   <li>Channel {@code ns:live} &mdash; every room message of every node, as {@link MessageCodec}
 *       writes it ({@code PUBLISH}, {@code SUBSCRIBE} on a second connection).</li>
 * </ul>
 *
 * <h2>Guarantees</h2>
 * A message reaches this node's sockets at once (in the publishing thread) and the other nodes'
 * through Redis. Pub/sub loses what is published while a subscriber reconnects, so every
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

    private final RedisNode node;
    private final String ns;
    private final String channel;
    private final RedisRoomState state;
    private final Bus bus;
    private final ExecutorService delivery;
    private final List<ScheduledFuture<?>> tasks = new ArrayList<>();
    private volatile StatefulRedisPubSubConnection<String, String> pubsub;
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
        this.channel = ns + ":live";
        this.state = new RedisRoomState(node);
        this.bus = new Bus();
        this.delivery = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "online-now-redis-live-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        node.onRegisterAgain(this::registerAgain);
        node.onConnected(new RedisConnectionStateListener() {
            @Override
            public void onRedisConnected(RedisChannelHandler<?, ?> c, SocketAddress address) {
                // on a cluster, the pub/sub connection's node connections are other handlers
                if (c == pubsub || (node.cluster() && pubsub != null)) {
                    reconcileSoon(); // messages published while we were away are lost
                }
            }
        });
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
        delivery.shutdownNow();
        StatefulRedisPubSubConnection<String, String> p = pubsub;
        if (p != null) {
            p.closeAsync();
        }
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
            RedisClusterAsyncCommands<String, String> c = node.commandsIfHealthy();
            if (c == null) {
                return;
            }
            String text = MessageCodec.encode(node.id(), message);
            c.publish(channel, text).whenComplete((n, e) -> {
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
        if (pubsub != null || closed) {
            return;
        }
        try {
            StatefulRedisPubSubConnection<String, String> p = node.connectPubSub();
            p.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String ch, String text) {
                    if (!closed) {
                        // off Lettuce's I/O thread: parsing is ours to pay for
                        delivery.execute(() -> received(text));
                    }
                }
            });
            p.sync().subscribe(channel);
            pubsub = p;
            reconcileSoon();
        } catch (RuntimeException e) {
            node.markDown(e);
        }
    }

    private void received(String text) {
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
        for (int i = 0; i < others.size(); i++) {
            Long exists = node.await(alive.get(i));
            nodesAlive += exists != null && exists > 0 ? 1 : 0;
            if (exists != null && exists == 0) {
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
