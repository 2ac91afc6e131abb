package dev.onlinenow.internal.store;

import dev.onlinenow.store.LastSeen;
import dev.onlinenow.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A returning user's time moves forward in place, and the store, not Ehcache, expires entries:
 * these tests pin down what that must keep.
 */
class EhcachePresenceStoreActivityTest {

    private static final Duration THRESHOLD = Duration.ofMinutes(15);

    private final MutableClock clock = new MutableClock();
    private final EhcachePresenceStore store = new EhcachePresenceStore("activity", THRESHOLD, 100_000, clock);

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void aUserActiveForLongerThanTheThresholdStaysOnline() {
        for (int i = 0; i < 12; i++) { // two hours, a request every ten minutes
            store.touch("alice");
            assertThat(store.count()).isEqualTo(1);
            assertThat(store.lastSeen("alice")).contains(clock.instant());
            clock.advance(Duration.ofMinutes(10));
        }
        assertThat(store.recent(10)).extracting(LastSeen::id).containsExactly("alice");
        clock.advance(THRESHOLD);
        assertThat(store.lastSeen("alice")).isEmpty();
        assertThat(store.count()).isZero();
    }

    @Test
    void touchesRacingTheSweepOfTheSameUsersKeepEveryoneOnline() throws Exception {
        int users = 5_000;
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int i = 0; i < users; i++) {
                store.touch("u" + i);
            }
            for (int round = 0; round < 10; round++) {
                clock.advance(THRESHOLD); // everyone is due to be swept ...
                Instant now = clock.instant();
                CountDownLatch start = new CountDownLatch(1);
                AtomicBoolean touching = new AtomicBoolean(true);
                Future<?> toucher = pool.submit(() -> { // ... while every one of them comes back
                    start.await();
                    for (int i = 0; i < users; i++) {
                        store.touch("u" + i);
                    }
                    touching.set(false);
                    return null;
                });
                Future<?> sweeper = pool.submit(() -> {
                    start.await();
                    while (touching.get()) {
                        store.sweep();
                        store.count();
                    }
                    return null;
                });
                start.countDown();
                toucher.get(20, TimeUnit.SECONDS);
                sweeper.get(20, TimeUnit.SECONDS);

                assertThat(store.count()).isEqualTo(users);
                assertThat(store.recent(users + 10)).hasSize(users)
                        .allSatisfy(s -> assertThat(s.instant()).isEqualTo(now));
                for (int i = 0; i < users; i += 97) {
                    assertThat(store.lastSeen("u" + i)).contains(now);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
