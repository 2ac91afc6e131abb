package dev.onlinenow.internal.store;

import org.ehcache.core.spi.service.ExecutionService;
import org.ehcache.spi.service.Service;
import org.ehcache.spi.service.ServiceProvider;

import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Ehcache's execution service for the presence store's cache manager: cache events are handed
 * to the listener on the thread that caused them, instead of through a thread pool.
 */
final class InlineEventExecution implements ExecutionService {

    /*
     * Why. Ehcache 3 delivers even a "synchronous" listener's events by submitting them to an
     * executor and waiting on the Future, and it does so for every event of the cache, UPDATED
     * included, whatever types the listener asked for. Our listener keeps the exact count and the
     * recency list, so it is synchronous, and every touch that writes paid two thread hand-offs:
     * measured 10-20 us a write at 1M users on a busy 2-core machine against ~1 us inline
     * (docs/benchmarks.md). Running the task on the caller's thread is what "synchronous" promises
     * anyway; the listener only bumps a LongAdder and unlinks a node, and never calls Ehcache.
     *
     * Only on-heap caches use this manager, and they ask for no scheduled executor; should a
     * future Ehcache ask for one, it gets a real single daemon thread rather than a failure.
     */

    private ScheduledExecutorService scheduled;

    @Override
    public synchronized ScheduledExecutorService getScheduledExecutor(String poolAlias) {
        if (scheduled == null) {
            scheduled = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "online-now-ehcache-scheduler");
                t.setDaemon(true);
                return t;
            });
        }
        return scheduled;
    }

    @Override
    public ExecutorService getOrderedExecutor(String poolAlias, BlockingQueue<Runnable> queue) {
        return new Inline();
    }

    @Override
    public ExecutorService getUnorderedExecutor(String poolAlias, BlockingQueue<Runnable> queue) {
        return new Inline();
    }

    @Override
    public void start(ServiceProvider<Service> serviceProvider) {
    }

    @Override
    public synchronized void stop() {
        if (scheduled != null) {
            scheduled.shutdownNow();
            scheduled = null;
        }
    }

    /** Runs each task at once on the submitting thread. */
    private static final class Inline extends AbstractExecutorService {
        private volatile boolean shutdown;

        @Override
        public void execute(Runnable task) {
            task.run();
        }

        @Override
        public void shutdown() {
            shutdown = true;
        }

        @Override
        public List<Runnable> shutdownNow() {
            shutdown = true;
            return List.of();
        }

        @Override
        public boolean isShutdown() {
            return shutdown;
        }

        @Override
        public boolean isTerminated() {
            return shutdown;
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) {
            return true;
        }
    }
}
