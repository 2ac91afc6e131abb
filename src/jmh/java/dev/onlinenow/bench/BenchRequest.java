package dev.onlinenow.bench;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpSession;

import java.lang.reflect.Proxy;

/**
 * The request a benchmark sends through a filter: hand-written, allocation-free and recycled
 * between requests, as a container recycles its request objects.
 *
 * <p>It implements exactly what the filters under test call on their hot path (the remote user,
 * {@code getSession(false)}, the URI, the servlet path and the attributes). Everything else is delegated to a guard
 * that throws, so if a filter starts calling something new the benchmark fails loudly instead of
 * measuring a default; the guard is never reached while measuring.
 */
final class BenchRequest extends HttpServletRequestWrapper {

    private static final HttpServletRequest UNSUPPORTED = (HttpServletRequest) Proxy.newProxyInstance(
            BenchRequest.class.getClassLoader(), new Class<?>[] {HttpServletRequest.class}, (proxy, method, args) -> {
                throw new UnsupportedOperationException("the benchmark request does not implement "
                        + method.getName() + "; add it to " + BenchRequest.class.getName());
            });

    private static final int MAX_ATTRIBUTES = 16;

    private final String[] names = new String[MAX_ATTRIBUTES];
    private final Object[] values = new Object[MAX_ATTRIBUTES];
    private int attributes;
    private String remoteUser;

    BenchRequest() {
        super(UNSUPPORTED);
    }

    /** Starts the next request, of {@code user} (null for a guest), with no attributes. */
    BenchRequest recycle(String user) {
        for (int i = 0; i < attributes; i++) {
            names[i] = null;
            values[i] = null;
        }
        attributes = 0;
        remoteUser = user;
        return this;
    }

    @Override
    public String getRemoteUser() {
        return remoteUser;
    }

    @Override
    public HttpSession getSession(boolean create) {
        if (create) {
            throw new UnsupportedOperationException("the benchmark tracks signed-in users only");
        }
        return null; // a signed-in request without an HttpSession (container authentication)
    }

    @Override
    public String getRequestURI() {
        return "/app/page";
    }

    @Override
    public String getContextPath() {
        return "/app";
    }

    @Override
    public String getServletPath() {
        return "/page";
    }

    @Override
    public String getPathInfo() {
        return null;
    }

    @Override
    public Object getAttribute(String name) {
        for (int i = 0; i < attributes; i++) {
            if (names[i].equals(name)) {
                return values[i];
            }
        }
        return null;
    }

    @Override
    public void setAttribute(String name, Object value) {
        if (value == null) {
            removeAttribute(name);
            return;
        }
        for (int i = 0; i < attributes; i++) {
            if (names[i].equals(name)) {
                values[i] = value;
                return;
            }
        }
        names[attributes] = name;
        values[attributes] = value;
        attributes++;
    }

    @Override
    public void removeAttribute(String name) {
        for (int i = 0; i < attributes; i++) {
            if (names[i].equals(name)) {
                attributes--;
                names[i] = names[attributes];
                values[i] = values[attributes];
                names[attributes] = null;
                values[attributes] = null;
                return;
            }
        }
    }
}
