package dev.onlinenow.live;

/**
 * What the handshake decided, carried to {@code onOpen} in the per-connection user properties:
 * the identity, or why the connection is refused.
 */
record Handshake(String userId, String name, boolean guest, String sessionKey, String refusal,
                 jakarta.servlet.http.HttpSession http) {

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
