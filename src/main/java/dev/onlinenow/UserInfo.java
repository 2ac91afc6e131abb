package dev.onlinenow;

import java.util.Map;
import java.util.Objects;

/**
 * What a {@link UserResolver} knows of one user: a display name and any extra attributes (an
 * avatar URL, a profile link) for pages to show.
 */
public final class UserInfo {

    private final String name;
    private final Map<String, Object> attributes;

    public UserInfo(String name) {
        this(name, Map.of());
    }

    public UserInfo(String name, Map<String, ?> attributes) {
        this.name = Objects.requireNonNull(name, "name");
        this.attributes = Map.copyOf(attributes);
    }

    public String getName() {
        return name;
    }

    public Map<String, Object> getAttributes() {
        return attributes;
    }
}
