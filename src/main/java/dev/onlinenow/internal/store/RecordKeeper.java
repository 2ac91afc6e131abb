package dev.onlinenow.internal.store;

/**
 * Keeps the web app's record (the most people online at once) where the store keeps its index,
 * beyond this server: with {@code store=redis}, one Redis hash raised atomically by every server.
 * The in-process store has none (the record is saved with the index in {@code dataDir}).
 */
public interface RecordKeeper extends AutoCloseable {

    /**
     * This server saw {@code count} people online at {@code epochMilli}, more than the record it
     * knew. Must not wait: the keeper raises the shared record in the background.
     */
    void offer(long count, long epochMilli);

    @Override
    void close();

    /** Told of a record higher than the one this server knew (another server raised it). */
    @FunctionalInterface
    interface Listener {
        void higher(long count, long epochMilli);
    }
}
