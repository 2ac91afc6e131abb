package dev.onlinenow.redis;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;

import java.net.SocketAddress;
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
 * Redis Cluster hash tag, so a room's channel can share a slot with the room's keys.
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
    private volatile boolean closed;

    RedisPubSub(RedisNode node, BiConsumer<String, String> listener, Runnable onReconnect) {
        this.node = node;
        this.prefix = node.namespace() + ":live:";
        this.listener = listener;
        this.onReconnect = onReconnect;
        node.client().addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisConnected(RedisChannelHandler<?, ?> c, SocketAddress address) {
                StatefulRedisPubSubConnection<String, String> p = connection;
                if (c != null && c == p) {
                    // Lettuce subscribes again what Redis had confirmed; a subscribe or unsubscribe
                    // refused while the connection was down is put right here
                    String[] all = wanted.toArray(new String[0]);
                    if (all.length > 0) {
                        p.async().subscribe(all);
                    }
                    for (String ch : unsubscribeFailed) {
                        unsubscribeFailed.remove(ch);
                        if (!wanted.contains(ch)) {
                            unsubscribe(ch);
                        }
                    }
                    onReconnect.run();
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
        StatefulRedisConnection<String, String> c = node.connection();
        if (c == null || !node.healthy()) {
            return CompletableFuture.failedFuture(new IllegalStateException("Redis is not reachable"));
        }
        return c.async().publish(channel, payload);
    }

    /** Starts receiving {@code channel}; completes when Redis confirmed (or at once if there is no subscriber yet). */
    CompletionStage<Void> subscribe(String channel) {
        wanted.add(channel);
        StatefulRedisPubSubConnection<String, String> p = connection;
        if (p == null) {
            return CompletableFuture.completedFuture(null); // connectIfNeeded subscribes it
        }
        return p.async().subscribe(channel).thenApply(v -> (Void) null);
    }

    /** Stops receiving {@code channel}; completes when Redis confirmed. */
    CompletionStage<Void> unsubscribe(String channel) {
        wanted.remove(channel);
        StatefulRedisPubSubConnection<String, String> p = connection;
        if (p == null) {
            return CompletableFuture.completedFuture(null);
        }
        return p.async().unsubscribe(channel).handle((v, e) -> {
            if (e != null) {
                unsubscribeFailed.add(channel);
            }
            return (Void) null;
        });
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
        if (connection != null || closed) {
            return false;
        }
        synchronized (lock) {
            if (connection != null || closed) {
                return false;
            }
            StatefulRedisPubSubConnection<String, String> p = node.client().connectPubSub();
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
            });
            String[] all = wanted.toArray(new String[0]);
            if (all.length > 0) {
                p.sync().subscribe(all);
            }
            connection = p;
            // a channel wanted, or no longer wanted, while we subscribed the others
            for (String a : all) {
                if (!wanted.contains(a)) {
                    p.async().unsubscribe(a);
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
                    p.async().subscribe(ch);
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
