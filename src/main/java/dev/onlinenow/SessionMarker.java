package dev.onlinenow;

import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpSessionActivationListener;
import jakarta.servlet.http.HttpSessionBindingEvent;
import jakarta.servlet.http.HttpSessionBindingListener;
import jakarta.servlet.http.HttpSession;
import jakarta.servlet.http.HttpSessionEvent;

import java.io.Serializable;

/**
 * Kept in each tracked HttpSession; the container tells it when the session ends (invalidation,
 * timeout) or when the filter replaces it (another user signed in, or the user signed out), so
 * a user leaves the index as soon as their last session is gone. Needs no listener in web.xml.
 *
 * <p>Serializable, holding only the key, so sessions still persist and replicate.
 */
record SessionMarker(String key, boolean guest) implements HttpSessionBindingListener,
        HttpSessionActivationListener, Serializable {

    /** The session attribute the marker is kept under. */
    static final String ATTRIBUTE = "dev.onlinenow.session";

    /**
     * The session's marker, or null.
     *
     * @throws IllegalStateException if the session was invalidated
     */
    static SessionMarker of(HttpSession session) {
        Object m = session.getAttribute(ATTRIBUTE);
        return m instanceof SessionMarker ? (SessionMarker) m : null;
    }

    @Override
    public void valueBound(HttpSessionBindingEvent event) {
        OnlineNow online = online(event.getSession().getServletContext());
        if (online != null) {
            online.sessionBound(this);
        }
    }

    @Override
    public void valueUnbound(HttpSessionBindingEvent event) {
        OnlineNow online = online(event.getSession().getServletContext());
        if (online != null) {
            online.sessionUnbound(this);
        }
    }

    @Override
    public void sessionDidActivate(HttpSessionEvent event) {
        // a session restored from disk or moved from another node counts again
        OnlineNow online = online(event.getSession().getServletContext());
        if (online != null) {
            online.sessionBound(this);
        }
    }

    @Override
    public void sessionWillPassivate(HttpSessionEvent event) {
        // leaving this node (or stopping) without ending: the user stays online until the threshold
        OnlineNow online = online(event.getSession().getServletContext());
        if (online != null && !guest) {
            online.sessionPassivated(this);
        }
    }

    private static OnlineNow online(ServletContext context) {
        OnlineNow online = OnlineNow.get(context);
        return online == null || online.isClosed() ? null : online;
    }
}
