package dev.onlinenow.bench;

import dev.onlinenow.internal.store.EhcachePresenceStore;
import dev.onlinenow.internal.store.IndexFile;
import dev.onlinenow.store.LastSeen;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Issue 22 at 1,000,000 users (one location each, among {@code locations}):
 * <ul>
 *   <li>{@code viewerCount}: {@code on:viewerCount(L)} for a random location (the index by
 *       location: the size of one set, never a scan of every user);</li>
 *   <li>{@code viewers}: {@code on:viewers(L)}'s look-up, the 50 most recent at L (reads the
 *       people of that location alone);</li>
 *   <li>{@code locateSame}: a request's location when it did not change (the common case: a
 *       comparison), and {@code locateMove}: a move to another location;</li>
 *   <li>{@code save} and {@code load} (single shot): the index to {@code dataDir} and back.</li>
 * </ul>
 * Run: {@code mvn -q -B -Pbench test-compile exec:exec -Dbench.args="CommunityBenchmark"}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms3g", "-Xmx3g", "-XX:+AlwaysPreTouch"})
public class CommunityBenchmark {

    static final Duration THRESHOLD = Duration.ofDays(30);

    @State(Scope.Benchmark)
    public static class Index {
        @Param({"1000000"})
        int users;

        @Param({"10", "1000", "100000"})
        int locations;

        EhcachePresenceStore store;
        String[] ids;
        String[] places;

        @Setup(Level.Trial)
        public void setUp() {
            store = new EhcachePresenceStore("bench", THRESHOLD, 2_000_000, Clock.systemUTC());
            ids = FilterBenchmark.ids(users);
            places = new String[locations];
            for (int i = 0; i < locations; i++) {
                places[i] = "/board/" + i;
            }
            for (int i = 0; i < users; i++) {
                store.touch(ids[i]);
                store.locate(ids[i], places[i % locations]);
            }
            if (store.count() != users) {
                throw new IllegalStateException("expected " + users + " online, found " + store.count());
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            store.close();
        }
    }

    @State(Scope.Thread)
    public static class Random {
        final SplittableRandom r = new SplittableRandom(42);
    }

    @Benchmark
    public long viewerCount(Index index, Random random) {
        return index.store.countAt(index.places[random.r.nextInt(index.locations)]);
    }

    @Benchmark
    public List<LastSeen> viewers(Index index, Random random) {
        return index.store.recentAt(index.places[random.r.nextInt(index.locations)], 50);
    }

    @Benchmark
    public boolean locateSame(Index index, Random random) {
        int i = random.r.nextInt(index.users);
        return index.store.locate(index.ids[i], index.places[i % index.locations]);
    }

    @Benchmark
    public boolean locateMove(Index index, Random random) {
        int i = random.r.nextInt(index.users);
        return index.store.locate(index.ids[i], index.places[random.r.nextInt(index.locations)]);
    }

    /** Save and load of the whole index, once per iteration. */
    @State(Scope.Benchmark)
    public static class Saved {
        @Param({"1000000"})
        int users;

        Path dir;
        Path file;
        List<LastSeen> entries;

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            dir = Files.createTempDirectory("online-now-bench");
            file = dir.resolve(IndexFile.NAME);
            EhcachePresenceStore store = new EhcachePresenceStore("bench", THRESHOLD, 2_000_000, Clock.systemUTC());
            String[] ids = FilterBenchmark.ids(users);
            for (int i = 0; i < users; i++) {
                store.touch(ids[i]);
                store.locate(ids[i], "/board/" + (i % 1000));
            }
            entries = store.recent(users);
            store.close();
            IndexFile.write(file, 0, users, 0, Map.of("users", entries));
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 2)
    @Measurement(iterations = 5)
    public Path save(Saved saved) throws IOException {
        IndexFile.write(saved.file, 0, saved.users, 0, Map.of("users", saved.entries));
        return saved.file;
    }

    /** Reading the file and putting every entry back into a new store (as a start does). */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 2)
    @Measurement(iterations = 5)
    public long load(Saved saved) throws Exception {
        IndexFile.Contents c = IndexFile.read(saved.file);
        EhcachePresenceStore store = new EhcachePresenceStore("bench", THRESHOLD, 2_000_000, Clock.systemUTC());
        try {
            for (LastSeen s : c.sections().get("users")) {
                store.restore(s.id(), s.epochMilli(), s.location());
            }
            return store.count();
        } finally {
            store.close();
        }
    }
}
