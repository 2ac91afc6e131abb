package dev.onlinenow.bench;

import org.ehcache.Cache;
import org.ehcache.CacheManager;
import org.ehcache.config.builders.CacheConfigurationBuilder;
import org.ehcache.config.builders.CacheManagerBuilder;
import org.ehcache.config.builders.ExpiryPolicyBuilder;
import org.ehcache.config.builders.ResourcePoolsBuilder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The floor under {@link FilterBenchmark}: what it costs, with the same harness (a user drawn at
 * random among {@code users}, the same id strings), to reach one user's entry in structures that
 * hold one entry per user, and read its time. No filter, no request: only the memory a look-up
 * must touch. At 1M users each level of indirection is a cache miss.
 *
 * <ul>
 *   <li>{@code idHash}: the harness alone, plus the id's hash (the id string is read).</li>
 *   <li>{@code directMapped}: one array slot, then the entry (what {@code SeenSlots} does).</li>
 *   <li>{@code concurrentHashMap}: the JDK's map: its table slot, its node, then the entry.</li>
 *   <li>{@code ehcache}: Ehcache 3's {@code Cache.get} with a time-to-idle expiry, as the store
 *       configures it: its table slot, its node, its value holder, then the entry.</li>
 * </ul>
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms3g", "-Xmx3g", "-XX:+AlwaysPreTouch"})
@State(Scope.Benchmark)
public class FloorBenchmark {

    /** An entry like the store's: an id and a time. */
    static final class Entry {
        final String id;
        volatile long at;

        Entry(String id, long at) {
            this.id = id;
            this.at = at;
        }
    }

    @Param({"10000", "1000000"})
    int users;

    String[] ids;
    Entry[] direct;
    int shift;
    ConcurrentHashMap<String, Entry> map;
    CacheManager manager;
    Cache<String, Entry> cache;
    final SplittableRandom random = new SplittableRandom(42);

    @Setup
    public void setUp() {
        ids = FilterBenchmark.ids(users);
        direct = new Entry[Integer.highestOneBit(users) << 2];
        shift = 32 - Integer.numberOfTrailingZeros(direct.length);
        map = new ConcurrentHashMap<>(users * 2);
        manager = CacheManagerBuilder.newCacheManagerBuilder()
                .withCache("floor", CacheConfigurationBuilder
                        .newCacheConfigurationBuilder(String.class, Entry.class, ResourcePoolsBuilder.heap(users * 2L))
                        .withExpiry(ExpiryPolicyBuilder.timeToIdleExpiration(FilterBenchmark.THRESHOLD)))
                .build(true);
        cache = manager.getCache("floor", String.class, Entry.class);
        for (String id : ids) {
            Entry e = new Entry(id, 1);
            direct[slot(id)] = e;
            map.put(id, e);
            cache.put(id, e);
        }
    }

    @TearDown
    public void tearDown() {
        manager.close();
    }

    private int slot(String id) {
        return (id.hashCode() * 0x9E3779B9) >>> shift;
    }

    private String next() {
        return ids[random.nextInt(ids.length)];
    }

    @Benchmark
    public int idHash() {
        return next().hashCode();
    }

    @Benchmark
    public long directMapped() {
        String id = next();
        Entry e = direct[slot(id)];
        return e != null && e.id == id ? e.at : -1;
    }

    @Benchmark
    public long concurrentHashMap() {
        return map.get(next()).at;
    }

    @Benchmark
    public long ehcache() {
        return cache.get(next()).at;
    }
}
