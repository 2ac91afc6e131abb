package dev.onlinenow.live;

import dev.onlinenow.MutableClock;
import dev.onlinenow.OnlineNow;
import dev.onlinenow.OnlineNowSettings;
import jakarta.servlet.ServletContainerInitializer;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.startup.Tomcat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * An embedded Tomcat with one web app at {@code /app}: the WebSocket implementation under test
 * (its ServletContainerInitializer, added by hand so that only that one runs), the
 * {@link OnlineNowLive} listener as web.xml would declare it, and two servlets: {@code /login?user=X}
 * puts X in the session attribute {@code user}, {@code /logout} invalidates the session.
 *
 * <p>The web app's {@link OnlineNow} and {@link LivePresence} are built before the listener runs
 * (the listener then uses them), with a {@link MutableClock} and timers driven by the test.
 */
final class LiveTestServer implements AutoCloseable {

    final MutableClock clock = new MutableClock();
    final Tomcat tomcat;
    final int port;
    final LivePresence live;
    final OnlineNow online;
    final HttpClient http = HttpClient.newHttpClient();
    private final Path base;

    LiveTestServer(ServletContainerInitializer websocket, Set<Class<?>> handlesTypes,
                   UnaryOperator<OnlineNowSettings.Builder> settings, RoomAuthorizer authorizer) throws Exception {
        this(websocket, handlesTypes, settings, authorizer, ctx -> { });
    }

    LiveTestServer(ServletContainerInitializer websocket, Set<Class<?>> handlesTypes,
                   UnaryOperator<OnlineNowSettings.Builder> settings, RoomAuthorizer authorizer,
                   java.util.function.Consumer<Context> customizer) throws Exception {
        base = Files.createTempDirectory("online-now-live");
        online = OnlineNow.inProcess(settings.apply(OnlineNowSettings.builder()
                .userId(dev.onlinenow.UserIdSource.sessionAttribute("user"))
                .clock(clock)).build());
        live = LivePresence.builder(online).authorizer(authorizer).autoTick(false).build();

        tomcat = new Tomcat();
        tomcat.setBaseDir(base.toString());
        tomcat.setPort(0);
        tomcat.getConnector();
        Context ctx = tomcat.addContext("/app", base.toString());
        customizer.accept(ctx);
        ctx.addServletContainerInitializer(websocket, handlesTypes);
        ctx.addServletContainerInitializer((classes, sc) -> {
            OnlineNow.install(sc, online);
            LivePresence.install(sc, live);
        }, null);
        ctx.addApplicationListener(OnlineNowLive.class.getName());

        Tomcat.addServlet(ctx, "login", new HttpServlet() {
            @Override
            protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                req.getSession().setAttribute("user", req.getParameter("user"));
                resp.getWriter().print("ok");
            }
        });
        ctx.addServletMappingDecoded("/login", "login");
        Tomcat.addServlet(ctx, "logout", new HttpServlet() {
            @Override
            protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                HttpSession s = req.getSession(false);
                if (s != null) {
                    s.invalidate();
                }
                resp.getWriter().print("bye");
            }
        });
        ctx.addServletMappingDecoded("/logout", "logout");
        Tomcat.addServlet(ctx, "anon", new HttpServlet() {
            @Override
            protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                req.getSession();
                resp.getWriter().print("hello");
            }
        });
        ctx.addServletMappingDecoded("/anon", "anon");
        // the upgrade filters need the request to map to some servlet
        Tomcat.addServlet(ctx, "none", new HttpServlet() {
            @Override
            protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                resp.sendError(404);
            }
        });
        ctx.addServletMappingDecoded("/", "none");

        tomcat.start();
        if (!ctx.getState().isAvailable()) {
            throw new IllegalStateException("the test web app did not start: " + ctx.getState());
        }
        port = tomcat.getConnector().getLocalPort();
    }

    String origin() {
        return "http://localhost:" + port;
    }

    URI wsUri() {
        return URI.create("ws://localhost:" + port + "/app" + live.settings().wsPath());
    }

    /** Signs in through the login servlet; returns the Cookie header value of the session. */
    String login(String user) throws Exception {
        return cookieFrom("/app/login?user=" + user);
    }

    /** A session without a user. */
    String anonymousSession() throws Exception {
        return cookieFrom("/app/anon");
    }

    private String cookieFrom(String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        String setCookie = r.headers().firstValue("Set-Cookie").orElseThrow(() -> new AssertionError("no session cookie"));
        return setCookie.split(";", 2)[0];
    }

    void logout(String cookie) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/app/logout"))
                .header("Cookie", cookie).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new AssertionError("logout: " + r.statusCode());
        }
    }

    /** A signed-in user's socket, same-origin. */
    WsClient connect(String cookie, String name) {
        return WsClient.connect(http, wsUri(), origin(), cookie, name);
    }

    WsClient connect(String origin, String cookie, String name) {
        return WsClient.connect(http, wsUri(), origin, cookie, name);
    }

    @Override
    public void close() throws LifecycleException {
        try {
            tomcat.stop();
            tomcat.destroy();
        } finally {
            live.close();
            online.close();
        }
    }
}
