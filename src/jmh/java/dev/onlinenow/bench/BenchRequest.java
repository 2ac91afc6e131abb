package dev.onlinenow.bench;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpSession;

import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The request a benchmark sends through a filter: hand-written and recycled between requests, as a
 * container recycles its request objects.
 *
 * <p>It implements exactly what the filters under test call on their hot path (the remote user,
 * {@code getSession(false)}, the URI, the servlet path and the attributes). Everything else is delegated to a guard
 * that throws, so if a filter starts calling something new the benchmark fails loudly instead of
 * measuring a default; the guard is never reached while measuring.
 *
 * <p>Its attributes are kept as Tomcat keeps them ({@code org.apache.catalina.connector.Request}):
 * a {@code ConcurrentHashMap}, cleared when the request is recycled, so that a {@code setAttribute}
 * costs here what it costs there, less Tomcat's own checks (special names, attribute listeners).
 * Until 2026-12-02 (issue 22) it was a small array of pairs, which made a {@code setAttribute}
 * cheaper than in any container.
 */
final class BenchRequest extends HttpServletRequestWrapper {

    private static final HttpServletRequest UNSUPPORTED = (HttpServletRequest) Proxy.newProxyInstance(
            BenchRequest.class.getClassLoader(), new Class<?>[] {HttpServletRequest.class}, (proxy, method, args) -> {
                throw new UnsupportedOperationException("the benchmark request does not implement "
                        + method.getName() + "; add it to " + BenchRequest.class.getName());
            });

    private final Map<String, Object> attributes = new ConcurrentHashMap<>();
    private String remoteUser;

    BenchRequest() {
        super(UNSUPPORTED);
    }

    /** Starts the next request, of {@code user} (null for a guest), with no attributes. */
    BenchRequest recycle(String user) {
        if (!attributes.isEmpty()) {
            attributes.clear();
        }
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
        return attributes.get(name);
    }

    @Override
    public void setAttribute(String name, Object value) {
        if (value == null) {
            removeAttribute(name);
            return;
        }
        attributes.put(name, value);
    }

    @Override
    public void removeAttribute(String name) {
        attributes.remove(name);
    }
}
