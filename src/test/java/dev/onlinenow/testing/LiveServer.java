package dev.onlinenow.testing;

import dev.onlinenow.OnlineNow;
import dev.onlinenow.OnlineNowSettings;
import dev.onlinenow.UserIdSource;
import dev.onlinenow.live.LivePresence;
import dev.onlinenow.live.OnlineNowLive;
import jakarta.servlet.ServletContainerInitializer;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.websocket.server.WsSci;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * An embedded Tomcat on a free port with one web app at {@value #CONTEXT_PATH} that has the live
 * endpoint: a WebSocket implementation (its ServletContainerInitializer, added by hand so that only
 * that one runs; Tomcat's own unless {@link Builder#websocket told otherwise}), the
 * {@link OnlineNowLive} listener as web.xml would declare it, and these servlets:
 * {@code /login?user=X} puts X in the session attribute {@code user}, {@code /logout} invalidates
 * the session, {@code /signout} removes the attribute and keeps the session, {@code /room?name=R}
 * prints {@code count(R)} and {@code list(R).size()}, {@code /anon} starts a session without a
 * user; every other path is a 404.
 *
 * <p>The web app's {@link OnlineNow} and {@link LivePresence} are either built here, before the
 * listener runs, from settings in code ({@link Builder#inProcess}; the server closes them), or
 * started by the listener from context-params as in a real deployment ({@link Builder#contextParams}).
 * In both the user id defaults to the session attribute {@code user}, which the login servlet sets.
 *
 * <p>The static methods reach such a server by its port alone, for one running in another JVM.
 */
public final class LiveServer implements AutoCloseable {

    /** Where the web app is. */
    public static final String CONTEXT_PATH = "/app";

    private final Tomcat tomcat = new Tomcat();
    private final Context context;
    private final int port;
    private final OnlineNow ownOnline;
    private final LivePresence ownLive;
    private final HttpClient http = HttpClient.newHttpClient();

    private LiveServer(Builder b) throws IOException, LifecycleException {
        Path base = Files.createTempDirectory("online-now-live");
        if (b.settings != null) {
            ownOnline = OnlineNow.inProcess(b.settings.apply(OnlineNowSettings.builder()
                    .userId(UserIdSource.sessionAttribute("user"))).build());
            ownLive = b.live.apply(LivePresence.builder(ownOnline)).build();
        } else {
            ownOnline = null;
            ownLive = null;
        }
        try {
            tomcat.setBaseDir(base.toString());
            tomcat.setPort(0);
            if (b.maxThreads > 0) {
                tomcat.getConnector().setProperty("maxThreads", String.valueOf(b.maxThreads));
            }
            tomcat.getConnector();
            context = tomcat.addContext(CONTEXT_PATH, base.toString());
            // the web app sees this class path, also under exec:java's isolated class loader
            context.setParentClassLoader(LiveServer.class.getClassLoader());
            b.params.forEach((k, v) -> context.addParameter("online-now." + k, v));
            if (ownOnline == null && !b.params.containsKey("userId")) {
                context.addParameter("online-now.userId", "session:user");
            }
            b.customizer.accept(context);
            context.addServletContainerInitializer(b.websocket, b.handlesTypes);
            if (ownOnline != null) {
                context.addServletContainerInitializer((classes, sc) -> {
                    OnlineNow.install(sc, ownOnline);
                    LivePresence.install(sc, ownLive);
                }, null);
            }
            context.addApplicationListener(OnlineNowLive.class.getName());
            addServlets(context);
            tomcat.start();
            if (!context.getState().isAvailable()) {
                throw new IllegalStateException("the test web app did not start: " + context.getState());
            }
            port = tomcat.getConnector().getLocalPort();
        } catch (LifecycleException | RuntimeException e) {
            closeQuietly();
            throw e;
        }
    }

    private static void addServlets(Context ctx) {
        servlet(ctx, "/login", (req, resp) -> {
            req.getSession().setAttribute("user", req.getParameter("user"));
            resp.getWriter().print("ok");
        });
        servlet(ctx, "/logout", (req, resp) -> {
            HttpSession s = req.getSession(false);
            if (s != null) {
                s.invalidate();
            }
            resp.getWriter().print("bye");
        });
        // a classic app's sign-out: the user attribute goes, the session stays
        servlet(ctx, "/signout", (req, resp) -> {
            HttpSession s = req.getSession(false);
            if (s != null) {
                s.removeAttribute("user");
            }
            resp.getWriter().print("signed out");
        });
        // a page that shows a room, as a JSP calling the server-side API would
        servlet(ctx, "/room", (req, resp) -> {
            LivePresence live = LivePresence.get(req.getServletContext());
            String room = req.getParameter("name");
            resp.getWriter().print(live.count(room) + " " + live.list(room).size());
        });
        servlet(ctx, "/anon", (req, resp) -> {
            req.getSession();
            resp.getWriter().print("hello");
        });
        // the upgrade filters need the request to map to some servlet
        Tomcat.addServlet(ctx, "none", new HttpServlet() {
            @Override
            protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                resp.sendError(404);
            }
        });
        ctx.addServletMappingDecoded("/", "none");
    }

    /** What a test servlet does on GET. */
    private interface Get {
        void handle(HttpServletRequest req, HttpServletResponse resp) throws IOException;
    }

    private static void servlet(Context ctx, String path, Get get) {
        String name = path.substring(1);
        Tomcat.addServlet(ctx, name, new HttpServlet() {
            @Override
            protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                get.handle(req, resp);
            }
        });
        ctx.addServletMappingDecoded(path, name);
    }

    public static Builder builder() {
        return new Builder();
    }

    public int port() {
        return port;
    }

    /** The web app in Tomcat (to reload it, or reach its host). */
    public Context context() {
        return context;
    }

    /** The client this server's helpers use for HTTP and WebSocket. */
    public HttpClient http() {
        return http;
    }

    /** The web app's live presence (the one built here, or the one the listener started). */
    public LivePresence live() {
        return ownLive != null ? ownLive : LivePresence.get(context.getServletContext());
    }

    /** The web app's index (the one built here, or the one the listener started). */
    public OnlineNow online() {
        return ownOnline != null ? ownOnline : OnlineNow.get(context.getServletContext());
    }

    /** The Origin header of a same-origin page. */
    public String origin() {
        return origin(port);
    }

    public URI wsUri() {
        return URI.create("ws://localhost:" + port + CONTEXT_PATH + live().settings().wsPath());
    }

    /** Signs in through the login servlet; returns the Cookie header value of the session. */
    public String login(String user) throws IOException, InterruptedException {
        return login(http, port, user);
    }

    /** A session without a user; returns its Cookie header value. */
    public String anonymousSession() throws IOException, InterruptedException {
        return sessionCookie(http, port, "/anon");
    }

    /** Ends the session through the logout servlet. */
    /** GETs {@code path} (under the web app) with the cookie; returns the body. */
    public String get(String path, String cookie) throws IOException, InterruptedException {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + CONTEXT_PATH + path));
        if (cookie != null) {
            r.header("Cookie", cookie);
        }
        return http.send(r.build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    public void logout(String cookie) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(appUrl(port) + "/logout"))
                .header("Cookie", cookie).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new AssertionError("logout: " + r.statusCode());
        }
    }

    /** A socket of the session with this cookie (may be null), same-origin. */
    public WsClient connect(String cookie, String name) {
        return WsClient.connect(http, wsUri(), origin(), cookie, name);
    }

    /** A socket with this Origin header and cookie (either may be null). */
    public WsClient connect(String origin, String cookie, String name) {
        return WsClient.connect(http, wsUri(), origin, cookie, name);
    }

    /** Signs {@code user} in and opens a same-origin socket of that session, named user@port. */
    public WsClient connectAs(String user) throws IOException, InterruptedException {
        return connect(login(user), user + "@" + port);
    }

    /** {@link #connectAs(String)} for a server on this machine, maybe in another JVM, with the default wsPath. */
    public static WsClient connectAs(HttpClient http, int port, String user) throws IOException, InterruptedException {
        return WsClient.connect(http, wsUri(port), origin(port), login(http, port, user), user + "@" + port);
    }

    /** {@link #login(String)} for a server on this machine, maybe in another JVM. */
    public static String login(HttpClient http, int port, String user) throws IOException, InterruptedException {
        return sessionCookie(http, port, "/login?user=" + user);
    }

    /** The Origin header of a same-origin page of the server at this port. */
    public static String origin(int port) {
        return "http://localhost:" + port;
    }

    /** The endpoint of a server at this port with the default wsPath. */
    public static URI wsUri(int port) {
        return URI.create("ws://localhost:" + port + CONTEXT_PATH + OnlineNowSettings.builder().build().wsPath());
    }

    private static String appUrl(int port) {
        return origin(port) + CONTEXT_PATH;
    }

    private static String sessionCookie(HttpClient http, int port, String path) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(appUrl(port) + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        String setCookie = r.headers().firstValue("Set-Cookie").orElseThrow(() -> new AssertionError("no session cookie"));
        return setCookie.split(";", 2)[0];
    }

    /** Stops Tomcat, then closes the index and live presence if they were built here. */
    @Override
    public void close() throws LifecycleException {
        try {
            tomcat.stop();
            tomcat.destroy();
        } finally {
            closeOwn();
        }
    }

    private void closeQuietly() {
        try {
            close();
        } catch (LifecycleException | RuntimeException e) {
            // start-up failed already; that failure is the one to report
        }
    }

    private void closeOwn() {
        if (ownLive != null) {
            ownLive.close();
        }
        if (ownOnline != null) {
            ownOnline.close();
        }
    }

    /** How to start a {@link LiveServer}; {@link #start()} returns once the web app is up. */
    public static final class Builder {
        private ServletContainerInitializer websocket = new WsSci();
        private Set<Class<?>> handlesTypes;
        private UnaryOperator<OnlineNowSettings.Builder> settings;
        private UnaryOperator<LivePresence.Builder> live;
        private final Map<String, String> params = new LinkedHashMap<>();
        private Consumer<Context> customizer = ctx -> { };
        private int maxThreads;

        private Builder() {
        }

        /**
         * The WebSocket implementation, and the classes a container's scan would pass to its
         * initializer (null for none). Default: Tomcat's own.
         */
        public Builder websocket(ServletContainerInitializer initializer, Set<Class<?>> handlesTypes) {
            this.websocket = initializer;
            this.handlesTypes = handlesTypes;
            return this;
        }

        /**
         * Builds the index and live presence here: {@code settings} adjusts settings whose user id
         * is the session attribute {@code user}, {@code live} the live presence's builder.
         */
        public Builder inProcess(UnaryOperator<OnlineNowSettings.Builder> settings,
                                 UnaryOperator<LivePresence.Builder> live) {
            this.settings = settings;
            this.live = live;
            return this;
        }

        /**
         * Context-params without the {@code online-now.} prefix, as web.xml would have them; the
         * listener starts the index and live presence from them (unless {@link #inProcess}).
         */
        public Builder contextParams(Map<String, String> params) {
            this.params.putAll(params);
            return this;
        }

        /** Adjusts the web app before its WebSocket implementation is added and it starts. */
        public Builder customize(Consumer<Context> customizer) {
            this.customizer = customizer;
            return this;
        }

        /** The connector's request threads (Tomcat's default unless set). */
        public Builder maxThreads(int maxThreads) {
            this.maxThreads = maxThreads;
            return this;
        }

        public LiveServer start() throws IOException, LifecycleException {
            return new LiveServer(this);
        }
    }
}
