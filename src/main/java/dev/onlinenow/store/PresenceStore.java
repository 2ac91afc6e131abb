package dev.onlinenow.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Who was active, and when: the online index behind the filter.
 *
 * <p>Four questions and one command, answered for one threshold: an id counts as online while
 * less than the threshold has passed since its last {@link #touch}. Implementations measure time
 * with an injected {@link java.time.Clock}, are safe for any number of threads, and never lose an
 * id to a race between two touches.
 */
public interface PresenceStore extends AutoCloseable {

    /**
     * Records activity of {@code id} now. Writes may be coalesced: a touch soon after the previous
     * one (about a second) may leave the stored time as it was.
     */
    void touch(String id);

    /** Forgets {@code id} at once (logout). Returns true if it was online. */
    boolean remove(String id);

    /** The ids active within the threshold, most recent first, at most {@code limit}. */
    List<LastSeen> recent(int limit);

    /** The exact number of ids active within the threshold. */
    long count();

    /** When {@code id} was last active, if that is within the threshold. */
    Optional<Instant> lastSeen(String id);

    /** Drops what has passed the threshold; called on a schedule so memory does not wait for readers. */
    default void sweep() {
    }

    @Override
    void close();
}
