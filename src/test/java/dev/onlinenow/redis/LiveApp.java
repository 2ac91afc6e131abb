package dev.onlinenow.redis;

import dev.onlinenow.live.LivePresence;
import dev.onlinenow.live.OnlineNowLive;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.catalina.Context;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.websocket.server.WsSci;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * One server of a load-balanced web app with the live endpoint, configured as web.xml would
 * (context-params {@code online-now.*} and the {@link OnlineNowLive} listener), on Tomcat's
 * WebSocket; {@code /login?user=X} keeps X in the HttpSession.
 */
public final class LiveApp implements AutoCloseable {

    final Tomcat tomcat = new Tomcat();
    final Context context;
    final int port;
    final HttpClient http = HttpClient.newHttpClient();

    public LiveApp(Map<String, String> params) throws Exception {
        Path base = Files.createTempDirectory("online-now-live-redis");
        tomcat.setBaseDir(base.toString());
        tomcat.setPort(0);
        tomcat.getConnector();
        context = tomcat.addContext("", base.toString());
        // the web app sees this class path, also under exec:java's isolated class loader
        context.setParentClassLoader(LiveApp.class.getClassLoader());
        params.forEach((k, v) -> context.addParameter("online-now." + k, v));
        context.addParameter("online-now.userId", "session:user");
        context.addServletContainerInitializer(new WsSci(), null);
        context.addApplicationListener(OnlineNowLive.class.getName());
        Tomcat.addServlet(context, "login", new HttpServlet() {
            @Override
            protected void doGet(HttpServletRequest req, HttpServletResponse res) throws IOException {
                req.getSession().setAttribute("user", req.getParameter("user"));
                res.getWriter().print("ok");
            }
        });
        context.addServletMappingDecoded("/login", "login");
        Tomcat.addServlet(context, "none", new HttpServlet() {
            @Override
            protected void service(HttpServletRequest req, HttpServletResponse res) throws IOException {
                res.sendError(404);
            }
        });
        context.addServletMappingDecoded("/", "none");
        tomcat.start();
        if (!context.getState().isAvailable()) {
            throw new IllegalStateException("the test web app did not start: " + context.getState());
        }
        port = tomcat.getConnector().getLocalPort();
    }

    LivePresence live() {
        return LivePresence.get(context.getServletContext());
    }

    /** Signs in and opens a same-origin socket for the user. */
    public Ws connect(String user) throws Exception {
        return connect(http, port, user);
    }

    static Ws connect(HttpClient http, int port, String user) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + port + "/login?user=" + user)).build(), HttpResponse.BodyHandlers.ofString());
        String cookie = r.headers().firstValue("Set-Cookie").orElseThrow(() -> new AssertionError("no session"))
                .split(";", 2)[0];
        return Ws.connect(http, URI.create("ws://localhost:" + port + "/online-now/ws"), "http://localhost:" + port,
                cookie, user + "@" + port);
    }

    @Override
    public void close() throws Exception {
        tomcat.stop();
        tomcat.destroy();
    }
}
