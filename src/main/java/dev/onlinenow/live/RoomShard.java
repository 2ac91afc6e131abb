package dev.onlinenow.live;

import java.lang.System.Logger.Level;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * One thread that owns a share of the rooms (Phoenix's tracker shards, Netty's event loops): every
 * operation on one of its rooms, every delivery to its members and every completion of the store
 * for them runs here, one at a time, so a room's state needs no lock, and nothing here ever waits:
 * the store answers with a stage whose completion is queued back to this thread, and sockets are
 * written by their {@link Outbox}. A room whose store operation is slow therefore delays nobody,
 * not even the other members of that room.
 */
final class RoomShard implements Executor {

    private static final System.Logger LOG = System.getLogger(RoomShard.class.getName());

    final int index;
    /** This shard's rooms; touched only on its thread. */
    final Map<String, Room> rooms = new HashMap<>();
    /** Rooms a count frame is due in (large rooms; on this thread only). */
    final java.util.Set<Room> countDue = new java.util.LinkedHashSet<>();
    /** Rooms with cursor positions a shared store does not have yet (on this thread only). */
    final java.util.Set<Room> cursorsDue = new java.util.LinkedHashSet<>();
    /** Cursor moves between two ticks, written by socket threads and drained here. */
    final CursorCoalescer coalescer = new CursorCoalescer();
    private final ExecutorService thread;
    private volatile Thread owner;

    RoomShard(int index, String name) {
        this.index = index;
        this.thread = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, name + "-" + index);
            t.setDaemon(true);
            owner = t;
            return t;
        });
    }

    /** Runs {@code task} on this shard: now if the caller is the shard's thread, else queued. */
    @Override
    public void execute(Runnable task) {
        if (Thread.currentThread() == owner) {
            run(task);
            return;
        }
        try {
            thread.execute(() -> run(task));
        } catch (RejectedExecutionException stopping) {
            // the live layer is closing: what was left to do for its rooms no longer matters
        }
    }

    /**
     * Queues {@code task} even when called on the shard's own thread: for what may be called in
     * the middle of a room's iteration (a drop from a member's full send queue).
     */
    void later(Runnable task) {
        try {
            thread.execute(() -> run(task));
        } catch (RejectedExecutionException stopping) {
            // closing
        }
    }

    private static void run(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException | StackOverflowError e) {
            // a bug of ours in one room must not stop the others' thread
            LOG.log(Level.WARNING, "online-now: a room operation failed", e);
        }
    }

    /** The room, made if it is new. */
    Room room(String name) {
        return rooms.computeIfAbsent(name, Room::new);
    }

    void shutdown() {
        thread.shutdownNow();
    }

    boolean awaitTermination(long millis) throws InterruptedException {
        return thread.awaitTermination(millis, TimeUnit.MILLISECONDS);
    }
}
