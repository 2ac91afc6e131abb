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
    private final String location;
    private final boolean hidden;

    public OnlineUser(String id, String name, Instant lastSeen, Map<String, ?> attributes) {
        this(id, name, lastSeen, attributes, null, false);
    }

    /**
     * @param location where the user was last (README, "Where people are"), or null
     * @param hidden   true when the user hides their online status and the viewer may see that
     */
    public OnlineUser(String id, String name, Instant lastSeen, Map<String, ?> attributes, String location,
                      boolean hidden) {
        this.id = Objects.requireNonNull(id, "id");
        this.name = name == null ? id : name;
        this.lastSeen = Objects.requireNonNull(lastSeen, "lastSeen");
        this.attributes = Map.copyOf(attributes);
        this.location = location;
        this.hidden = hidden;
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

    /** The user's last location ({@code /board/roadmap}, or the label a page set), or null. */
    public String getLocation() {
        return location;
    }

    /**
     * True when the user hides their online status; only a viewer who may see hidden users (the
     * {@code seeHidden} roles, or the user themself) is ever given such a user.
     */
    public boolean isHidden() {
        return hidden;
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
