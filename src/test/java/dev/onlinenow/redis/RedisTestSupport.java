package dev.onlinenow.redis;

import dev.onlinenow.testing.Await;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The real Redis the *IT tests use: {@code ONLINE_NOW_REDIS_URI}, or redis://127.0.0.1:6379.
 * Outside CI a missing Redis skips the tests with a message; with {@code CI=true} it fails them.
 */
public final class RedisTestSupport {

    static final String URI_ENV = "ONLINE_NOW_REDIS_URI";

    private RedisTestSupport() {
    }

    static URI uri() {
        String env = System.getenv(URI_ENV);
        return URI.create(env == null || env.isBlank() ? "redis://127.0.0.1:6379" : env.trim());
    }

    /** Skips (or, in CI, fails) the calling test when the shared Redis does not answer PING. */
    static URI requireRedis() {
        URI uri = uri();
        String problem = ping(uri);
        if (problem != null) {
            String message = "no Redis at " + uri + " (" + problem + "); start one (redis-server) or set "
                    + URI_ENV + " to run the Redis tests";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                Assertions.fail("CI=true: " + message);
            }
            Assumptions.abort(message);
        }
        return uri;
    }

    /** Null if PING works, else what went wrong. */
    static String ping(URI uri) {
        RedisURI r = RedisURI.create(uri);
        r.setTimeout(Duration.ofSeconds(2));
        RedisClient client = RedisClient.create(r);
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            return "PONG".equals(c.sync().ping()) ? null : "no PONG";
        } catch (RuntimeException e) {
            return e.toString();
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    static String namespace() {
        return "test-" + UUID.randomUUID();
    }

    /** A plain client for looking at what the stores wrote. */
    static final class Peek implements AutoCloseable {
        final RedisClient client;
        final StatefulRedisConnection<String, String> connection;
        final RedisCommands<String, String> redis;

        Peek(URI uri) {
            RedisURI r = RedisURI.create(uri);
            r.setTimeout(Duration.ofSeconds(10));
            client = RedisClient.create(r);
            connection = client.connect();
            redis = connection.sync();
        }

        List<String> keys(String namespace) {
            List<String> out = new ArrayList<>();
            ScanCursor cursor = ScanCursor.INITIAL;
            do {
                KeyScanCursor<String> page = redis.scan(cursor, ScanArgs.Builder.matches(namespace + ":*").limit(500));
                out.addAll(page.getKeys());
                cursor = page;
            } while (!cursor.isFinished());
            return out;
        }

        /** Deletes every key of a test namespace. */
        void clean(String namespace) {
            List<String> keys = keys(namespace);
            if (!keys.isEmpty()) {
                redis.del(keys.toArray(new String[0]));
            }
        }

        @Override
        public void close() {
            connection.close();
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }


    /**
     * A redis-server of the test's own on a free port, without persistence, that the test may stop
     * and start again (the shared one is never stopped).
     */
    public static final class OwnRedis implements AutoCloseable {
        final int port;
        private Process process;

        private OwnRedis(int port) {
            this.port = port;
        }

        /** Starts one, or skips the test when there is no redis-server binary to start. */
        public static OwnRedis start() throws IOException, InterruptedException {
            String binary = findBinary();
            if (binary == null) {
                String message = "no redis-server binary on the PATH; the Redis restart tests need one to start their own";
                if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                    Assertions.fail("CI=true: " + message);
                }
                Assumptions.abort(message);
            }
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            OwnRedis r = new OwnRedis(port);
            r.startProcess();
            return r;
        }

        public URI uri() {
            return URI.create("redis://127.0.0.1:" + port);
        }

        void startProcess() throws IOException, InterruptedException {
            process = new ProcessBuilder(findBinary(), "--port", String.valueOf(port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no")
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            Await.until("redis-server on port " + port, Duration.ofSeconds(20), () -> ping(uri()) == null);
        }

        void stop() throws InterruptedException {
            if (process != null) {
                process.destroyForcibly();
                process.waitFor(20, TimeUnit.SECONDS);
                process = null;
            }
        }

        @Override
        public void close() throws InterruptedException {
            stop();
        }

        private static String findBinary() {
            String path = System.getenv("PATH");
            if (path == null) {
                return null;
            }
            for (String dir : path.split(File.pathSeparator)) {
                File f = new File(dir, "redis-server");
                if (f.canExecute()) {
                    return f.getAbsolutePath();
                }
            }
            return null;
        }
    }
}
