package dev.onlinenow.live;

/**
 * What the handshake decided, carried to {@code onOpen} in the per-connection user properties:
 * the identity, or why the connection is refused.
 */
record Handshake(String userId, String name, boolean guest, String sessionKey, String refusal) {

    /** The user-properties key. */
    static final String KEY = Handshake.class.getName();

    static Handshake refused(String why) {
        return new Handshake(null, null, false, null, why);
    }
}
