package dev.onlinenow;

import java.util.ArrayList;
import java.util.List;

/**
 * Servlet-style path patterns: {@code /exact}, {@code /prefix/*} and {@code *.extension},
 * matched against the request path inside the web app (without the context path).
 */
public final class PathPatterns {

    /** Matches nothing. */
    public static final PathPatterns NONE = new PathPatterns(List.of(), List.of(), List.of(), "");

    private final List<String> exact;
    private final List<String> prefixes;
    private final List<String> extensions;
    private final String spec;

    private PathPatterns(List<String> exact, List<String> prefixes, List<String> extensions, String spec) {
        this.exact = exact;
        this.prefixes = prefixes;
        this.extensions = extensions;
        this.spec = spec;
    }

    /**
     * Parses a comma-separated list of patterns.
     *
     * @throws IllegalArgumentException for a pattern of none of the three forms
     */
    public static PathPatterns parse(String spec) {
        List<String> exact = new ArrayList<>();
        List<String> prefixes = new ArrayList<>();
        List<String> extensions = new ArrayList<>();
        for (String raw : spec.split(",")) {
            String p = raw.trim();
            if (p.isEmpty()) {
                continue;
            }
            if (p.startsWith("*.") && p.length() > 2 && p.indexOf('*', 1) < 0 && p.indexOf('/') < 0) {
                extensions.add(p.substring(1)); // ".css"
            } else if (p.startsWith("/") && p.endsWith("/*") && p.indexOf('*') == p.length() - 1) {
                prefixes.add(p.substring(0, p.length() - 1)); // "/static/"
            } else if (p.startsWith("/") && p.indexOf('*') < 0) {
                exact.add(p);
            } else {
                throw new OnlineNowSettings.BadValue("bad pattern " + p);
            }
        }
        return new PathPatterns(List.copyOf(exact), List.copyOf(prefixes), List.copyOf(extensions), spec.trim());
    }

    /** True when {@code path} (inside the web app, starting with /) matches a pattern. */
    public boolean matches(String path) {
        for (String e : exact) {
            if (e.equals(path)) {
                return true;
            }
        }
        for (String p : prefixes) {
            // "/static/*" matches "/static" itself too, as servlet mappings do
            if (path.startsWith(p) || path.equals(p.substring(0, p.length() - 1))) {
                return true;
            }
        }
        for (String x : extensions) {
            if (path.endsWith(x)) {
                return true;
            }
        }
        return false;
    }

    /**
     * True when the path {@code servletPath + pathInfo} matches a pattern, without building that
     * string: the parts a container has already decoded and mapped for the request (so a request
     * pays no substring of its URI). {@code pathInfo} may be null.
     */
    public boolean matches(String servletPath, String pathInfo) {
        if (pathInfo == null || pathInfo.isEmpty()) {
            return matches(servletPath);
        }
        if (servletPath == null || servletPath.isEmpty()) {
            return matches(pathInfo);
        }
        int length = servletPath.length() + pathInfo.length();
        for (String e : exact) {
            if (e.length() == length && startsWith(servletPath, pathInfo, e, length)) {
                return true;
            }
        }
        for (String p : prefixes) {
            // the prefix "/static/" matches "/static/..." and "/static" itself
            int n = p.length();
            if (n <= length ? startsWith(servletPath, pathInfo, p, n)
                    : n == length + 1 && startsWith(servletPath, pathInfo, p, length)) {
                return true;
            }
        }
        for (String x : extensions) {
            // pathInfo starts with '/' and an extension holds none: a match lies inside pathInfo
            if (pathInfo.endsWith(x)) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code a + b} starts with the first {@code n} characters of {@code p} ({@code n <= a + b}). */
    private static boolean startsWith(String a, String b, String p, int n) {
        if (n <= a.length()) {
            return a.regionMatches(0, p, 0, n);
        }
        return p.startsWith(a) && p.regionMatches(a.length(), b, 0, n - a.length());
    }

    public boolean isEmpty() {
        return exact.isEmpty() && prefixes.isEmpty() && extensions.isEmpty();
    }

    @Override
    public String toString() {
        return spec;
    }
}
