package dev.onlinenow.redis.bench;

import dev.onlinenow.testing.LiveServer;
import dev.onlinenow.testing.WsClient;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * How long a {@code join} takes from one node to a client of another: two embedded Tomcats with
 * the live endpoint and {@code store=redis} on one Redis (ONLINE_NOW_REDIS_URI or
 * redis://127.0.0.1:6379); a client on node B joins and leaves a room over and over, and the time
 * from sending {@code join} to a client on node A receiving the {@code join} frame is recorded.
 *
 * <pre>
 * mvn -q -B test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.onlinenow.redis.bench.CrossNodeJoinBench -Diterations=2000
 * </pre>
 */
public final class CrossNodeJoinBench {

    public static void main(String[] args) throws Exception {
        int iterations = Integer.getInteger("iterations", 2000);
        int warmup = Integer.getInteger("warmup", 300);
        String uri = System.getenv().getOrDefault("ONLINE_NOW_REDIS_URI", "redis://127.0.0.1:6379");
        Map<String, String> params = new HashMap<>();
        params.put("store", "redis");
        params.put("redisUri", uri);
        params.put("redisNamespace", "bench-" + UUID.randomUUID());
        // one client joins and leaves as fast as it can: lift the per-connection rate limit
        params.put("maxMessagesPerSecond", "10000");
        try (LiveServer a = LiveServer.builder().contextParams(params).start();
             LiveServer b = LiveServer.builder().contextParams(params).start()) {
            WsClient watcher = a.connectAs("watcher");
            watcher.join("room");
            watcher.next("state");
            WsClient mover = b.connectAs("mover");
            long[] nanos = new long[iterations];
            for (int i = -warmup; i < iterations; i++) {
                long t0 = System.nanoTime();
                mover.join("room");
                watcher.next("join");
                long t1 = System.nanoTime();
                if (i >= 0) {
                    nanos[i] = t1 - t0;
                }
                mover.next("state");
                mover.leave("room");
                watcher.next("leave");
            }
            Arrays.sort(nanos);
            System.out.printf("cross-node join delivery over %d joins: p50=%.2f ms p90=%.2f ms p99=%.2f ms max=%.2f ms%n",
                    iterations, ms(nanos, 0.50), ms(nanos, 0.90), ms(nanos, 0.99), nanos[nanos.length - 1] / 1e6);
            watcher.close();
            mover.close();
        }
    }

    private static double ms(long[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)] / 1e6;
    }
}
