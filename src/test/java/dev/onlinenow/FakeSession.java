package dev.onlinenow;

import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpSession;
import jakarta.servlet.http.HttpSessionBindingEvent;
import jakarta.servlet.http.HttpSessionBindingListener;

import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** An HttpSession that calls binding listeners as a container does, for unit tests. */
final class FakeSession implements HttpSession {

    private final ServletContext context;
    private final Map<String, Object> attributes = new HashMap<>();
    private final String id = UUID.randomUUID().toString();
    private boolean valid = true;
    private boolean isNew;

    FakeSession(ServletContext context) {
        this.context = context;
    }

    @Override
    public synchronized void setAttribute(String name, Object value) {
        check();
        if (value == null) {
            removeAttribute(name);
            return;
        }
        Object old = attributes.put(name, value);
        if (value instanceof HttpSessionBindingListener) {
            ((HttpSessionBindingListener) value).valueBound(new HttpSessionBindingEvent(this, name, value));
        }
        if (old != null && old != value && old instanceof HttpSessionBindingListener) {
            ((HttpSessionBindingListener) old).valueUnbound(new HttpSessionBindingEvent(this, name, old));
        }
    }

    @Override
    public synchronized void removeAttribute(String name) {
        check();
        Object old = attributes.remove(name);
        if (old instanceof HttpSessionBindingListener) {
            ((HttpSessionBindingListener) old).valueUnbound(new HttpSessionBindingEvent(this, name, old));
        }
    }

    @Override
    public synchronized void invalidate() {
        check();
        for (String name : List.copyOf(attributes.keySet())) {
            removeAttribute(name);
        }
        valid = false;
    }

    private void check() {
        if (!valid) {
            throw new IllegalStateException("invalidated");
        }
    }

    @Override
    public synchronized Object getAttribute(String name) {
        check();
        return attributes.get(name);
    }

    @Override
    public synchronized Enumeration<String> getAttributeNames() {
        return Collections.enumeration(List.copyOf(attributes.keySet()));
    }

    @Override
    public long getCreationTime() {
        return 0;
    }

    @Override
    public String getId() {
        return id;
    }

    @Override
    public long getLastAccessedTime() {
        return 0;
    }

    @Override
    public ServletContext getServletContext() {
        return context;
    }

    @Override
    public void setMaxInactiveInterval(int interval) {
    }

    @Override
    public int getMaxInactiveInterval() {
        return 1800;
    }

    /** A session made by this request, which the client has not come back with yet. */
    FakeSession asNew() {
        isNew = true;
        return this;
    }

    /** The client came back with the session's cookie. */
    FakeSession kept() {
        isNew = false;
        return this;
    }

    @Override
    public boolean isNew() {
        check();
        return isNew;
    }
}
