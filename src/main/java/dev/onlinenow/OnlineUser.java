package dev.onlinenow;

import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.Objects;

/**
 * One online user as pages see it ({@code ${u.id}}, {@code ${u.name}}, {@code ${u.lastSeen}}).
 * JavaBean getters, so EL on any Jakarta EE version can read it.
 */
public final class OnlineUser {

    private final String id;
    private final String name;
    private final Instant lastSeen;
    private final Map<String, Object> attributes;

    public OnlineUser(String id, String name, Instant lastSeen, Map<String, ?> attributes) {
        this.id = Objects.requireNonNull(id, "id");
        this.name = name == null ? id : name;
        this.lastSeen = Objects.requireNonNull(lastSeen, "lastSeen");
        this.attributes = Map.copyOf(attributes);
    }

    public String getId() {
        return id;
    }

    public String getName() {
        return name;
    }

    /** When the user was last active. */
    public Instant getLastSeen() {
        return lastSeen;
    }

    /** {@link #getLastSeen()} as a {@link Date}, for JSTL's {@code <fmt:formatDate>}. */
    public Date getLastSeenDate() {
        return Date.from(lastSeen);
    }

    /** {@link #getLastSeen()} in epoch milliseconds, for scripts. */
    public long getLastSeenMillis() {
        return lastSeen.toEpochMilli();
    }

    /** Extra attributes from the {@link UserResolver} (empty by default). */
    public Map<String, Object> getAttributes() {
        return attributes;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OnlineUser u && u.id.equals(id) && u.lastSeen.equals(lastSeen) && u.name.equals(name);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, name, lastSeen);
    }

    @Override
    public String toString() {
        return name.equals(id) ? id : id + " (" + name + ")";
    }
}
