package dev.onlinenow.live;

import jakarta.servlet.http.HttpSession;
import jakarta.servlet.http.HttpSessionBindingEvent;
import jakarta.servlet.http.HttpSessionBindingListener;

import java.io.Serializable;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Kept in the HttpSession of every live connection; when the session ends (logout, timeout) the
 * container unbinds it and the session's sockets close with 1008 "session ended". (A guest's id
 * is the core's, {@code OnlineNow.guestOf}, one id for the filter and the live layer.)
 *
 * <p>Serializable, holding only a random key and a timeout, so sessions still persist and replicate.
 * Its key is not the session id: that changes at login and must never reach other users.
 */
final class SessionGuard implements HttpSessionBindingListener, Serializable {

    private static final long serialVersionUID = 1L;

    /** The session attribute the guard is kept under. */
    static final String ATTRIBUTE = "dev.onlinenow.live.session";

    private static final SecureRandom RANDOM = new SecureRandom();

    private final String key;
    /** The session's own timeout in seconds, before keepAlive first stretched it (0: not yet). */
    private volatile int baseInterval;

    private SessionGuard() {
        byte[] k = new byte[12];
        RANDOM.nextBytes(k);
        this.key = HexFormat.of().formatHex(k);
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

    /** The key of the session's guard, or null if it has none (no live connection ever used it). */
    static String keyOf(HttpSession session) {
        Object o = session.getAttribute(ATTRIBUTE);
        return o instanceof SessionGuard ? ((SessionGuard) o).key : null;
    }

    /**
     * Stretches the session's timeout so that it ends its own {@code maxInactiveInterval} after
     * {@code nowMillis} (the user's last action on a socket) instead of after its last request;
     * once the user makes requests again, the next call brings it back towards its own value. A
     * session that never expires is left alone.
     *
     * @throws IllegalStateException if the session was invalidated
     */
    static void keepAlive(HttpSession session, long nowMillis) {
        Object o = session.getAttribute(ATTRIBUTE);
        if (!(o instanceof SessionGuard)) {
            return;
        }
        SessionGuard g = (SessionGuard) o;
        int current = session.getMaxInactiveInterval();
        if (g.baseInterval == 0) {
            if (current <= 0) {
                return;
            }
            g.baseInterval = current;
        }
        long idleSeconds = Math.max(0, (nowMillis - session.getLastAccessedTime()) / 1000);
        int wanted = (int) Math.min(Integer.MAX_VALUE, idleSeconds + g.baseInterval);
        if (wanted != current) {
            session.setMaxInactiveInterval(wanted);
        }
    }


    @Override
    public void valueUnbound(HttpSessionBindingEvent event) {
        LivePresence live = LivePresence.get(event.getSession().getServletContext());
        if (live != null && !live.isClosed()) {
            live.sessionEnded(key);
        }
    }
}
