package dev.onlinenow;

import dev.onlinenow.internal.store.EhcachePresenceStore;
import dev.onlinenow.store.LastSeen;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

/**
 * Many threads, one index: nothing may be lost or counted twice. The Django snippet this library
 * replaces loses users here, because it reads a shared list, edits it and writes it back.
 */
class OnlineIndexRaceTest {

    private static final int THREADS = 8;
    private static final int REQUESTS_PER_THREAD = 100_000;
    private static final int USERS = 10_000;

    private final MutableClock clock = new MutableClock();
    private OnlineNow online;

    @AfterEach
    void close() {
        if (online != null) {
            online.close();
        }
    }

    @Test
    void eightThreadsTimesOneHundredThousandRequestsOverTenThousandUsers() throws Exception {
        online = OnlineNow.inProcess(OnlineNowSettings.builder().clock(clock).maxCount(50)
                .threshold(Duration.ofHours(1)).build());
        OnlineNowFilter filter = new OnlineNowFilter(online);
        HttpServletRequest base = mock(HttpServletRequest.class);
        FilterChain chain = (req, res) -> { };
        HttpServletResponse response = mock(HttpServletResponse.class);

        inParallel(thread -> {
            for (int i = 0; i < REQUESTS_PER_THREAD; i++) {
                // every thread walks the same users, so touches of one user collide, with
                // a per-thread offset so that they are not in lock-step
                String user = "user-" + ((i + thread * 7) % USERS);
                filter.doFilter(new Request(base, user), response, chain);
                if (i % 64 == thread) {
                    clock.advance(Duration.ofMillis(97)); // forces real writes, not only coalesced ones
                }
            }
        });
        // the whole run spans less than the threshold, so every user is online, exactly once
        assertThat(Duration.ofMillis(clock.millis() - new MutableClock().millis())).isLessThan(Duration.ofMinutes(50));
        assertThat(online.count()).isEqualTo(USERS);
        List<LastSeen> all = online.recent(USERS + 100);
        assertThat(all).hasSize(USERS);
        Set<String> ids = new HashSet<>();
        for (LastSeen s : all) {
            ids.add(s.id());
        }
        assertThat(ids).hasSize(USERS);
        for (int u = 0; u < USERS; u++) {
            assertThat(ids).contains("user-" + u);
        }
        for (int i = 1; i < all.size(); i++) {
            assertThat(all.get(i).epochMilli()).isLessThanOrEqualTo(all.get(i - 1).epochMilli());
            assertThat(online.lastSeen(all.get(i).id())).hasValue(all.get(i).instant());
        }

        // and the top of the list is exactly who came last, most recent first
        List<String> last = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            clock.advance(Duration.ofSeconds(2));
            String user = "user-" + ThreadLocalRandom.current().nextInt(USERS);
            last.remove(user);
            last.add(0, user);
            filter.doFilter(new Request(base, user), response, chain);
        }
        assertThat(online.onlineIds()).startsWith(last.toArray(new String[0]));
        assertThat(online.count()).isEqualTo(USERS);

        // a threshold later, nobody is left
        clock.advance(Duration.ofHours(1));
        assertThat(online.count()).isZero();
        assertThat(online.onlineIds()).isEmpty();
    }

    @Test
    void touchesAndLogoutsRacingOnTheSameUsersKeepCountAndListInAgreement() throws Exception {
        online = OnlineNow.inProcess(OnlineNowSettings.builder().clock(clock).build());
        int users = 64;
        inParallel(thread -> {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            for (int i = 0; i < 50_000; i++) {
                String user = "u" + random.nextInt(users);
                int op = random.nextInt(10);
                if (op == 0) {
                    online.logout(user);
                } else {
                    online.touch(user);
                }
                if (op == 1) {
                    clock.advance(Duration.ofMillis(333));
                }
            }
        });
        int online = 0;
        for (int u = 0; u < users; u++) {
            if (this.online.isOnline("u" + u)) {
                online++;
            }
        }
        assertThat(this.online.count()).isEqualTo(online);
        assertThat(this.online.recent(1000)).hasSize(online);
        // and the counter recovers exactly once everything expires
        clock.advance(Duration.ofMinutes(16));
        assertThat(this.online.count()).isZero();
        assertThat(this.online.recent(1000)).isEmpty();
    }

    @Test
    void touchesRacingWithSweepsNeverLoseAnActiveUserNorKeepAnExpiredOne() throws Exception {
        // a threshold of 200 ms on a clock the threads move: users expire and come back all the
        // time, so sweeps (run by touches and counts) race with touches of the very users they take
        Duration threshold = Duration.ofMillis(200);
        EhcachePresenceStore store = new EhcachePresenceStore("race", threshold, 10_000, clock, Duration.ofMillis(1));
        try {
            int users = 500;
            AtomicLongArray before = new AtomicLongArray(users); // clock read before the newest touch began
            AtomicLongArray after = new AtomicLongArray(users); // clock read after the newest touch returned
            inParallel(thread -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                for (int i = 0; i < 100_000; i++) {
                    int u = random.nextInt(users);
                    long t0 = clock.millis();
                    store.touch("u" + u);
                    long t1 = clock.millis();
                    before.accumulateAndGet(u, t0, Math::max);
                    after.accumulateAndGet(u, t1, Math::max);
                    if (i % 16 == thread) {
                        clock.advance(Duration.ofMillis(1));
                    }
                    if (i % 1000 == 0) {
                        store.count();
                    }
                }
            });
            long now = clock.millis();
            long cutoff = now - threshold.toMillis();
            int online = 0;
            for (int u = 0; u < users; u++) {
                boolean isOnline = store.lastSeen("u" + u).isPresent();
                if (before.get(u) > cutoff) {
                    assertThat(isOnline).as("u%d, touched at %d, cutoff %d", u, before.get(u), cutoff).isTrue();
                }
                if (after.get(u) <= cutoff) {
                    assertThat(isOnline).as("u%d, last touch over by %d, cutoff %d", u, after.get(u), cutoff).isFalse();
                }
                online += isOnline ? 1 : 0;
            }
            assertThat(online).isPositive();
            assertThat(store.count()).isEqualTo(online);
            assertThat(store.recent(users * 2)).hasSize(online);
            clock.advance(threshold);
            assertThat(store.count()).isZero();
            assertThat(store.recent(users * 2)).isEmpty();
        } finally {
            store.close();
        }
    }

    interface Work {
        void run(int thread) throws Exception;
    }

    /** Runs {@code work} on {@link #THREADS} threads released at once; rethrows the first failure. */
    private static void inParallel(Work work) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    start.await();
                    work.run(thread);
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(5, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** A cheap request: Mockito would record 800,000 invocations. */
    private static final class Request extends HttpServletRequestWrapper {
        private final String user;
        private final Map<String, Object> attributes = new HashMap<>(8);

        Request(HttpServletRequest base, String user) {
            super(base);
            this.user = user;
        }

        @Override
        public String getRemoteUser() {
            return user;
        }

        @Override
        public HttpSession getSession(boolean create) {
            return null;
        }

        @Override
        public String getRequestURI() {
            return "/page";
        }

        @Override
        public String getContextPath() {
            return "";
        }

        @Override
        public void setAttribute(String name, Object o) {
            attributes.put(name, o);
        }

        @Override
        public Object getAttribute(String name) {
            return attributes.get(name);
        }

        @Override
        public ServletContext getServletContext() {
            return null;
        }
    }
}
