package dev.onlinenow.example;

import java.io.IOException;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.HttpCookie;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One visitor of the example: a JDK HTTP client with its own cookie jar (so its own session),
 * that does not follow redirects (tests look at them).
 */
final class WebClient {

    static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final URI app;
    private final CookieManager cookies = new CookieManager(null, CookiePolicy.ACCEPT_ALL);
    private final HttpClient http;
    private final String userAgent;

    /** @param app the web app's root, ending in / ({@code http://127.0.0.1:8080/example/}) */
    WebClient(URI app) {
        this(app, null);
    }

    /** A visitor whose requests send this {@code User-Agent} (a crawler's, say); null: the JDK's. */
    WebClient(URI app, String userAgent) {
        this.app = app;
        this.userAgent = userAgent;
        this.http = HttpClient.newBuilder()
                .cookieHandler(cookies)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(TIMEOUT)
                .build();
    }

    URI app() {
        return app;
    }

    /** {@code scheme://host:port}, as a browser sends it in {@code Origin}. */
    String origin() {
        return app.getScheme() + "://" + app.getAuthority();
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(resolve(path)).timeout(TIMEOUT)
                .header("Accept", "text/html").GET();
        if (userAgent != null) {
            request.header("User-Agent", userAgent);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /** Whether this visitor holds a session cookie. */
    boolean hasSession() {
        return !cookies.getCookieStore().get(app).isEmpty();
    }

    HttpResponse<String> post(String path, Map<String, String> form) throws IOException, InterruptedException {
        StringJoiner body = new StringJoiner("&");
        form.forEach((k, v) -> body.add(URLEncoder.encode(k, StandardCharsets.UTF_8) + "="
                + URLEncoder.encode(v, StandardCharsets.UTF_8)));
        HttpRequest request = HttpRequest.newBuilder(resolve(path)).timeout(TIMEOUT)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Origin", origin())
                .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /** Signs in through the form and checks the redirect home. */
    WebClient signIn(String name) throws IOException, InterruptedException {
        HttpResponse<String> r = post("login", Map.of("name", name));
        assertThat(r.statusCode()).as("POST /login as %s: %s", name, r.body()).isEqualTo(302);
        assertThat(location(r)).isEqualTo(app.getPath());
        return this;
    }

    WebClient signOut() throws IOException, InterruptedException {
        HttpResponse<String> r = post("logout", Map.of());
        assertThat(r.statusCode()).as("POST /logout").isEqualTo(302);
        return this;
    }

    /** GET / as a page, checking it is a 200. */
    Page home() throws IOException, InterruptedException {
        HttpResponse<String> r = get("");
        assertThat(r.statusCode()).as("GET / : %s", r.body()).isEqualTo(200);
        return new Page(r.body());
    }

    /** The {@code Cookie} header value this visitor's browser would send to the app. */
    String cookieHeader() {
        StringJoiner out = new StringJoiner("; ");
        for (HttpCookie c : cookies.getCookieStore().get(app)) {
            out.add(c.getName() + "=" + c.getValue());
        }
        return out.toString();
    }

    /** The path of a redirect (without scheme and host, which containers may or may not add). */
    static String location(HttpResponse<?> r) {
        String loc = r.headers().firstValue("Location").orElseThrow(() -> new AssertionError("no Location header"));
        URI u = URI.create(loc);
        return u.getRawQuery() == null ? u.getRawPath() : u.getRawPath() + "?" + u.getRawQuery();
    }

    private URI resolve(String path) {
        return app.resolve(path);
    }

    /** A rendered home page, read through the markers the JSP puts for tests and scripts. */
    record Page(String html) {

        private static final Pattern COUNT = Pattern.compile("data-testid=\"online-count\">(\\d+)<");
        private static final Pattern GUESTS = Pattern.compile("data-testid=\"guest-count\">.*?\\+ (\\d+)", Pattern.DOTALL);
        private static final Pattern USER = Pattern.compile("data-user-id=\"([^\"]*)\"");
        private static final Pattern ME = Pattern.compile("data-testid=\"me\">([^<]*)<");

        long onlineCount() {
            Matcher m = COUNT.matcher(html);
            if (!m.find()) {
                throw new AssertionError("no online count on the page:\n" + html);
            }
            return Long.parseLong(m.group(1));
        }

        long guestCount() {
            Matcher m = GUESTS.matcher(html);
            return m.find() ? Long.parseLong(m.group(1)) : 0;
        }

        /** The ids in the online list, in page order. */
        List<String> onlineIds() {
            List<String> ids = new ArrayList<>();
            Matcher m = USER.matcher(html);
            while (m.find()) {
                ids.add(unescape(m.group(1)));
            }
            return ids;
        }

        Optional<String> signedInAs() {
            Matcher m = ME.matcher(html);
            return m.find() ? Optional.of(unescape(m.group(1))) : Optional.empty();
        }

        boolean showsSignInForm() {
            return html.contains("data-testid=\"sign-in-form\"");
        }

        static String unescape(String s) {
            return s.replace("&lt;", "<").replace("&gt;", ">").replace("&#034;", "\"").replace("&#039;", "'")
                    .replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&");
        }
    }
}
