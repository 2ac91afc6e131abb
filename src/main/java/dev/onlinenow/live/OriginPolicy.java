package dev.onlinenow.live;

import dev.onlinenow.OnlineNowSettings;
import jakarta.websocket.server.HandshakeRequest;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Which page origins may open a live socket: the WebSocket handshake's {@code Origin} check
 * (docs/protocol.md, section 1).
 *
 * <ul>
 *   <li>{@code allowedOrigins=*}: any, even none.
 *   <li>{@code allowedOrigins} set: exactly those origins (scheme, host and port; case and a
 *       default port do not matter).
 *   <li>Otherwise the page's own origin: the {@code Origin}'s scheme must be the request's
 *       ({@code https} for a {@code wss} request, {@code http} for {@code ws}) and its host and
 *       port the {@code Host} header's. With {@code trustForwardedHeaders}, the scheme and host a
 *       reverse proxy passes in {@code Forwarded} (RFC 7239: {@code proto=}, {@code host=}) or
 *       else {@code X-Forwarded-Proto} / {@code X-Forwarded-Host} take their place; of a list,
 *       the last entry counts (the one the proxy nearest to the server set).
 * </ul>
 *
 * <p>When the container does not say which scheme the request came with (a handshake request
 * URI without a scheme), only host and port are compared, as before this check knew schemes.
 */
final class OriginPolicy {

    private final List<String> allowed;
    private final boolean any;
    private final boolean trustForwarded;

    OriginPolicy(List<String> allowedOrigins, boolean trustForwardedHeaders) {
        this.any = allowedOrigins.contains("*");
        this.allowed = allowedOrigins.stream().map(o -> normalize(o.trim().toLowerCase(Locale.ROOT))).toList();
        this.trustForwarded = trustForwardedHeaders;
    }

    static OriginPolicy of(OnlineNowSettings settings) {
        return new OriginPolicy(settings.allowedOrigins(), settings.trustForwardedHeaders());
    }

    /**
     * Whether a handshake with these headers may open a socket.
     *
     * @param requestScheme {@code ws}, {@code wss}, {@code http} or {@code https} as the container
     *                      saw the request, or null if it does not say
     */
    boolean allows(Map<String, List<String>> headers, String requestScheme) {
        if (any) {
            return true;
        }
        String host = header(headers, "Host");
        String scheme = requestScheme;
        if (trustForwarded) {
            String forwarded = header(headers, "Forwarded");
            String fHost = forwarded == null ? null : forwardedParameter(last(forwarded), "host");
            String fProto = forwarded == null ? null : forwardedParameter(last(forwarded), "proto");
            if (fHost == null) {
                fHost = last(header(headers, "X-Forwarded-Host"));
            }
            if (fProto == null) {
                fProto = last(header(headers, "X-Forwarded-Proto"));
            }
            host = fHost != null ? fHost : host;
            scheme = fProto != null ? fProto : scheme;
        }
        return allows(header(headers, "Origin"), host, scheme);
    }

    /** {@link #allows(Map, String)} with the headers taken apart. */
    boolean allows(String origin, String host, String requestScheme) {
        if (any) {
            return true;
        }
        if (origin == null) {
            return false;
        }
        String o = origin.trim().toLowerCase(Locale.ROOT);
        int sep = o.indexOf("://");
        if (sep <= 0) {
            return false; // "null" (sandboxed pages, file:), or not an origin
        }
        if (!allowed.isEmpty()) {
            return allowed.contains(normalize(o));
        }
        if (host == null || host.isBlank()) {
            return false;
        }
        String scheme = o.substring(0, sep);
        String page = pageScheme(requestScheme);
        if (page != null && !scheme.equals(page)) {
            return false;
        }
        return normalize(o).equals(normalize(scheme + "://" + host.trim().toLowerCase(Locale.ROOT)));
    }

    /** The page scheme that goes with a request's scheme, or null if unknown. */
    private static String pageScheme(String requestScheme) {
        if (requestScheme == null) {
            return null;
        }
        switch (requestScheme.trim().toLowerCase(Locale.ROOT)) {
            case "wss":
            case "https":
                return "https";
            case "ws":
            case "http":
                return "http";
            default:
                return null;
        }
    }

    /** scheme://host[:port] without the scheme's default port and without a trailing slash. */
    private static String normalize(String origin) {
        String o = origin.endsWith("/") ? origin.substring(0, origin.length() - 1) : origin;
        int sep = o.indexOf("://");
        if (sep <= 0) {
            return o;
        }
        String scheme = o.substring(0, sep);
        String def = scheme.equals("https") || scheme.equals("wss") ? ":443" : scheme.equals("http") || scheme.equals("ws") ? ":80" : null;
        return def != null && o.endsWith(def) ? o.substring(0, o.length() - def.length()) : o;
    }

    /** The last entry of a comma-separated header value (the one the nearest proxy added), or null. */
    private static String last(String value) {
        if (value == null) {
            return null;
        }
        int comma = value.lastIndexOf(',');
        String v = (comma < 0 ? value : value.substring(comma + 1)).trim();
        return v.isEmpty() ? null : v;
    }

    /** A parameter of one {@code Forwarded} element ({@code for=...;proto=https;host="a:8443"}), or null. */
    private static String forwardedParameter(String element, String name) {
        if (element == null) {
            return null;
        }
        for (String pair : element.split(";")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).trim().equalsIgnoreCase(name)) {
                String v = pair.substring(eq + 1).trim();
                if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
                    v = v.substring(1, v.length() - 1);
                }
                return v.isEmpty() ? null : v;
            }
        }
        return null;
    }

    /**
     * The scheme a handshake came with: its request URI's ({@code ws}/{@code wss} on Tomcat and
     * Jetty); Tyrus gives a URI without one, and says {@code isSecure()} on its request instead.
     * Null if neither tells.
     */
    static String requestScheme(HandshakeRequest request) {
        URI uri = request.getRequestURI();
        if (uri != null && uri.getScheme() != null) {
            return uri.getScheme();
        }
        try {
            Object secure = request.getClass().getMethod("isSecure").invoke(request);
            return secure instanceof Boolean ? ((Boolean) secure ? "wss" : "ws") : null;
        } catch (ReflectiveOperationException | RuntimeException notTyrus) {
            return null;
        }
    }

    /** The first value of a header, by case-insensitive name, or null. */
    static String header(Map<String, List<String>> headers, String name) {
        if (headers == null) {
            return null;
        }
        for (Map.Entry<String, List<String>> e : headers.entrySet()) {
            if (name.equalsIgnoreCase(e.getKey()) && e.getValue() != null && !e.getValue().isEmpty()) {
                return e.getValue().size() == 1 ? e.getValue().get(0) : String.join(", ", e.getValue());
            }
        }
        return null;
    }
}
