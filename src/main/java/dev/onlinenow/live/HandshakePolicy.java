package dev.onlinenow.live;

import dev.onlinenow.OnlineNow;
import dev.onlinenow.OnlineNowSettings;
import jakarta.servlet.http.HttpSession;

import java.lang.System.Logger.Level;
import java.security.Principal;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Decides at the WebSocket handshake who the connection belongs to, and whether it may open at
 * all: the origin, the identity (from the HTTP session or principal, never from a message) and the
 * guest rules.
 */
final class HandshakePolicy {

    private static final System.Logger LOG = System.getLogger(HandshakePolicy.class.getName());

    private final OnlineNow online;
    private final OnlineNowSettings settings;

    HandshakePolicy(OnlineNow online) {
        this.online = online;
        this.settings = online.settings();
    }

    Handshake handshake(Map<String, List<String>> headers, Principal principal, HttpSession http) {
        String origin = header(headers, "Origin");
        if (!originAllowed(origin, header(headers, "Host"))) {
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
        String name = guest ? "Guest " + userId.substring(userId.length() - 4) : online.nameOf(userId);
        return new Handshake(userId, name, guest, guard == null ? null : guard.key(), null, http);
    }

    boolean originAllowed(String origin, String host) {
        List<String> allowed = settings.allowedOrigins();
        if (allowed.contains("*")) {
            return true;
        }
        if (origin == null) {
            return false;
        }
        String o = origin.trim().toLowerCase(Locale.ROOT);
        if (!allowed.isEmpty()) {
            return allowed.contains(o);
        }
        if (host == null) {
            return false;
        }
        int scheme = o.indexOf("://");
        if (scheme < 0) {
            return false;
        }
        String s = o.substring(0, scheme);
        String authority = o.substring(scheme + 3);
        return sameAuthority(authority, host.trim().toLowerCase(Locale.ROOT), s);
    }

    private static boolean sameAuthority(String originAuthority, String host, String scheme) {
        if (originAuthority.equals(host)) {
            return true;
        }
        String def = scheme.equals("https") || scheme.equals("wss") ? ":443" : ":80";
        return withoutPort(originAuthority, def).equals(withoutPort(host, def));
    }

    private static String withoutPort(String authority, String defaultPort) {
        return authority.endsWith(defaultPort) ? authority.substring(0, authority.length() - defaultPort.length())
                : authority;
    }

    private static String header(Map<String, List<String>> headers, String name) {
        if (headers == null) {
            return null;
        }
        for (Map.Entry<String, List<String>> e : headers.entrySet()) {
            if (name.equalsIgnoreCase(e.getKey()) && e.getValue() != null && !e.getValue().isEmpty()) {
                return e.getValue().get(0);
            }
        }
        return null;
    }
}
