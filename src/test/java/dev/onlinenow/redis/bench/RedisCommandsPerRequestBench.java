package dev.onlinenow.redis.bench;

import dev.onlinenow.OnlineNow;
import dev.onlinenow.OnlineNowSettings;
import dev.onlinenow.redis.RedisTestSupport.OwnRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Redis commands per HTTP request with {@code store=redis}: N users browsing (one page every
 * {@code think} seconds on average, exponential think times) spread over two nodes, each page
 * doing what OnlineNowFilter does (touch, exact count, the top {@code maxCount} ids). Runs its
 * own redis-server on a free port and reads {@code total_commands_processed} there, so nothing
 * else is counted.
 *
 * <pre>
 * mvn -q -B test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.onlinenow.redis.bench.RedisCommandsPerRequestBench \
 *     -Dusers=1000 -Dthink=10 -Dseconds=60
 * </pre>
 */
public final class RedisCommandsPerRequestBench {

    public static void main(String[] args) throws Exception {
        int users = Integer.getInteger("users", 1000);
        double think = Double.parseDouble(System.getProperty("think", "10"));
        int seconds = Integer.getInteger("seconds", 60);
        int nodes = Integer.getInteger("nodes", 2);

        OwnRedis redis = OwnRedis.start(); // answers PING before start() returns
        URI uri = redis.uri();
        RedisClient admin = RedisClient.create(uri.toString());
        try {
            StatefulRedisConnection<String, String> c = admin.connect();
            OnlineNow[] online = new OnlineNow[nodes];
            for (int i = 0; i < nodes; i++) {
                online[i] = OnlineNow.create(OnlineNowSettings.builder().store(OnlineNowSettings.StoreKind.REDIS)
                        .redisUri(uri).threshold(Duration.ofMinutes(15)).build());
            }
            LongAdder requests = new LongAdder();
            ScheduledExecutorService pool = Executors.newScheduledThreadPool(4);
            Random random = new Random(42);
            long start = System.nanoTime();
            c.sync().configResetstat();
            long commandsBefore = totalCommands(c);
            for (int u = 0; u < users; u++) {
                String id = "user" + u;
                OnlineNow node = online[u % nodes];
                long firstDelay = (long) (random.nextDouble() * think * 1000);
                schedule(pool, node, id, firstDelay, think, random, requests);
            }
            Thread.sleep(seconds * 1000L);
            pool.shutdownNow();
            pool.awaitTermination(10, TimeUnit.SECONDS);
            long commands = totalCommands(c) - commandsBefore - 1; // minus our own INFO
            double elapsed = (System.nanoTime() - start) / 1e9;
            long n = requests.sum();
            long count = online[0].count();
            System.out.printf("users=%d nodes=%d think=%.1fs duration=%.1fs requests=%d (%.0f/s) "
                            + "redisCommands=%d (%.1f/s) commandsPerRequest=%.4f countOnNode0=%d%n",
                    users, nodes, think, elapsed, n, n / elapsed, commands, commands / elapsed,
                    (double) commands / n, count);
            for (OnlineNow o : online) {
                o.close();
            }
            c.close();
        } finally {
            admin.shutdown();
            redis.close();
        }
    }

    private static void schedule(ScheduledExecutorService pool, OnlineNow node, String id, long delayMillis,
                                 double think, Random random, LongAdder requests) {
        pool.schedule(() -> {
            // what the filter does for a page that shows "N online" and the list
            node.touch(id);
            node.count();
            List<String> ids = node.onlineIds();
            if (ids.isEmpty()) {
                throw new IllegalStateException("the current user must be listed");
            }
            requests.increment();
            double next;
            synchronized (random) {
                next = -Math.log(1 - random.nextDouble()) * think * 1000;
            }
            schedule(pool, node, id, (long) next, think, random, requests);
        }, delayMillis, TimeUnit.MILLISECONDS);
    }

    private static long totalCommands(StatefulRedisConnection<String, String> c) {
        for (String line : c.sync().info("stats").split("\r?\n")) {
            if (line.startsWith("total_commands_processed:")) {
                return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        throw new IllegalStateException("no total_commands_processed in INFO stats");
    }
}
