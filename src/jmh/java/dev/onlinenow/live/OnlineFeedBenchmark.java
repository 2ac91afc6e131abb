package dev.onlinenow.live;

import dev.onlinenow.MutableClock;
import dev.onlinenow.OnlineNow;
import dev.onlinenow.OnlineNowSettings;
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

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One second of the {@code online} frame at {@code subscribers} subscribed connections while a
 * user arrives every 10 ms (100 sign-ins between two pushes, made in the invocation's setup and
 * not measured): the one push of that second, from computing the frame to handing it to every
 * subscriber's queue (whose writer discards it). The time per operation is the CPU the feed costs
 * per second at that load.
 *
 * <pre>
 * mvn -q -B -Pbench test-compile exec:exec -Dbench.args="OnlineFeed -f 1 -wi 3 -i 5 -w 2s -r 2s"
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class OnlineFeedBenchmark {

    @Param({"10000"})
    int subscribers;

    /** Users online when the run starts (50 of them listed: maxCount). */
    @Param({"1000"})
    int users;

    MutableClock clock;
    OnlineNow online;
    OnlineFeed feed;
    int arrivals;

    @Setup
    public void setup() {
        clock = new MutableClock();
        online = OnlineNow.create(OnlineNowSettings.builder().clock(clock).ticker(clock.ticker())
                .threshold(Duration.ofDays(365)).build());
        feed = new OnlineFeed(online, Runnable::run);
        for (int i = 0; i < users; i++) {
            online.touch("user-" + i);
        }
        for (int i = 0; i < subscribers; i++) {
            LiveConnection c = new LiveConnection("n/" + i, new Handshake("user-" + i, "user-" + i, false, null, null,
                    null), null, 100, 60, clock.ticker().nanos());
            c.outbox = new Outbox((text, done) -> done.accept(null), Runnable::run, 1024, Long.MAX_VALUE,
                    () -> { }, e -> { });
            feed.subscribe(c);
        }
    }

    @Setup(Level.Invocation)
    public void aSecondOfArrivals() {
        for (int i = 0; i < 100; i++) {
            clock.advance(Duration.ofMillis(10));
            online.touch("arrival-" + arrivals++);
        }
    }

    @Benchmark
    public void pushOfOneSecond() {
        feed.push();
    }

    @TearDown
    public void close() {
        online.close();
    }
}
