package dev.onlinenow.redis;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.pubsub.StatefulRedisClusterPubSubConnection;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;

import java.net.SocketAddress;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * All of the live layer's Redis pub/sub: the name of a room's channel, publishing, and one
 * subscriber connection per node whose channels follow the rooms this node hosts. Nothing else
 * touches pub/sub, so a transport of another kind (Redis Cluster's sharded pub/sub) changes this
 * class alone.
 *
 * <p>Channels: {@code ns:live:{ROOM}}, one per room ({@link #roomChannel}); the braces are a
 * Redis Cluster hash tag: on a cluster a room's channel is in the slot of the room's name (its
 * keys are in their bucket's slot, see {@link RedisRoomState}), so the rooms' traffic spreads
 * over every shard.
 *
 * <p>On a Redis Cluster of Redis 7 or later the channels are sharded ({@code SPUBLISH},
 * {@code SSUBSCRIBE}, {@code SUNSUBSCRIBE}, one channel per command): a room's messages travel
 * only through the shard that owns the hash slot of its channel's name, not through every node
 * of the cluster. Lettuce sends each {@code SSUBSCRIBE} to the master of the channel's slot but
 * does not move the subscription when that master fails and a replica takes over, so this class
 * does: at each {@link #checkShards()} (every liveness beat) and after every reconnect, each
 * channel whose slot has another master now is subscribed again there, and the caller reconciles
 * (what was published meanwhile is lost, as across a reconnect). A cluster of an earlier Redis
 * gets plain {@code PUBLISH}/{@code SUBSCRIBE}, which every node of the cluster relays.
 *
 * <p>The subscriber connection is made on first need (and again by {@link #connectIfNeeded} after
 * a failure); Lettuce subscribes its channels again by itself after a reconnect, and
 * {@code onReconnect} runs then (messages published meanwhile are lost: the caller reconciles).
 * The listener gets {@code (channel, payload)} on Lettuce's I/O thread and must not block.
 */
final class RedisPubSub implements AutoCloseable {

    private final RedisNode node;
    private final String prefix;
    private final BiConsumer<String, String> listener;
    private final Runnable onReconnect;
    /** The channels this node wants, subscribed or not yet (a subscriber made later subscribes them). */
    private final Set<String> wanted = ConcurrentHashMap.newKeySet();
    /** Channels whose unsubscribe failed (the connection was down): Lettuce would subscribe them again. */
    private final Set<String> unsubscribeFailed = ConcurrentHashMap.newKeySet();
    private final Object lock = new Object();
    private volatile StatefulRedisPubSubConnection<String, String> connection;
    /** Sharded pub/sub (a Redis Cluster of Redis 7 or later); fixed when the connection is made. */
    private volatile boolean sharded;
    /** Sharded: the master each wanted channel was last subscribed on (its node id). */
    private final Map<String, String> shardOf = new ConcurrentHashMap<>();
    private volatile boolean closed;

    RedisPubSub(RedisNode node, BiConsumer<String, String> listener, Runnable onReconnect) {
        this.node = node;
        this.prefix = node.namespace() + ":live:";
        this.listener = listener;
        this.onReconnect = onReconnect;
        node.onConnected(new RedisConnectionStateListener() {
            @Override
            public void onRedisConnected(RedisChannelHandler<?, ?> c, SocketAddress address) {
                StatefulRedisPubSubConnection<String, String> p = connection;
                if (c != null && c == p && !sharded) {
                    // Lettuce subscribes again what Redis had confirmed; a subscribe or unsubscribe
                    // refused while the connection was down is put right here
                    String[] all = wanted.toArray(new String[0]);
                    if (all.length > 0) {
                        p.async().subscribe(all);
                    }
                    retryUnsubscribes();
                    onReconnect.run();
                } else if (c instanceof StatefulRedisPubSubConnection && p != null && sharded) {
                    // a cluster's connections to its nodes are other handlers than the subscriber:
                    // one came back or a new master was found; subscribe each channel where its
                    // slot is served now (off Lettuce's I/O thread), then reconcile
                    try {
                        node.executor().execute(() -> {
                            resubscribeAll();
                            retryUnsubscribes();
                            onReconnect.run();
                        });
                    } catch (java.util.concurrent.RejectedExecutionException closing) {
                        // the node is closing
                    }
                }
            }
        });
    }

    /** The one place a room's channel name is made: {@code ns:live:{ROOM}}. */
    String roomChannel(String room) {
        return prefix + "{" + room + "}";
    }

    /** The room of a channel {@link #roomChannel} made, or null for another channel. */
    String roomOf(String channel) {
        if (channel.length() < prefix.length() + 2 || !channel.startsWith(prefix)
                || channel.charAt(prefix.length()) != '{' || channel.charAt(channel.length() - 1) != '}') {
            return null;
        }
        return channel.substring(prefix.length() + 1, channel.length() - 1);
    }

    /**
     * Publishes on the node's command connection (not awaited by anyone); completes with the number
     * of subscribers Redis delivered it to, or exceptionally (Redis down or no connection).
     */
    CompletionStage<Long> publish(String channel, String payload) {
        RedisClusterAsyncCommands<String, String> c = node.commandsIfHealthy();
        if (c == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("Redis is not reachable"));
        }
        return shardedNow() ? c.spublish(channel, payload) : c.publish(channel, payload);
    }

    /* the mode before the subscriber exists: what the node found (publishing needs no subscriber) */
    private boolean shardedNow() {
        return connection != null ? sharded : node.cluster() && node.shardedPubSub();
    }

    /** Starts receiving {@code channel}; completes when Redis confirmed (or at once if there is no subscriber yet). */
    CompletionStage<Void> subscribe(String channel) {
        wanted.add(channel);
        StatefulRedisPubSubConnection<String, String> p = connection;
        if (p == null) {
            return CompletableFuture.completedFuture(null); // connectIfNeeded subscribes it
        }
        return subscribeOn(p, channel);
    }

    private CompletionStage<Void> subscribeOn(StatefulRedisPubSubConnection<String, String> p, String channel) {
        if (!sharded) {
            return p.async().subscribe(channel).thenApply(v -> (Void) null);
        }
        String master = masterOf(p, channel);
        return p.async().ssubscribe(channel).thenApply(v -> {
            if (master != null && wanted.contains(channel)) {
                shardOf.put(channel, master);
            }
            return (Void) null;
        });
    }

    /** The id of the master serving the channel's hash slot, as the subscriber last saw the cluster. */
    private static String masterOf(StatefulRedisPubSubConnection<String, String> p, String channel) {
        if (!(p instanceof StatefulRedisClusterPubSubConnection<String, String> c)) {
            return null;
        }
        Partitions partitions = c.getPartitions();
        RedisClusterNode m = partitions == null ? null : partitions.getMasterBySlot(SlotHash.getSlot(channel));
        return m == null ? null : m.getNodeId();
    }

    /**
     * Sharded pub/sub: subscribes again every channel whose slot is served by another master than
     * the one it was subscribed on (a failover promoted a replica, or the slot moved). Not awaited.
     *
     * @return true if any channel was subscribed again (the caller reconciles: messages published
     *         to the new master before this reached nobody here)
     */
    boolean checkShards() {
        StatefulRedisPubSubConnection<String, String> p = connection;
        if (!sharded || p == null || closed) {
            return false;
        }
        boolean moved = false;
        for (String channel : wanted) {
            String now = masterOf(p, channel);
            String was = shardOf.get(channel);
            if (now != null && !now.equals(was)) {
                moved = true;
                subscribeOn(p, channel);
            }
        }
        return moved;
    }

    /** Sharded pub/sub: subscribes every wanted channel again, where its slot is served now. */
    private void resubscribeAll() {
        StatefulRedisPubSubConnection<String, String> p = connection;
        if (!sharded || p == null || closed) {
            return;
        }
        for (String channel : wanted) {
            subscribeOn(p, channel);
        }
    }

    /** Stops receiving {@code channel}; completes when Redis confirmed. */
    CompletionStage<Void> unsubscribe(String channel) {
        wanted.remove(channel);
        StatefulRedisPubSubConnection<String, String> p = connection;
        if (p == null) {
            return CompletableFuture.completedFuture(null);
        }
        shardOf.remove(channel);
        return (sharded ? p.async().sunsubscribe(channel) : p.async().unsubscribe(channel)).handle((v, e) -> {
            if (e != null) {
                unsubscribeFailed.add(channel);
            }
            return (Void) null;
        });
    }

    private void retryUnsubscribes() {
        for (String ch : unsubscribeFailed) {
            unsubscribeFailed.remove(ch);
            if (!wanted.contains(ch)) {
                unsubscribe(ch);
            }
        }
    }

    /** Whether this node wants {@code channel} (it hosts the room). */
    boolean wants(String channel) {
        return wanted.contains(channel);
    }

    /** Channels wanted now. */
    int channels() {
        return wanted.size();
    }

    /**
     * Makes the subscriber connection if there is none, and subscribes every channel wanted
     * (waits for Redis: the node's thread only). True if a new connection was made.
     */
    boolean connectIfNeeded() {
        // only once the node found what it talks to (a standalone Redis or a cluster)
        if (connection != null || closed || node.connection() == null) {
            return false;
        }
        synchronized (lock) {
            if (connection != null || closed) {
                return false;
            }
            boolean shard = node.cluster() && node.shardedPubSub();
            StatefulRedisPubSubConnection<String, String> p = node.connectPubSub();
            try {
                // in CLIENT LIST: which node's subscriber this is (restored by Lettuce on reconnect)
                p.sync().clientSetname(node.namespace() + ":sub:" + node.id());
            } catch (RuntimeException ignored) {
                // a Redis without CLIENT SETNAME (a proxy): the name is only for people
            }
            p.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String channel, String payload) {
                    if (!closed) {
                        listener.accept(channel, payload);
                    }
                }

                @Override
                public void smessage(String channel, String payload) {
                    if (!closed) {
                        listener.accept(channel, payload);
                    }
                }
            });
            sharded = shard;
            String[] all = wanted.toArray(new String[0]);
            if (shard) {
                // one channel per SSUBSCRIBE: one command may name the channels of one slot only
                for (String a : all) {
                    String master = masterOf(p, a);
                    p.sync().ssubscribe(a);
                    if (master != null) {
                        shardOf.put(a, master);
                    }
                }
            } else if (all.length > 0) {
                p.sync().subscribe(all);
            }
            connection = p;
            // a channel wanted, or no longer wanted, while we subscribed the others
            for (String a : all) {
                if (!wanted.contains(a)) {
                    shardOf.remove(a);
                    if (shard) {
                        p.async().sunsubscribe(a);
                    } else {
                        p.async().unsubscribe(a);
                    }
                }
            }
            for (String ch : wanted) {
                boolean missing = true;
                for (String a : all) {
                    if (a.equals(ch)) {
                        missing = false;
                        break;
                    }
                }
                if (missing) {
                    subscribeOn(p, ch);
                }
            }
            return true;
        }
    }

    boolean connected() {
        return connection != null;
    }

    @Override
    public void close() {
        closed = true;
        StatefulRedisPubSubConnection<String, String> p = connection;
        if (p != null) {
            p.closeAsync();
        }
    }
}
