package dev.onlinenow.redis;

import dev.onlinenow.internal.store.RecordKeeper;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;

import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The web app's record in Redis: the hash {@code ns:record} with the fields {@code count} and
 * {@code at} (epoch milliseconds), without a TTL, so that it outlives every server. Raised by a
 * script ({@link #RAISE}) that compares and sets in one step, so two servers raising at once keep
 * the higher; the script answers the record as it stands, which tells this server of the others'
 * raises. Sent once per round of the node's thread (every flush interval) while this server has
 * a record to offer or has not read it for a while; requests never wait for it.
 */
final class RedisRecord implements RecordKeeper {

    /** KEYS[1] the hash; ARGV[1] count, ARGV[2] at. Raises when count is higher; answers {count, at}. */
    static final String RAISE = String.join("\n",
            "local c = tonumber(redis.call('HGET', KEYS[1], 'count') or '0')",
            "local n = tonumber(ARGV[1])",
            "if n > c then",
            "  redis.call('HSET', KEYS[1], 'count', ARGV[1], 'at', ARGV[2])",
            "  return {ARGV[1], ARGV[2]}",
            "end",
            "return redis.call('HMGET', KEYS[1], 'count', 'at')");

    /** Rounds between two reads when this server has nothing to offer (another server may have raised it). */
    static final int READ_EVERY = 10;

    private final RedisNode node;
    private final String key;
    private final Listener listener;
    private final AtomicLong offeredCount = new AtomicLong();
    private volatile long offeredAt;
    private long sentCount = -1; // the node's thread only
    private int idleRounds; // the node's thread only

    RedisRecord(RedisNode node, Listener listener) {
        this.node = node;
        this.key = node.namespace() + ":record";
        this.listener = listener;
    }

    String key() {
        return key;
    }

    @Override
    public void offer(long count, long epochMilli) {
        long before;
        do {
            before = offeredCount.get();
            if (count <= before) {
                return;
            }
            offeredAt = epochMilli; // racy with a concurrent higher offer: the time of one of them is kept
        } while (!offeredCount.compareAndSet(before, count));
    }

    /** One round on the node's thread: raise or read. Throws when Redis does not answer (the node marks it down). */
    void sync(RedisClusterAsyncCommands<String, String> redis, boolean again) {
        long count = offeredCount.get();
        if (count == sentCount && !again && ++idleRounds < READ_EVERY) {
            return;
        }
        idleRounds = 0;
        RedisFuture<List<Object>> f = redis.eval(RAISE, ScriptOutputType.MULTI, new String[] {key},
                Long.toString(count), Long.toString(offeredAt));
        List<Object> r;
        try {
            r = f.get(node.settings().redisTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(e instanceof ExecutionException ? e.getCause() : e);
        }
        sentCount = count;
        if (r != null && r.size() == 2 && r.get(0) != null && r.get(1) != null) {
            try {
                listener.higher(Long.parseLong(String.valueOf(r.get(0))), Long.parseLong(String.valueOf(r.get(1))));
            } catch (NumberFormatException notOurs) {
                // someone else's value under our key: our next raise overwrites it if lower
            }
        }
    }

    @Override
    public void close() {
        node.removeRecord(this);
    }
}
