package dev.onlinenow.live;

import dev.onlinenow.OnlineNow;
import jakarta.servlet.http.HttpSession;

import java.lang.System.Logger.Level;
import java.security.Principal;
import java.util.List;
import java.util.Map;

/**
 * Decides at the WebSocket handshake who the connection belongs to, and whether it may open at
 * all: the origin, the identity (from the HTTP session or principal, never from a message) and the
 * guest rules.
 */
final class HandshakePolicy {

    private static final System.Logger LOG = System.getLogger(HandshakePolicy.class.getName());

    private final OnlineNow online;
    private final OriginPolicy origins;

    HandshakePolicy(OnlineNow online) {
        this.online = online;
        this.origins = OriginPolicy.of(online.settings());
    }

    /** {@code requestScheme} as the container saw it (may be null). */
    Handshake handshake(Map<String, List<String>> headers, String requestScheme, Principal principal,
                        HttpSession http) {
        if (!origins.allows(headers, requestScheme)) {
            return Handshake.refused("origin not allowed");
        }
        String userId;
        try {
            userId = online.userIdSource().userId(principal, http);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "online-now: cannot read the user id at a WebSocket handshake", e);
            return Handshake.refused("no identity");
        }
        SessionGuard guard = null;
        if (http != null) {
            try {
                guard = SessionGuard.of(http);
            } catch (IllegalStateException invalidated) {
                return Handshake.refused(LivePresence.SESSION_ENDED);
            }
        }
        boolean guest = false;
        if (userId == null) {
            userId = guard == null ? null : online.guestOf(http); // null for a cookieless or new session
            if (userId == null) {
                return Handshake.refused("no identity");
            }
            guest = true;
        }
        if (!guest && principal != null && userId.equals(principal.getName())) {
            online.noteHandshakeUser(userId, http);
        }
        String name = guest ? "Guest " + userId.substring(userId.length() - 4) : online.nameOf(userId);
        return new Handshake(userId, name, guest, guard == null ? null : guard.key(), null, http);
    }
}
