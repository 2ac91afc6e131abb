package dev.onlinenow.redis;

import dev.onlinenow.OnlineNowSettings;
import dev.onlinenow.OnlineNowStats;
import dev.onlinenow.store.PresenceStore;
import dev.onlinenow.internal.store.StoreFactory;
import dev.onlinenow.store.StoreHealth;

import java.util.Objects;

/**
 * {@code store=redis}: the online index shared by every server of a web app through one Redis.
 *
 * <p>The core loads this class by name ({@link StoreFactory#REDIS_FACTORY}) so that the Redis
 * client, Lettuce, stays an optional dependency. One factory makes the stores of one
 * {@code OnlineNow} ({@code users} and {@code guests}); stores made with one settings object share
 * one Redis connection, one background thread and one node id with each other and with the live
 * layer's Redis backend, and the last of them closed closes the node.
 *
 * <p>What is kept in Redis, and with which commands, is documented in {@code docs/redis.md} and
 * in {@link RedisNode}.
 */
public final class RedisStoreFactory implements StoreFactory {

    private final RedisNode.Options options;
    private RedisNode node;

    /** The factory the core instantiates for {@code store=redis}. */
    public RedisStoreFactory() {
        this(RedisNode.Options.DEFAULT);
    }

    /** A factory with other timings (tests drive the background work by hand with these). */
    RedisStoreFactory(RedisNode.Options options) {
        this.options = Objects.requireNonNull(options, "options");
    }

    /**
     * A store named {@code name} kept in Redis under {@code redisNamespace:name}.
     *
     * @throws IllegalArgumentException when the name is not a plain word
     */
    @Override
    public PresenceStore create(String name, OnlineNowSettings settings) {
        return create(name, settings, null, null);
    }

    /** Like {@link #create(String, OnlineNowSettings)}; the node reports to these (null: nowhere). */
    @Override
    public synchronized PresenceStore create(String name, OnlineNowSettings settings, OnlineNowStats stats,
                                             StoreHealth health) {
        Objects.requireNonNull(settings, "settings");
        if (name == null || !name.matches("[A-Za-z0-9_-]{1,32}")) {
            throw new IllegalArgumentException("online-now: bad store name \"" + name + "\"; expected a plain word");
        }
        RedisNode n = RedisNode.acquire(settings, options);
        try {
            n.reportTo(stats, health);
            node = n;
            return n.store(name);
        } catch (RuntimeException e) {
            n.release();
            throw e;
        }
    }

    /** The record in Redis ({@code ns:record}), on the node of the stores made so far. */
    @Override
    public synchronized dev.onlinenow.internal.store.RecordKeeper record(OnlineNowSettings settings,
                                                                dev.onlinenow.internal.store.RecordKeeper.Listener listener) {
        return node == null ? null : node.record(listener);
    }

    /** The node behind the stores made so far (the live layer shares its connection and id). */
    synchronized RedisNode node() {
        return node;
    }
}
