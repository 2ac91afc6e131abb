package dev.onlinenow.bench;

import dev.onlinenow.OnlineNowFilter;
import jakarta.servlet.ServletException;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@link FilterBenchmark} with two request threads at once (the machine has two cores): the same
 * states, so the same users and clocks, now with both threads touching one index.
 *
 * <p>The Django port is not thread-safe (two requests read the list, each writes its own copy
 * back, one user is lost); its figures say what it costs, not that it works.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms3g", "-Xmx3g", "-XX:+AlwaysPreTouch"})
@Threads(2)
public class FilterConcurrentBenchmark {

    @Benchmark
    public Object onlineNowFilter(FilterBenchmark.OnlineNowState s, FilterBenchmark.Client c)
            throws IOException, ServletException {
        BenchRequest request = c.next(s.ids, s.time);
        s.filter.doFilter(request, c.response, FilterBenchmark.PAGE);
        return FilterBenchmark.shown;
    }

    @Benchmark
    public int djangoSnippet(FilterBenchmark.DjangoState s, FilterBenchmark.Client c)
            throws IOException, ServletException {
        BenchRequest request = c.next(s.ids, s.time);
        s.filter.doFilter(request, c.response, FilterBenchmark.PAGE);
        return ((List<?>) request.getAttribute(DjangoSnippetFilter.ATTRIBUTE)).size();
    }
}
