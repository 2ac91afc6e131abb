package dev.onlinenow.live;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The room shards of one web app and the index of every room they hold: which shard owns a room,
 * and the rooms the server-side API reads from other threads.
 */
final class Shards {

    private final RoomShard[] shards;
    /** The store is shared with other servers: a new room's view waits for its first fetch. */
    private final boolean shared;
    /** Every room any shard holds, for the server-side API's reads. */
    final ConcurrentHashMap<String, Room> index = new ConcurrentHashMap<>();
    /** Rooms with at least one member on this server. */
    final AtomicInteger localRooms = new AtomicInteger();

    /** {@code roomListLimit}. */
    private final int listLimit;
    /** Told of every room made and dropped (a bus that carries each room only where it is held). */
    private volatile RoomBus bus;

    Shards(int count, boolean shared) {
        this(count, shared, Integer.MAX_VALUE);
    }

    Shards(int count, boolean shared, int listLimit) {
        this.shared = shared;
        this.listLimit = listLimit;
        this.shards = new RoomShard[count];
        for (int i = 0; i < count; i++) {
            shards[i] = new RoomShard(i, "online-now-live-room");
        }
    }

    /** The bus to tell of rooms made and dropped (before any room is made). */
    void watchWith(RoomBus bus) {
        this.bus = bus;
    }

    RoomShard of(String room) {
        return shards[(room.hashCode() & 0x7fffffff) % shards.length];
    }

    RoomShard[] all() {
        return shards;
    }

    boolean shared() {
        return shared;
    }

    /** A room new to shard {@code s} (on its thread). */
    Room newRoom(RoomShard s, String name) {
        Room r = s.room(name);
        r.viewReady = !shared;
        r.listLimit = listLimit;
        index.put(name, r);
        RoomBus b = bus;
        if (b != null) {
            b.watch(name);
        }
        return r;
    }

    /** Shard {@code s} forgot room {@code r} (on its thread; the caller removed it from {@code s.rooms}). */
    void dropped(Room r) {
        index.remove(r.name, r);
        RoomBus b = bus;
        if (b != null) {
            b.unwatch(r.name);
        }
    }

    /** Runs {@code perShard} on every shard and waits until each has (for tests that drive the ticks). */
    void onEveryShardAndWait(Runnable perShard) {
        CountDownLatch done = new CountDownLatch(shards.length);
        for (RoomShard s : shards) {
            s.execute(() -> {
                try {
                    perShard.run();
                } finally {
                    done.countDown();
                }
            });
        }
        try {
            if (!done.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("online-now: a room shard did not answer within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void close() {
        for (RoomShard s : shards) {
            s.shutdown();
        }
    }

    void awaitTermination(long millis) throws InterruptedException {
        for (RoomShard s : shards) {
            s.awaitTermination(millis);
        }
    }
}
