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

    /**
     * Records where {@code id} is now ({@code /board/roadmap}, {@code topic:42}), if it is
     * online; nothing is written when it is there already. Returns false when {@code id} is not
     * online here. A store without locations ignores it.
     */
    default boolean locate(String id, String location) {
        return false;
    }

    /** The exact number of ids active within the threshold whose last location is {@code location}. */
    default long countAt(String location) {
        return 0;
    }

    /** The ids active within the threshold whose last location is {@code location}, most recent first, at most {@code limit}. */
    default List<LastSeen> recentAt(String location, int limit) {
        return List.of();
    }

    /** Drops what has passed the threshold; called on a schedule so memory does not wait for readers. */
    default void sweep() {
    }

    @Override
    void close();
}
