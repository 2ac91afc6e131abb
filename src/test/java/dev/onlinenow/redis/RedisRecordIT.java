package dev.onlinenow.redis;

import dev.onlinenow.MutableClock;
import dev.onlinenow.OnlineNow;
import dev.onlinenow.OnlineNowSettings;
import dev.onlinenow.store.PresenceStore;
import io.lettuce.core.ScriptOutputType;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The record in Redis: raised atomically by every server, learnt by each, kept without a TTL. */
class RedisRecordIT extends RedisITBase {

    private final MutableClock clock = new MutableClock();

    private OnlineNowSettings settings(URI redis) {
        return OnlineNowSettings.builder().store(OnlineNowSettings.StoreKind.REDIS).redisUri(redis)
                .redisNamespace(ns).clock(clock).build();
    }

    /** A server: its factory's node runs rounds only when the test says. */
    private record Server(RedisStoreFactory factory, PresenceStore users, RedisRecord record, AtomicLong learnt,
                          AtomicLong learntAt) {
        void round() {
            ((RedisPresenceStore) users).node().tick();
        }
    }

    private Server server() {
        OnlineNowSettings s = settings(uri);
        RedisStoreFactory f = new RedisStoreFactory(RedisNode.Options.manual());
        PresenceStore users = closeLater(f.create("users", s));
        AtomicLong learnt = new AtomicLong();
        AtomicLong learntAt = new AtomicLong();
        RedisRecord r = closeLater((RedisRecord) f.record(s, (count, at) -> {
            learnt.set(count);
            learntAt.set(at);
        }));
        return new Server(f, users, r, learnt, learntAt);
    }

    @Test
    void eachServerRaisesItAndLearnsTheOthersRaises() {
        Server a = server();
        Server b = server();
        a.record().offer(5, 1_000);
        a.round();
        assertThat(peek.redis.hgetall(ns + ":record")).containsEntry("count", "5").containsEntry("at", "1000");
        assertThat(peek.redis.ttl(ns + ":record")).as("kept for good").isEqualTo(-1);

        b.record().offer(3, 2_000);
        b.round();
        assertThat(b.learnt()).as("b learns a's higher record").hasValue(5);
        assertThat(b.learntAt()).hasValue(1_000);
        assertThat(peek.redis.hget(ns + ":record", "count")).isEqualTo("5");

        b.record().offer(8, 3_000);
        b.round();
        assertThat(peek.redis.hget(ns + ":record", "count")).isEqualTo("8");
        // a reads it within READ_EVERY rounds though it has nothing new to offer
        for (int i = 0; i < RedisRecord.READ_EVERY && a.learnt().get() != 8; i++) {
            a.round();
        }
        assertThat(a.learnt()).hasValue(8);
        assertThat(a.learntAt()).hasValue(3_000);
    }

    @Test
    void raisesRacingFromManyClientsKeepTheHighest() throws Exception {
        int threads = 8;
        int each = 200;
        CountDownLatch done = new CountDownLatch(threads);
        List<Throwable> failures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int me = t;
            new Thread(() -> {
                try (RedisTestSupport.Peek p = new RedisTestSupport.Peek(uri)) {
                    for (int i = 0; i < each; i++) {
                        long n = (long) i * threads + me;
                        p.redis.eval(RedisRecord.RAISE, ScriptOutputType.MULTI, new String[] {ns + ":record"},
                                Long.toString(n), Long.toString(n));
                    }
                } catch (Throwable e) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                } finally {
                    done.countDown();
                }
            }).start();
        }
        assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
        assertThat(failures).isEmpty();
        long max = (long) (each - 1) * threads + threads - 1;
        assertThat(peek.redis.hget(ns + ":record", "count")).isEqualTo(Long.toString(max));
        assertThat(peek.redis.hget(ns + ":record", "at")).isEqualTo(Long.toString(max));
    }

    @Test
    void anIndexOnRedisTakesTheClustersRecordAndRaisesIt() {
        OnlineNowSettings s = settings(uri);
        peek.redis.hset(ns + ":record", java.util.Map.of("count", "40", "at", "1234"));
        try (OnlineNow online = OnlineNow.create(s)) {
            dev.onlinenow.testing.Await.until("the cluster's record", Duration.ofSeconds(30),
                    () -> online.record().getCount() == 40);
            assertThat(online.record().getMillis()).isEqualTo(1234);
            online.noteCount(41);
            dev.onlinenow.testing.Await.until("the record raised in Redis", Duration.ofSeconds(30),
                    () -> "41".equals(peek.redis.hget(ns + ":record", "count")));
        }
    }
}
