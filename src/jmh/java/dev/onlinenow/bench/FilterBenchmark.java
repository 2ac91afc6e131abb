package dev.onlinenow.bench;

import dev.onlinenow.OnlineNow;
import dev.onlinenow.OnlineNowFilter;
import dev.onlinenow.OnlineNowSettings;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Issue 2: the per-request cost of {@link OnlineNowFilter} with 10k and 1M users online, beside a
 * faithful port of the Django snippet ({@link DjangoSnippetFilter}) on the same Ehcache.
 *
 * <p>Each operation is one request of a user drawn at random from those online, through the real
 * {@code doFilter} with a recycled hand-written request ({@link BenchRequest}). Three benchmarks
 * and a control ({@code noFilter}):
 * <ul>
 *   <li>{@code onlineNowFilter}: the filter alone; the page reads nothing. {@code onlineNowIds}
 *       is lazy, so this is what every request pays.</li>
 *   <li>{@code onlineNowFilterPageReadsIds}: the page also reads {@code onlineNowIds} (the 50
 *       most recent), as a page showing "who is online" does: what the snippet computes on every
 *       request.</li>
 *   <li>{@code djangoSnippet}: the snippet's port; its list is always computed.</li>
 * </ul>
 * The {@code clock} parameter is explained in {@link BenchClock}. The threshold is 30 days so
 * that nobody expires during a run: in {@code writes} mode a trial at 10k users simulates about a
 * day on a 2-core VM (one simulated second per 1,000 requests of a thread), more on a faster
 * machine, and a mass expiry would shrink the population being measured (the trial's tear-down
 * checks that it did not).
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms3g", "-Xmx3g", "-XX:+AlwaysPreTouch"})
public class FilterBenchmark {

    static final Duration THRESHOLD = Duration.ofDays(30);
    static final int ONLINE_MAX = 50;
    static final int MAX_TRACKED = 2_000_000;

    /** The users online: numeric ids as a database hands them out, all of 7 digits. */
    static String[] ids(int users) {
        String[] ids = new String[users];
        for (int i = 0; i < users; i++) {
            ids[i] = String.valueOf(1_000_000 + i);
        }
        return ids;
    }

    /** What the page read: a field, so that the read is not optimised away. */
    static Object shown;

    /**
     * The page: it reads {@code onlineNowCount}, as the minimal JSP of the container benchmark
     * ({@code <p>${onlineNowCount} online</p>}) does, from the request it is given. (Until
     * 2026-12-02 it read nothing, and the benchmark read the attribute after the filter.)
     */
    static final FilterChain PAGE = (req, res) -> shown = req.getAttribute(OnlineNowFilter.COUNT_ATTRIBUTE);

    /** A "who is online" page: the count, and the ids (the 50 most recent). */
    static final FilterChain PAGE_READS_IDS = (req, res) -> {
        Object count = req.getAttribute(OnlineNowFilter.COUNT_ATTRIBUTE);
        shown = ((List<?>) req.getAttribute(OnlineNowFilter.IDS_ATTRIBUTE)).size() > 0 ? count : null;
    };

    /** The online-now filter with {@code users} online. */
    @State(Scope.Benchmark)
    public static class OnlineNowState {
        @Param({"10000", "1000000"})
        int users;

        @Param({"real", "coalesced", "writes"})
        String clock;

        BenchClock time;
        String[] ids;
        OnlineNow online;
        OnlineNowFilter filter;

        @Setup(Level.Trial)
        public void setUp() {
            time = BenchClock.of(clock);
            ids = ids(users);
            OnlineNowSettings settings = OnlineNowSettings.builder()
                    .threshold(THRESHOLD).maxCount(ONLINE_MAX).maxTracked(MAX_TRACKED).clock(time).build();
            online = OnlineNow.inProcess(settings);
            filter = new OnlineNowFilter(online);
            for (String id : ids) {
                online.touch(id);
            }
            check();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            check(); // nobody expired or was evicted: the figures are for this many users
            online.close();
        }

        private void check() {
            if (online.count() != users) {
                throw new IllegalStateException("expected " + users + " online, found " + online.count());
            }
        }
    }

    /** The Django snippet's port with {@code users} online, the last 50 of them in its index. */
    @State(Scope.Benchmark)
    public static class DjangoState {
        @Param({"10000", "1000000"})
        int users;

        @Param({"real", "coalesced", "writes"})
        String clock;

        BenchClock time;
        String[] ids;
        DjangoSnippetFilter filter;

        @Setup(Level.Trial)
        public void setUp() {
            time = BenchClock.of(clock);
            ids = ids(users);
            filter = new DjangoSnippetFilter(THRESHOLD, ONLINE_MAX, MAX_TRACKED, time);
            List<Long> index = new ArrayList<>();
            for (String id : ids) {
                long uid = Long.parseLong(id);
                filter.seed(uid);
                index.add(uid);
                if (index.size() > ONLINE_MAX) {
                    index.remove(0);
                }
            }
            filter.seedIndex(index);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            filter.close();
        }
    }

    /** The control's users: the same ids, on the real clock, and no index at all. */
    @State(Scope.Benchmark)
    public static class ControlState {
        @Param({"10000", "1000000"})
        int users;

        final BenchClock time = BenchClock.of("real");
        String[] ids;

        @Setup(Level.Trial)
        public void setUp() {
            ids = ids(users);
        }
    }

    /** One benchmark thread's recycled request and random source. */
    @State(Scope.Thread)
    public static class Client {
        final BenchRequest request = new BenchRequest();
        final BenchResponse response = new BenchResponse();
        final SplittableRandom random = new SplittableRandom(42 + Thread.currentThread().getId());
        long ops;

        BenchRequest next(String[] ids, BenchClock clock) {
            clock.tick(++ops);
            return request.recycle(ids[random.nextInt(ids.length)]);
        }
    }

    /**
     * The control: a random user's request through no filter at all, only the page. What the
     * harness costs (picking a user from a large array is a cache miss or two at 1M users) is in
     * every other figure too; subtract it to see the filters alone.
     */
    @Benchmark
    public Object noFilter(ControlState s, Client c) throws IOException, ServletException {
        BenchRequest request = c.next(s.ids, s.time);
        PAGE.doFilter(request, c.response);
        return shown;
    }

    @Benchmark
    public Object onlineNowFilter(OnlineNowState s, Client c) throws IOException, ServletException {
        BenchRequest request = c.next(s.ids, s.time);
        s.filter.doFilter(request, c.response, PAGE);
        return shown;
    }

    @Benchmark
    public Object onlineNowFilterPageReadsIds(OnlineNowState s, Client c) throws IOException, ServletException {
        BenchRequest request = c.next(s.ids, s.time);
        s.filter.doFilter(request, c.response, PAGE_READS_IDS);
        return shown;
    }

    @Benchmark
    public int djangoSnippet(DjangoState s, Client c) throws IOException, ServletException {
        BenchRequest request = c.next(s.ids, s.time);
        s.filter.doFilter(request, c.response, PAGE);
        return ((List<?>) request.getAttribute(DjangoSnippetFilter.ATTRIBUTE)).size();
    }
}
