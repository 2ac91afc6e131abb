package dev.onlinenow.redis;

import dev.onlinenow.MutableClock;
import dev.onlinenow.OnlineNow;
import dev.onlinenow.OnlineNowSettings;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** A user or password in {@code redisUri} appears in no log line, toString or error message. */
class SecretsNeverLoggedTest {

    static final String SECRET = "s3cr3t-Pa55";

    @Test
    void redactHidesUserInformationAndQueryCredentials() {
        assertThat(OnlineNowSettings.redact("redis://user:" + SECRET + "@cache.example:6380/2"))
                .isEqualTo("redis://***@cache.example:6380/2");
        assertThat(OnlineNowSettings.redact("rediss://:" + SECRET + "@cache.example")).isEqualTo("rediss://***@cache.example");
        assertThat(OnlineNowSettings.redact("redis-sentinel://" + SECRET + "@h1:26379,h2:26379/0#mymaster"))
                .isEqualTo("redis-sentinel://***@h1:26379,h2:26379/0#mymaster");
        assertThat(OnlineNowSettings.redact("redis-socket:///var/run/redis.sock?database=1&password=" + SECRET))
                .isEqualTo("redis-socket:///var/run/redis.sock?database=1&password=***");
        assertThat(OnlineNowSettings.redact("redis:" + SECRET + "@host")).isEqualTo("redis:***@host");
        assertThat(OnlineNowSettings.redact("redis://user:" + SECRET + "@a b c")).doesNotContain(SECRET);
        assertThat(OnlineNowSettings.redact("PT15M")).isEqualTo("PT15M");
        assertThat(OnlineNowSettings.redact("https://a.example, https://b.example")).isEqualTo("https://a.example, https://b.example");
        assertThat(OnlineNowSettings.redact("redis://cache:6379")).isEqualTo("redis://cache:6379");
    }

    @Test
    void settingsToStringAndSourceForMessages() {
        OnlineNowSettings s = OnlineNowSettings.builder().set("store", "redis")
                .set("redisUri", "redis://admin:" + SECRET + "@cache:6379/0").build();
        assertThat(s.toString()).doesNotContain(SECRET).contains("redis://***@cache:6379/0");
        assertThat(OnlineNowSettings.redacted(s.source()).toString()).doesNotContain(SECRET);
        assertThat(s.source().get("redisUri")).as("the raw value is still there for comparing").contains(SECRET);
    }

    @Test
    void aBadRedisUriAtStartUpIsNamedWithoutItsPassword() {
        Throwable bad = catchThrowable(() -> OnlineNowSettings.builder()
                .set("redisUri", "redis://admin:" + SECRET + "@cache:6379/0 oops"));
        assertThat(bad).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("redisUri")
                .hasMessageContaining("redis://***@cache:6379/0 oops");
        assertThat(chain(bad)).doesNotContain(SECRET);

        Throwable unknown = catchThrowable(() -> OnlineNowSettings.builder()
                .set("redisURL", "redis://admin:" + SECRET + "@cache:6379/0"));
        assertThat(unknown).hasMessageContaining("redisURL");
        assertThat(chain(unknown)).doesNotContain(SECRET);

        Throwable notRedis = catchThrowable(() -> OnlineNowSettings.builder()
                .set("redisUri", "http://admin:" + SECRET + "@cache:6379/0"));
        assertThat(notRedis).hasMessageContaining("a Redis URI");
        assertThat(chain(notRedis)).doesNotContain(SECRET);
    }

    @Test
    void aUriLettuceRefusesIsNamedWithoutItsPassword() {
        OnlineNowSettings s = OnlineNowSettings.builder().store(OnlineNowSettings.StoreKind.REDIS)
                .redisUri(URI.create("redis://admin:" + SECRET + "@")).build();
        Throwable refused = catchThrowable(() -> OnlineNow.create(s).close());
        assertThat(refused).isNotNull();
        assertThat(chain(refused)).contains("redisUri").doesNotContain(SECRET);
    }

    @Test
    void logLinesOfARedisStoreNameNoCredentials() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        List<LogRecord> records = new ArrayList<>();
        Handler h = new Handler() {
            @Override
            public synchronized void publish(LogRecord r) {
                records.add(r);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        h.setLevel(Level.ALL);
        Logger ours = Logger.getLogger("dev.onlinenow");
        Level before = ours.getLevel();
        ours.setLevel(Level.ALL);
        ours.addHandler(h);
        try {
            OnlineNowSettings s = OnlineNowSettings.builder().store(OnlineNowSettings.StoreKind.REDIS)
                    .redisUri(URI.create("redis://admin:" + SECRET + "@127.0.0.1:" + port + "/0"))
                    .redisTimeout(Duration.ofMillis(200)).clock(new MutableClock()).build();
            try (OnlineNow online = OnlineNow.create(s)) {
                online.touch("alice");
                RedisNode node = ((RedisPresenceStore) online.users()).node();
                assertThat(node.toString()).doesNotContain(SECRET);
            }
        } finally {
            ours.removeHandler(h);
            ours.setLevel(before);
        }
        synchronized (h) {
            assertThat(records).as("the Redis store logs something (it is down)").isNotEmpty();
            for (LogRecord r : records) {
                String line = r.getMessage() + " " + (r.getParameters() == null ? "" : List.of(r.getParameters()))
                        + " " + chain(r.getThrown());
                assertThat(line).doesNotContain(SECRET);
            }
        }
    }

    /** Every message of a throwable and its causes, and their toStrings. */
    static String chain(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            sb.append(c).append(" | ");
            for (Throwable s : c.getSuppressed()) {
                sb.append(chain(s));
            }
        }
        return sb.toString();
    }
}
