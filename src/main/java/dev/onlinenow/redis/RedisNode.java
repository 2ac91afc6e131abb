package dev.onlinenow.redis;

import dev.onlinenow.internal.HealthRecorder;
import dev.onlinenow.internal.StatsRecorder;
import dev.onlinenow.OnlineNowSettings;
import dev.onlinenow.OnlineNowStats;
import dev.onlinenow.store.StoreHealth;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SetArgs;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.event.command.CommandFailedEvent;
import io.lettuce.core.event.command.CommandListener;
import io.lettuce.core.event.command.CommandStartedEvent;
import io.lettuce.core.event.command.CommandSucceededEvent;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;

import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * One server ("node") of a web app in Redis: the connection, the background thread and the node
 * id shared by the Redis stores of one {@code OnlineNow}.
 *
 * <h2>Redis keys</h2>
 * With {@code ns} the {@code redisNamespace} setting ({@code online-now} by default):
 * <ul>
 *   <li>{@code ns:users}, {@code ns:guests} &mdash; sorted sets, member = user id (guest key), score =
 *       last-seen epoch milliseconds (the nodes' clocks). Written with {@code ZADD key GT score id ...}
 *       (many members per command, once per flush), {@code ZREM} on logout; read with
 *       {@code ZCOUNT key (now-threshold +inf} and
 *       {@code ZREVRANGEBYSCORE key +inf (now-threshold WITHSCORES LIMIT 0 n}, and {@code ZSCORE}
 *       for a single id; pruned with {@code ZREMRANGEBYSCORE key -inf now-threshold}; TTL set with
 *       {@code PEXPIRE key threshold+2*pruneInterval} at each prune, so a namespace nobody writes to
 *       disappears.</li>
 *   <li>{@code ns:record} &mdash; hash, the record (most people online at once): fields {@code count}
 *       and {@code at} (epoch milliseconds); raised by a compare-and-set script ({@link RedisRecord#RAISE})
 *       once per round while this node has a higher count to offer, read so every ten rounds; no TTL.</li>
 *   <li>{@code ns:node:ID} &mdash; string, this node's liveness (value: host and pid),
 *       {@code SET key value PX nodeTimeout GET} every {@code nodeTimeout/3}; deleted on a clean
 *       shutdown. A missing previous value means Redis lost our data (restart, flush, fail-over):
 *       we register this node's users again.</li>
 * </ul>
 *
 * <h2>Failure</h2>
 * Every command has the {@code redisTimeout}; commands are rejected at once while disconnected, and
 * only this node's thread waits for Redis (request threads only for a rare single-id lookup, never
 * longer than {@code redisTimeout} and never while Redis is known to be down). While Redis is down
 * the stores answer from their local index; a WARN is logged once per outage, an INFO when it is back,
 * and then this node's users are registered again.
 */
final class RedisNode implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(RedisNode.class.getName());
    private static final AtomicInteger THREADS = new AtomicInteger();

    /**
     * Internal timings.
     *
     * @param flushInterval how often touches are sent and the read cache is refreshed
     * @param pruneInterval how often expired ids are removed from the sorted sets
     * @param background    false: nothing runs on its own; tests call {@link #tick()} and {@link #heartbeat()}
     */
    record Options(Duration flushInterval, Duration pruneInterval, boolean background) {
        static final Options DEFAULT = new Options(Duration.ofSeconds(1), Duration.ofSeconds(10), true);

        /** Tests: nothing in the background. */
        static Options manual() {
            return new Options(Duration.ofSeconds(1), Duration.ofSeconds(10), false);
        }
    }

    private final OnlineNowSettings settings;
    private final Options options;
    private final String id = UUID.randomUUID().toString();
    private final String namespace;
    private final String nodeKey;
    private final String description;
    private final ClientResources resources;
    /* the URIs of redisUri: one, or several nodes of one Redis Cluster */
    private final List<RedisURI> uris;
    private final SocketOptions socketOptions;
    /* the standalone client (also what finds out whether redisUri names a cluster) */
    private final RedisClient client;
    /* the cluster client, once a first connection found a cluster (cluster_enabled:1) */
    private volatile RedisClusterClient clusterClient;
    private final List<RedisConnectionStateListener> connectionListeners = new CopyOnWriteArrayList<>();
    /* a cluster of Redis 7 or later (sharded pub/sub); set with clusterClient */
    private volatile boolean shardedPubSub;
    /* set when redisUri names several servers that are no Redis Cluster: never connects */
    private volatile String misconfigured;
    private final ScheduledExecutorService executor;
    /* The liveness key's own thread: flushes, reconciliation and reaping on the node's thread wait
     * for Redis, and under load they could delay a heartbeat past nodeTimeout, and then the other
     * nodes would reap this live one. Nothing else ever runs here. */
    private final ScheduledExecutorService heartbeat;
    private final Object connectLock = new Object();
    private final List<RedisPresenceStore> stores = new CopyOnWriteArrayList<>();
    private final List<RedisRecord> records = new CopyOnWriteArrayList<>();
    private final List<Runnable> registerAgainListeners = new CopyOnWriteArrayList<>();
    private final LongAdder commands = new LongAdder();
    private final String nodeValue = describeThisNode();
    private final AtomicBoolean refreshQueued = new AtomicBoolean();
    private final Object lock = new Object();

    private volatile StatefulConnection<String, String> connection;
    /* the commands of the connection: standalone and cluster share these interfaces */
    private volatile RedisClusterAsyncCommands<String, String> async;
    private volatile RedisClusterCommands<String, String> sync;
    /* where this node reports (the web app's OnlineNow); null until reportTo */
    private volatile StatsRecorder stats;
    private volatile StoreHealth health;
    private volatile boolean healthy;
    private volatile boolean closed;
    private volatile boolean reRegister;
    private volatile boolean registeredSinceDown;
    private boolean everConnected;
    private long downSince = -1;
    /* System.nanoTime() when the last exchange that worked after a failure (or the first) was */
    private volatile long upSinceNanos;
    private long lastPrune;
    private volatile long heartbeats;
    /** How often Redis was declared down (for tests and monitoring). */
    private final java.util.concurrent.atomic.AtomicInteger timesDown = new java.util.concurrent.atomic.AtomicInteger();
    private int refs;

    private final CommandListener commandListener = new CommandListener() {
        @Override
        public void commandStarted(CommandStartedEvent event) {
            commands.increment();
        }

        @Override
        public void commandSucceeded(CommandSucceededEvent event) {
            StatsRecorder s = stats;
            if (s != null) {
                s.redisRoundTrip(event.getDuration(TimeUnit.NANOSECONDS));
            }
        }

        @Override
        public void commandFailed(CommandFailedEvent event) {
            StatsRecorder s = stats;
            if (s != null) {
                s.redisFailure();
            }
        }
    };

    private final RedisConnectionStateListener stateListener = new RedisConnectionStateListener() {
        @Override
        public void onRedisConnected(RedisChannelHandler<?, ?> c, SocketAddress address) {
            // a reconnect may be to a Redis that restarted empty: register our users again
            if (c != null && c == connection) {
                reRegister = true;
            }
            for (RedisConnectionStateListener l : connectionListeners) {
                l.onRedisConnected(c, address);
            }
        }
    };

    private RedisNode(OnlineNowSettings settings, Options options) {
        this.settings = settings;
        this.options = options;
        this.namespace = settings.redisNamespace();
        this.nodeKey = namespace + ":node:" + id;
        this.description = describe(settings.redisUri());
        this.resources = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(2)
                // Lettuce's default backs off to 30 s; a node should be back within seconds of Redis
                .reconnectDelay(() -> Delay.equalJitter(Duration.ofMillis(100), Duration.ofSeconds(2), 2, TimeUnit.MILLISECONDS))
                .build();
        this.uris = parseUris(settings, resources);
        this.socketOptions = SocketOptions.builder().connectTimeout(settings.redisTimeout()).keepAlive(true).build();
        this.client = RedisClient.create(resources, uris.get(0));
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                // fail fast instead of queueing while disconnected: nobody waits for a dead Redis
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(socketOptions)
                .timeoutOptions(TimeoutOptions.enabled(settings.redisTimeout()))
                .build());
        client.addListener(commandListener);
        client.addListener(stateListener);
        ThreadFactory threads = r -> {
            Thread t = new Thread(r, "online-now-redis-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        this.executor = Executors.newSingleThreadScheduledExecutor(threads);
        this.heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "online-now-redis-heartbeat-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** Connects (waiting at most {@code redisTimeout}; if Redis is not there, it keeps trying in the background). */
    static RedisNode start(OnlineNowSettings settings, Options options) {
        RedisNode node = new RedisNode(settings, options);
        try {
            node.executor.submit(() -> {
                node.connectIfNeeded();
                if (node.healthy) {
                    node.heartbeatNow();
                }
            }).get(settings.redisTimeout().toMillis() * 4 + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // logged by connectIfNeeded; the background retries
        }
        if (node.misconfigured != null) {
            node.close();
            throw new IllegalArgumentException(node.misconfigured);
        }
        if (options.background()) {
            long flush = options.flushInterval().toMillis();
            long beat = Math.max(1000, settings.nodeTimeout().toMillis() / 3);
            node.executor.scheduleWithFixedDelay(node::tickNow, flush, flush, TimeUnit.MILLISECONDS);
            node.heartbeat.scheduleWithFixedDelay(node::heartbeatNow, beat, beat, TimeUnit.MILLISECONDS);
        }
        LOG.log(Level.INFO, "online-now: node " + node.id + " keeps the online index in Redis"
                + (node.cluster() ? " Cluster" : "") + " at " + node.description
                + " under '" + node.namespace + ":'" + (node.healthy ? "" : " (not reachable yet; retrying)"));
        return node;
    }

    /*
     * One node per settings object: the core creates the stores with OnlineNow's settings and the
     * live layer creates its backend with the same object, so both share the node (one connection
     * pool, one thread, one node id, one liveness key). Released by reference counting.
     */
    private static final Map<OnlineNowSettings, RedisNode> NODES = new IdentityHashMap<>();

    /** The running node for these settings, or a new one; the caller must {@link #release()} it. */
    static RedisNode acquire(OnlineNowSettings settings, Options options) {
        synchronized (NODES) {
            RedisNode node = NODES.get(settings);
            if (node == null || !node.retain()) {
                node = start(settings, options);
                node.retain();
                NODES.put(settings, node);
            }
            return node;
        }
    }

    /** Counts one more user of this node; false if it is already closed. */
    boolean retain() {
        synchronized (lock) {
            if (closed) {
                return false;
            }
            refs++;
            return true;
        }
    }

    /** One user of the node is done with it; the last one closes it. */
    void release() {
        boolean last;
        synchronized (lock) {
            last = refs > 0 && --refs == 0;
        }
        if (last) {
            close();
        }
    }

    /**
     * Where this node reports command failures and timings, and its ups and downs (the first
     * caller wins: one node serves one web app's OnlineNow). The health takes the node's state now.
     */
    void reportTo(OnlineNowStats stats, StoreHealth health) {
        synchronized (lock) {
            if (this.stats == null) {
                this.stats = StatsRecorder.of(stats);
            }
            if (this.health == null && health != null) {
                this.health = health;
                if (healthy) {
                    HealthRecorder.of(health).up();
                } else {
                    HealthRecorder.of(health).down(new IllegalStateException("Redis at " + description + " not reachable yet"));
                }
            }
        }
    }

    /** The health this node reports to, or null. */
    StoreHealth health() {
        return health;
    }

    /** The stats this node reports to, or null. */
    StatsRecorder stats() {
        return stats;
    }

    /** Makes the next round register this node's users (and live members) again. */
    void registerAgainSoon() {
        reRegister = true;
    }

    /** Listeners run on the node's thread after it registered its users again (Redis lost data). */
    void onRegisterAgain(Runnable listener) {
        registerAgainListeners.add(listener);
    }

    /** A new store on this node, holding a reference that closing the store releases. */
    RedisPresenceStore store(String name) {
        RedisPresenceStore s;
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("online-now: this Redis node is closed");
            }
            s = new RedisPresenceStore(this, name, settings);
            stores.add(s);
        }
        if (healthy) {
            // a first view for the first request, so that it does not show this node alone
            try {
                executor.submit(this::tickNow).get(settings.redisTimeout().toMillis() * 4 + 1000, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                // the background catches up
            }
        }
        return s;
    }

    String id() {
        return id;
    }

    /** The record's keeper on this node (one per OnlineNow); synced each round. */
    RedisRecord record(dev.onlinenow.internal.store.RecordKeeper.Listener listener) {
        RedisRecord r = new RedisRecord(this, listener);
        records.add(r);
        return r;
    }

    void removeRecord(RedisRecord r) {
        records.remove(r);
    }

    String namespace() {
        return namespace;
    }

    OnlineNowSettings settings() {
        return settings;
    }

    boolean isClosed() {
        return closed;
    }

    /** True while the last exchange with Redis worked. */
    /** How many times Redis was declared down since start. */
    int timesDown() {
        return timesDown.get();
    }

    boolean healthy() {
        return healthy;
    }

    /** How long Redis has answered without a failure in between; 0 while it is down. */
    long upForMillis() {
        return healthy ? TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - upSinceNanos) : 0;
    }

    /** Commands this node sent to Redis so far (for tests and benchmarks). */
    long commandsSent() {
        return commands.sum();
    }

    /** Background rounds run so far. */

    /** The connection, or null while there is none. */
    StatefulConnection<String, String> connection() {
        return connection;
    }

    /**
     * The commands of the connection (a standalone Redis or a Redis Cluster: the interface is
     * theirs in common), or null while there is no connection.
     */
    RedisClusterAsyncCommands<String, String> commands() {
        return connection == null ? null : async;
    }

    /** The commands, or null while there is no connection or Redis is known to be down. */
    RedisClusterAsyncCommands<String, String> commandsIfHealthy() {
        return connection == null || !healthy ? null : async;
    }

    /** True on a Redis Cluster of Redis 7 or later: room channels are sharded (SPUBLISH, SSUBSCRIBE). */
    boolean shardedPubSub() {
        return shardedPubSub;
    }

    /** True once a first connection found that {@code redisUri} names a Redis Cluster. */
    boolean cluster() {
        return clusterClient != null;
    }

    /** A new pub/sub connection (a cluster's when this node is on one). */
    StatefulRedisPubSubConnection<String, String> connectPubSub() {
        RedisClusterClient cc = clusterClient;
        return cc != null ? cc.connectPubSub() : client.connectPubSub(uris.get(0));
    }

    /** Told about every connection this node's clients make or make again (pub/sub too). */
    void onConnected(RedisConnectionStateListener listener) {
        connectionListeners.add(listener);
    }

    ScheduledExecutorService executor() {
        return executor;
    }

    /** Runs one flush round on the node's thread and waits for it (tests). */
    void tick() {
        runOnNode(this::tickNow);
    }

    /** Refreshes the liveness key on the node's thread and waits (tests). */
    void heartbeat() {
        try {
            heartbeat.submit(this::heartbeatNow).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(e);
        }
    }

    private void runOnNode(Runnable r) {
        try {
            executor.submit(r).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Asks for a flush round soon (a reader found the view stale); never waits. */
    void refreshSoon() {
        if (!options.background() || closed || !refreshQueued.compareAndSet(false, true)) {
            return;
        }
        try {
            executor.execute(() -> {
                refreshQueued.set(false);
                tickNow();
            });
        } catch (RuntimeException rejected) {
            refreshQueued.set(false);
        }
    }

    /** How old the read view may get before a reader asks for a refresh. */
    long readIntervalMillis() {
        return options.flushInterval().toMillis();
    }

    long pruneIntervalMillis() {
        return options.pruneInterval().toMillis();
    }

    /**
     * Waits for a command issued from a request thread, at most {@code redisTimeout}; a failure
     * marks Redis down and answers null.
     */
    <T> T await(RedisFuture<T> future) {
        try {
            return future.get(settings.redisTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            markDown(e instanceof ExecutionException ? e.getCause() : e);
            return null;
        }
    }

    // --- the node's thread ---------------------------------------------------------------

    private void tickNow() {
        if (closed) {
            return;
        }
        try {
            if (!connectIfNeeded()) {
                return;
            }
            RedisClusterAsyncCommands<String, String> redis = async;
            long now = settings.clock().millis();
            boolean prune = now - lastPrune >= options.pruneInterval().toMillis() || now < lastPrune;
            if (reRegister) {
                reRegister = false;
                registeredSinceDown = true;
                for (RedisPresenceStore s : stores) {
                    s.registerAll(redis);
                }
                // our liveness key went with the data: put it back, so the next heartbeat does not
                // take its absence for another loss
                sync.set(nodeKey, nodeValue, SetArgs.Builder.px(settings.nodeTimeout().toMillis()));
                for (Runnable r : registerAgainListeners) {
                    r.run();
                }
                prune = true;
            }
            boolean sent = false;
            for (RedisPresenceStore s : stores) {
                sent |= s.flush(redis, now, prune);
            }
            for (RedisRecord r : records) {
                r.sync(redis, prune); // a prune round also reads it (Redis may have lost it: raise again)
            }
            if (prune) {
                lastPrune = now;
            }
            if (sent) {
                markUp();
            } else if (!connection.isOpen()) {
                markDown(new IllegalStateException("disconnected"));
            }
        } catch (RuntimeException e) {
            markDown(e);
        }
    }

    private void heartbeatNow() {
        if (closed || !connectIfNeeded()) {
            return;
        }
        try {
            String previous = sync.setGet(nodeKey, nodeValue,
                    SetArgs.Builder.px(settings.nodeTimeout().toMillis()));
            if (previous == null && heartbeats > 0) {
                // our key vanished before its time: Redis restarted, was flushed or failed over
                reRegister = true;
            }
            heartbeats++;
            markUp();
        } catch (RuntimeException e) {
            markDown(e);
        }
    }

    /** What the liveness key holds: host and pid, for people reading Redis. Resolved once: a slow
     * resolver must never delay a heartbeat. */
    private static String describeThisNode() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "unknown";
        }
        return host + " pid " + ProcessHandle.current().pid();
    }

    /** Makes the first connection if there is none; Lettuce reconnects an established one itself. */
    private boolean connectIfNeeded() {
        if (connection != null) {
            return true;
        }
        synchronized (connectLock) {
            return connectNow();
        }
    }

    private boolean connectNow() {
        if (connection != null) {
            return true;
        }
        if (misconfigured != null) {
            return false;
        }
        try {
            if (clusterClient == null) {
                detectAndConnect();
            } else {
                connectCluster(clusterClient);
            }
            if (connection == null) {
                return false;
            }
            if (everConnected) {
                reRegister = true;
            }
            everConnected = true;
            markUp();
            return true;
        } catch (RuntimeException e) {
            markDown(e);
            return false;
        }
    }

    /*
     * The first connection: to the first of the URIs that answers, asking it whether it is a
     * node of a Redis Cluster (INFO cluster: cluster_enabled:1). A standalone Redis (or one a
     * Sentinel names) keeps that connection, as before; a cluster node's is closed and a cluster
     * client takes over with every URI as a seed.
     */
    private void detectAndConnect() {
        RuntimeException failure = null;
        for (RedisURI uri : uris) {
            StatefulRedisConnection<String, String> c;
            try {
                c = client.connect(uri);
            } catch (RuntimeException e) {
                failure = e;
                continue;
            }
            boolean isCluster;
            try {
                isCluster = isClusterNode(c.sync().info("cluster"));
            } catch (io.lettuce.core.RedisCommandExecutionException refused) {
                isCluster = false; // INFO renamed or refused: nothing says cluster
            } catch (RuntimeException e) {
                c.closeAsync();
                failure = e;
                continue;
            }
            if (!isCluster) {
                if (uris.size() > 1) {
                    c.closeAsync();
                    misconfigured = "online-now: bad value for '" + OnlineNowSettings.REDIS_URI + "': \""
                            + OnlineNowSettings.redact(settings.redisUri().toString()) + "\"; several URIs are for the "
                            + "nodes of a Redis Cluster, but " + describe(uri) + " is not a cluster node "
                            + "(cluster_enabled:0); name a standalone Redis with one URI";
                    LOG.log(Level.ERROR, misconfigured);
                    return;
                }
                setConnection(c, c.async(), c.sync());
                return;
            }
            shardedPubSub = majorVersion(c) >= 7;
            c.closeAsync();
            RedisClusterClient cc = RedisClusterClient.create(resources, uris);
            cc.setOptions(ClusterClientOptions.builder()
                    .autoReconnect(true)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .socketOptions(socketOptions)
                    .timeoutOptions(TimeoutOptions.enabled(settings.redisTimeout()))
                    // a failover (a replica promoted) is found by adaptive refreshes (reconnects
                    // that keep failing, MOVED, ASK) and at the latest by the periodic one
                    .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                            .enablePeriodicRefresh(TOPOLOGY_REFRESH)
                            .enableAllAdaptiveRefreshTriggers()
                            .adaptiveRefreshTriggersTimeout(Duration.ofSeconds(2))
                            .refreshTriggersReconnectAttempts(3)
                            .build())
                    .build());
            cc.addListener(commandListener);
            cc.addListener(stateListener);
            clusterClient = cc;
            LOG.log(Level.INFO, "online-now: " + describe(uri) + " is a node of a Redis Cluster; using the cluster");
            connectCluster(cc);
            return;
        }
        throw failure != null ? failure : new IllegalStateException("no Redis URI");
    }

    private void connectCluster(RedisClusterClient cc) {
        StatefulRedisClusterConnection<String, String> c = cc.connect();
        setConnection(c, c.async(), c.sync());
    }

    private void setConnection(StatefulConnection<String, String> c, RedisClusterAsyncCommands<String, String> a,
                               RedisClusterCommands<String, String> s) {
        async = a;
        sync = s;
        connection = c; // last: whoever sees the connection sees its commands
    }

    /** How often a cluster client reads the cluster's topology even when nothing suggests a change. */
    static final Duration TOPOLOGY_REFRESH = Duration.ofSeconds(10);

    /* a comma before a scheme separates two URIs (a Sentinel URI's own commas separate its hosts) */
    private static final java.util.regex.Pattern URI_SEPARATOR =
            java.util.regex.Pattern.compile("\\s*,\\s*(?=[A-Za-z][A-Za-z0-9+.-]*://)");

    /** The URIs in {@code redisUri}: one, or several comma-separated (the nodes of a cluster). */
    static List<String> splitUris(URI uri) {
        return List.of(URI_SEPARATOR.split(uri.toString()));
    }

    /** The major version INFO server says (redis_version:7.0.15 is 7), 0 if it does not say. */
    private static int majorVersion(StatefulRedisConnection<String, String> c) {
        try {
            return majorVersion(c.sync().info("server"));
        } catch (RuntimeException e) {
            return 0;
        }
    }

    static int majorVersion(String info) {
        if (info != null) {
            for (String line : info.split("\\r?\\n")) {
                if (line.startsWith("redis_version:")) {
                    String v = line.substring("redis_version:".length()).trim();
                    int dot = v.indexOf('.');
                    try {
                        return Integer.parseInt(dot < 0 ? v : v.substring(0, dot));
                    } catch (NumberFormatException e) {
                        return 0;
                    }
                }
            }
        }
        return 0;
    }

    /** True when {@code INFO cluster} says {@code cluster_enabled:1}. */
    static boolean isClusterNode(String info) {
        if (info == null) {
            return false;
        }
        for (String line : info.split("\r?\n")) {
            if (line.trim().equals("cluster_enabled:1")) {
                return true;
            }
        }
        return false;
    }

    /**
     * The URIs of {@code redisUri}: one, or several (comma-separated) naming nodes of one Redis
     * Cluster. Lettuce's complaint is not repeated: it may quote the URI, password and all.
     */
    private static List<RedisURI> parseUris(OnlineNowSettings settings, ClientResources resources) {
        List<RedisURI> out = new ArrayList<>();
        try {
            for (String part : splitUris(settings.redisUri())) {
                RedisURI uri = RedisURI.create(part);
                uri.setTimeout(settings.redisTimeout());
                out.add(uri);
            }
        } catch (RuntimeException e) {
            resources.shutdown(0, 0, TimeUnit.SECONDS);
            throw new IllegalArgumentException("online-now: bad value for '" + OnlineNowSettings.REDIS_URI + "': \""
                    + OnlineNowSettings.redact(settings.redisUri().toString()) + "\"; Lettuce cannot use it ("
                    + e.getClass().getSimpleName() + ")");
        }
        return out;
    }

    private void markUp() {
        boolean wasDown;
        long since;
        synchronized (lock) {
            wasDown = !healthy;
            since = downSince;
            if (health != null) {
                HealthRecorder.of(health).up(); // first: whoever sees healthy() true sees the health up
            }
            if (!healthy) {
                upSinceNanos = System.nanoTime();
            }
            healthy = true;
            downSince = -1;
        }
        if (wasDown && since >= 0) {
            if (!registeredSinceDown) {
                reRegister = true;
            }
            LOG.log(Level.INFO, "online-now: Redis at " + description + " is back after "
                    + Duration.ofMillis(System.currentTimeMillis() - since).toSeconds()
                    + " s");
        }
    }

    void markDown(Throwable cause) {
        boolean first;
        synchronized (lock) {
            first = healthy || downSince < 0;
            if (health != null && !closed) {
                HealthRecorder.of(health).down(cause); // first: whoever sees healthy() false sees the health down
            }
            healthy = false;
            if (downSince < 0) {
                downSince = System.currentTimeMillis();
                registeredSinceDown = false;
            }
        }
        if (first) {
            timesDown.incrementAndGet();
        }
        if (first && !closed) {
            LOG.log(Level.WARNING, "online-now: Redis at " + description + " is not answering (" + cause
                    + "); counting this server's users locally until it is back. Requests are not affected.");
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        synchronized (NODES) {
            NODES.remove(settings, this);
        }
        try {
            // last flush and goodbye, bounded: a dead Redis must not hold up the web app's shutdown
            executor.submit(() -> {
                RedisClusterAsyncCommands<String, String> redis = commands();
                if (redis == null || !healthy) {
                    return;
                }
                try {
                    long now = settings.clock().millis();
                    for (RedisPresenceStore s : stores) {
                        s.flush(redis, now, false);
                    }
                    redis.del(nodeKey).get(settings.redisTimeout().toMillis(), TimeUnit.MILLISECONDS);
                } catch (Exception e) {
                    LOG.log(Level.DEBUG, "online-now: last flush to Redis failed", e);
                }
            }).get(settings.redisTimeout().toMillis() * 4 + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            LOG.log(Level.DEBUG, "online-now: last flush to Redis did not finish", e);
        }
        executor.shutdownNow();
        heartbeat.shutdownNow();
        // closes the connection too
        RedisClusterClient cc = clusterClient;
        if (cc != null) {
            cc.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
        for (RedisPresenceStore s : stores) {
            s.closeLocal();
        }
    }

    /** scheme://host:port without credentials, for logs; several, comma-separated, for a cluster's seeds. */
    static String describe(URI uri) {
        Objects.requireNonNull(uri, "uri");
        List<String> out = new ArrayList<>();
        for (String part : splitUris(uri)) {
            out.add(describeOne(URI.create(part)));
        }
        return String.join(",", out);
    }

    private static String describe(RedisURI uri) {
        return OnlineNowSettings.redact((uri.isSsl() ? "rediss" : "redis") + "://" + uri.getHost() + ":" + uri.getPort());
    }

    private static String describeOne(URI uri) {
        String host = uri.getHost() == null ? uri.getSchemeSpecificPart() : uri.getHost();
        if (host != null && host.contains("@")) {
            host = host.substring(host.indexOf('@') + 1);
        }
        return OnlineNowSettings.redact(uri.getScheme() + "://" + host + (uri.getPort() > 0 ? ":" + uri.getPort() : ""));
    }

    @Override
    public String toString() {
        return "RedisNode[" + id + " at " + description + ", " + namespace + "]";
    }
}
