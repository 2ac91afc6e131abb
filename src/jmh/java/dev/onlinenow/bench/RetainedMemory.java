package dev.onlinenow.bench;

import dev.onlinenow.internal.store.EhcachePresenceStore;
import org.openjdk.jol.info.GraphLayout;
import org.openjdk.jol.util.Multiset;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Issue 2: retained memory per tracked user, at 1M users by default ({@code args[0]} for another
 * count), measured two ways:
 *
 * <ol>
 *   <li>JOL's {@link GraphLayout}: every object reachable from the store, full minus empty,
 *       divided by the number of users. Exact for this JVM's object layout.</li>
 *   <li>Heap used after a full GC, full minus empty: a cross-check that nothing outside the
 *       store's object graph grows (ThreadLocals, Ehcache services, class data).</li>
 * </ol>
 *
 * <p>Ids are numeric strings of seven digits made one by one, as a request hands them in, so the
 * store is the only one keeping them and their cost is counted: a tracked user costs its id too.
 * The same figures are printed for the Django snippet's port ({@code online-<id>} keys) for context.
 *
 * <p>Run: {@code mvn -q -B -Pbench test-compile exec:exec -Dbench.main=dev.onlinenow.bench.RetainedMemory
 * -Dbench.args=1000000}
 */
public final class RetainedMemory {

    private RetainedMemory() {
    }

    public static void main(String[] args) {
        int users = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        System.out.printf(Locale.ROOT, "JVM %s %s, %s, max heap %d MiB%n", System.getProperty("java.vm.name"),
                System.getProperty("java.runtime.version"), ManagementFactory.getRuntimeMXBean().getInputArguments(),
                Runtime.getRuntime().maxMemory() >> 20);
        onlineNow(users);
        located(users, 1000);
        django(users);
    }

    /** Issue 22: the same users, each at one of {@code locations} locations (the index by location). */
    private static void located(int users, int locations) {
        Clock clock = Clock.systemUTC();
        EhcachePresenceStore empty = new EhcachePresenceStore("empty", Duration.ofMinutes(15), 2_000_000, clock);
        long emptyJol = GraphLayout.parseInstance(empty).totalSize();
        long heapBefore = usedAfterGc();
        EhcachePresenceStore store = new EhcachePresenceStore("full", Duration.ofMinutes(15), 2_000_000, clock);
        for (int i = 0; i < users; i++) {
            String id = String.valueOf(1_000_000 + i);
            store.touch(id);
            store.locate(id, "/board/" + (i % locations));
        }
        long heapAfter = usedAfterGc();
        GraphLayout full = GraphLayout.parseInstance(store);
        report("online-now EhcachePresenceStore, each user at one of " + locations + " locations", users,
                full.totalSize() - emptyJol, heapAfter - heapBefore);
        System.out.println(top(full, emptyJol, users));
        store.close();
        empty.close();
    }

    private static void onlineNow(int users) {
        Clock clock = Clock.systemUTC();
        EhcachePresenceStore empty = new EhcachePresenceStore("empty", Duration.ofMinutes(15), 2_000_000, clock);
        long emptyJol = GraphLayout.parseInstance(empty).totalSize();
        long heapBefore = usedAfterGc();
        EhcachePresenceStore store = new EhcachePresenceStore("full", Duration.ofMinutes(15), 2_000_000, clock);
        for (int i = 0; i < users; i++) {
            store.touch(String.valueOf(1_000_000 + i));
        }
        long heapAfter = usedAfterGc();
        if (store.count() != users) {
            throw new IllegalStateException("expected " + users + " tracked, found " + store.count());
        }
        GraphLayout full = GraphLayout.parseInstance(store);
        report("online-now EhcachePresenceStore", users, full.totalSize() - emptyJol, heapAfter - heapBefore);
        System.out.println(top(full, emptyJol, users));
        store.close();
        empty.close();
    }

    private static void django(int users) {
        Clock clock = Clock.systemUTC();
        DjangoSnippetFilter empty = new DjangoSnippetFilter(Duration.ofMinutes(15), 50, 2_000_000, clock);
        long emptyJol = GraphLayout.parseInstance(empty).totalSize();
        long heapBefore = usedAfterGc();
        DjangoSnippetFilter port = new DjangoSnippetFilter(Duration.ofMinutes(15), 50, 2_000_000, clock);
        List<Long> index = new ArrayList<>();
        for (int i = 0; i < users; i++) {
            long uid = 1_000_000 + i;
            port.seed(uid);
            index.add(uid);
            if (index.size() > 50) {
                index.remove(0);
            }
        }
        port.seedIndex(index);
        long heapAfter = usedAfterGc();
        report("Django snippet port", users, GraphLayout.parseInstance(port).totalSize() - emptyJol,
                heapAfter - heapBefore);
        port.close();
        empty.close();
    }

    private static void report(String what, int users, long jolBytes, long heapBytes) {
        System.out.printf(Locale.ROOT, "%s, %,d users: JOL %,d bytes = %.1f bytes/user; heap after GC %,d bytes = %.1f bytes/user%n",
                what, users, jolBytes, (double) jolBytes / users, heapBytes, (double) heapBytes / users);
    }

    /** The classes that make up the per-user cost, largest first. */
    private static String top(GraphLayout full, long emptyBytes, int users) {
        StringBuilder out = new StringBuilder("  per user, by class:\n");
        Multiset<Class<?>> sizes = full.getClassSizes();
        Multiset<Class<?>> counts = full.getClassCounts();
        full.getClasses().stream()
                .sorted((a, b) -> Long.compare(sizes.count(b), sizes.count(a)))
                .limit(8)
                .forEach(c -> out.append(String.format(Locale.ROOT, "    %-70s %6.1f bytes (%,d objects)%n",
                        c.getName(), (double) sizes.count(c) / users, counts.count(c))));
        return out.toString();
    }

    private static long usedAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return memory.getHeapMemoryUsage().getUsed();
    }
}
