package dev.onlinenow.bench;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The filter's CPU per request, several builds side by side in one JVM, alternating: for a
 * machine too busy for wall-clock figures (other processes take the cores, so a JMH sample
 * measures the waits too). Each build of online-now (a jar, loaded child-first for the
 * {@code dev.onlinenow} classes, beside this class path's Ehcache and uap-java) gets its own index
 * with the same users online and the same requests ({@link BenchRequest}: a signed-in user drawn
 * at random, no session; the page reads {@code onlineNowCount}, as the container benchmark's JSP
 * does). Then batches of requests run in turn, build after build, round after round, and each
 * batch is timed by this thread's CPU time ({@code ThreadMXBean}), which a descheduled thread does
 * not accumulate. Printed: per build, the median, lowest and highest CPU ns per request over the
 * rounds and the bytes it allocated per request, and the control's (the same requests through no
 * filter).
 *
 * <pre>
 * mvn -q -B -Pbench test-compile exec:exec -Dbench.main=dev.onlinenow.bench.FilterCpuAB \
 *   -Dbench.args="USERS ROUNDS BATCH name=path/to/online-now.jar ..."
 * </pre>
 * A build named {@code here} is this tree's {@code target/classes}.
 */
public final class FilterCpuAB {

    private FilterCpuAB() {
    }

    /** Loads dev.onlinenow (but not this benchmark's classes) from its own jar first. */
    static final class ChildFirst extends URLClassLoader {
        ChildFirst(URL[] urls, ClassLoader parent) {
            super(urls, parent);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (name.startsWith("dev.onlinenow.") && !name.startsWith("dev.onlinenow.bench.")) {
                synchronized (getClassLoadingLock(name)) {
                    Class<?> c = findLoadedClass(name);
                    if (c == null) {
                        c = findClass(name);
                    }
                    if (resolve) {
                        resolveClass(c);
                    }
                    return c;
                }
            }
            return super.loadClass(name, resolve);
        }
    }

    record Build(String name, Filter filter, Object online) {
    }

    static Build build(String name, Path jar, String[] ids) throws Exception {
        ClassLoader loader = new ChildFirst(new URL[] {jar.toUri().toURL()}, FilterCpuAB.class.getClassLoader());
        Class<?> settingsClass = loader.loadClass("dev.onlinenow.OnlineNowSettings");
        Object builder = settingsClass.getMethod("builder").invoke(null);
        Class<?> b = builder.getClass();
        b.getMethod("threshold", Duration.class).invoke(builder, Duration.ofDays(30));
        b.getMethod("clock", Clock.class).invoke(builder, Clock.systemUTC());
        Object settings = b.getMethod("build").invoke(builder);
        Class<?> onlineClass = loader.loadClass("dev.onlinenow.OnlineNow");
        Object online = onlineClass.getMethod("inProcess", settingsClass).invoke(null, settings);
        Method touch = onlineClass.getMethod("touch", String.class);
        for (String id : ids) {
            touch.invoke(online, id);
        }
        Filter filter = (Filter) loader.loadClass("dev.onlinenow.OnlineNowFilter").getConstructor(onlineClass)
                .newInstance(online);
        return new Build(name, filter, online);
    }

    static Object shown;
    static final FilterChain PAGE = (req, res) -> shown = req.getAttribute("onlineNowCount");

    public static void main(String[] args) throws Exception {
        int users = Integer.parseInt(args[0]);
        int rounds = Integer.parseInt(args[1]);
        int batch = Integer.parseInt(args[2]);
        String[] ids = FilterBenchmark.ids(users);
        List<Build> builds = new ArrayList<>();
        for (String spec : Arrays.copyOfRange(args, 3, args.length)) {
            String name = spec.substring(0, spec.indexOf('='));
            String path = spec.substring(spec.indexOf('=') + 1);
            builds.add(build(name, Path.of(path.equals("here") ? "target/classes" : path), ids));
        }
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        com.sun.management.ThreadMXBean allocations = (com.sun.management.ThreadMXBean) threads;
        long self = Thread.currentThread().getId();
        BenchRequest request = new BenchRequest();
        BenchResponse response = new BenchResponse();
        SplittableRandom random = new SplittableRandom(42);
        int n = builds.size() + 1; // the last: the control, no filter
        double[][] perRequest = new double[n][rounds];
        double[][] bytes = new double[n][rounds];
        int warmup = Math.max(3, rounds / 5);
        for (int r = -warmup; r < rounds; r++) {
            for (int k = 0; k < n; k++) {
                int which = (k + Math.max(r, 0)) % n; // a different build goes first each round
                Filter f = which < builds.size() ? builds.get(which).filter() : null;
                long a0 = allocations.getThreadAllocatedBytes(self);
                long t0 = threads.getCurrentThreadCpuTime();
                for (int i = 0; i < batch; i++) {
                    request.recycle(ids[random.nextInt(ids.length)]);
                    if (f == null) {
                        PAGE.doFilter(request, response);
                    } else {
                        f.doFilter(request, response, PAGE);
                    }
                }
                long t1 = threads.getCurrentThreadCpuTime();
                long a1 = allocations.getThreadAllocatedBytes(self);
                if (r >= 0) {
                    perRequest[which][r] = (t1 - t0) / (double) batch;
                    bytes[which][r] = (a1 - a0) / (double) batch;
                }
            }
        }
        System.out.printf("%d users, %d rounds of %d requests per build (after %d warm-up rounds), CPU ns per request:%n",
                users, rounds, batch, warmup);
        for (int k = 0; k < n; k++) {
            double[] v = perRequest[k].clone();
            Arrays.sort(v);
            double[] b = bytes[k].clone();
            Arrays.sort(b);
            System.out.printf("  %-12s median %7.1f   min %7.1f   max %7.1f   allocated, median: %6.1f bytes%n",
                    k < builds.size() ? builds.get(k).name() : "no filter", v[v.length / 2], v[0], v[v.length - 1],
                    b[b.length / 2]);
        }
        for (Build b : builds) {
            ((AutoCloseable) b.online()).close();
        }
        if (shown == null) {
            throw new IOException("the page read nothing");
        }
    }
}
