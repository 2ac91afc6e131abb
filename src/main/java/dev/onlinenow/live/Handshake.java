package dev.onlinenow.live;

/**
 * What the handshake decided, carried to {@code onOpen} in the per-connection user properties:
 * the identity, or why the connection is refused.
 */
final class Handshake {
    /* A class, not a record: the javax build's bytecode rename (Eclipse Transformer 1.0.0) leaves
     * the record attribute's component types alone, so a record component of type HttpSession
     * would still name jakarta.servlet there (JavaxJarIT resolves every class's signatures). */
    private final String userId;
    private final String name;
    private final boolean guest;
    private final String sessionKey;
    private final String refusal;
    private final jakarta.servlet.http.HttpSession http;
    /** Whether the handshake request is in a {@code seeHidden} role (set by the configurator). */
    private volatile boolean seesHidden;

    Handshake(String userId, String name, boolean guest, String sessionKey, String refusal,
              jakarta.servlet.http.HttpSession http) {
        this.userId = userId;
        this.name = name;
        this.guest = guest;
        this.sessionKey = sessionKey;
        this.refusal = refusal;
        this.http = http;
    }

    String userId() { return userId; }
    String name() { return name; }
    boolean guest() { return guest; }
    String sessionKey() { return sessionKey; }
    String refusal() { return refusal; }
    jakarta.servlet.http.HttpSession http() { return http; }
    boolean seesHidden() { return seesHidden; }

    /** Records that the handshake request is in one of the {@code seeHidden} roles. */
    Handshake seesHidden(boolean sees) {
        this.seesHidden = sees;
        return this;
    }

    /** The user-properties key. */
    static final String KEY = Handshake.class.getName();

    static Handshake refused(String why) {
        return new Handshake(null, null, false, null, why, null);
    }

    /** False once the HttpSession of the handshake was invalidated (true without one). */
    boolean sessionValid() {
        if (http == null) {
            return true;
        }
        try {
            http.getCreationTime();
            return true;
        } catch (IllegalStateException invalidated) {
            return false;
        }
    }
}
