package dev.onlinenow.live;

/** A room state that keeps its rooms on the live layer's shards ({@link LocalRoomState}, or a test's wrapper of it). */
interface ShardBound {

    /** Called once by the live layer that uses this state, before the first operation. */
    void bind(Shards shards);
}
