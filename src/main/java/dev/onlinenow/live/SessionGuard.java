package dev.onlinenow.live;

import jakarta.servlet.http.HttpSession;
import jakarta.servlet.http.HttpSessionBindingEvent;
import jakarta.servlet.http.HttpSessionBindingListener;

import java.io.Serializable;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Kept in the HttpSession of every live connection; when the session ends (logout, timeout) the
 * container unbinds it and the session's sockets close with 1008 "session ended". Also holds
 * the guest id of an anonymous visitor, so their tabs share one presence.
 *
 * <p>Serializable, holding only two random strings, so sessions still persist and replicate.
 * Its key is not the session id: that changes at login and must never reach other users.
 */
final class SessionGuard implements HttpSessionBindingListener, Serializable {

    private static final long serialVersionUID = 1L;

    /** The session attribute the guard is kept under. */
    static final String ATTRIBUTE = "dev.onlinenow.live.session";

    private static final SecureRandom RANDOM = new SecureRandom();

    private final String key;
    private final String guestId;

    private SessionGuard() {
        byte[] k = new byte[12];
        byte[] g = new byte[6];
        RANDOM.nextBytes(k);
        RANDOM.nextBytes(g);
        this.key = HexFormat.of().formatHex(k);
        this.guestId = "guest-" + HexFormat.of().formatHex(g);
    }

    /**
     * The session's guard, put there first if needed.
     *
     * @throws IllegalStateException if the session was invalidated
     */
    static SessionGuard of(HttpSession session) {
        synchronized (SessionGuard.class) {
            Object o = session.getAttribute(ATTRIBUTE);
            if (o instanceof SessionGuard) {
                return (SessionGuard) o;
            }
            SessionGuard g = new SessionGuard();
            session.setAttribute(ATTRIBUTE, g);
            return g;
        }
    }

    String key() {
        return key;
    }

    String guestId() {
        return guestId;
    }

    @Override
    public void valueUnbound(HttpSessionBindingEvent event) {
        LivePresence live = LivePresence.get(event.getSession().getServletContext());
        if (live != null && !live.isClosed()) {
            live.sessionEnded(key);
        }
    }
}
