package dev.onlinenow.redis;

import dev.onlinenow.OnlineNow;
import dev.onlinenow.OnlineNowFilter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;

import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One "server" of a load-balanced web app: an embedded Tomcat with OnlineNowFilter configured by
 * context-params, a classic sign-in that keeps the name in the HttpSession
 * ({@code userId=session:user}), and {@code /who}, which prints what the filter gave the request.
 */
final class EmbeddedApp implements AutoCloseable {

    private final Tomcat tomcat = new Tomcat();
    private final Context context;
    private final AtomicReference<OnlineNow> online = new AtomicReference<>();
    final int port;

    /**
     * @param params    context-params without the {@code online-now.} prefix
     * @param installed an index to use instead of the one the filter would start, or null
     */
    EmbeddedApp(Map<String, String> params, OnlineNow installed) throws IOException, LifecycleException {
        Path base = Files.createTempDirectory("online-now-tomcat");
        tomcat.setBaseDir(base.toString());
        tomcat.setPort(0);
        context = tomcat.addContext("", base.toString());
        params.forEach((k, v) -> context.addParameter("online-now." + k, v));
        context.addParameter("online-now.userId", "session:user");
        if (installed != null) {
            context.addServletContainerInitializer((classes, sc) -> OnlineNow.install(sc, installed), null);
        }
        FilterDef filter = new FilterDef();
        filter.setFilterName("onlineNow");
        filter.setFilterClass(OnlineNowFilter.class.getName());
        context.addFilterDef(filter);
        FilterMap map = new FilterMap();
        map.setFilterName("onlineNow");
        map.addURLPattern("/*");
        context.addFilterMap(map);
        Tomcat.addServlet(context, "login", new HttpServlet() {
            @Override
            protected void doGet(HttpServletRequest req, HttpServletResponse res) throws IOException {
                req.getSession(true).setAttribute("user", req.getParameter("name"));
                res.getWriter().print("ok");
            }
        });
        context.addServletMappingDecoded("/login", "login");
        Tomcat.addServlet(context, "who", new HttpServlet() {
            @Override
            protected void doGet(HttpServletRequest req, HttpServletResponse res) throws IOException {
                online.set(OnlineNow.get(req.getServletContext()));
                @SuppressWarnings("unchecked")
                List<String> ids = (List<String>) req.getAttribute(OnlineNowFilter.IDS_ATTRIBUTE);
                res.getWriter().print(req.getAttribute(OnlineNowFilter.COUNT_ATTRIBUTE) + "|" + String.join(",", ids));
            }
        });
        context.addServletMappingDecoded("/who", "who");
        tomcat.getConnector();
        tomcat.start();
        port = tomcat.getConnector().getLocalPort();
    }

    /** The index the filter uses (known after the first /who). */
    OnlineNow online() {
        return online.get();
    }

    /** A browser: its own cookies, signed in as {@code name}, and one page seen since. */
    Browser signIn(String name) throws IOException, InterruptedException {
        Browser b = new Browser();
        b.get(this, "/login?name=" + name);
        b.who(this);
        return b;
    }

    @Override
    public void close() throws LifecycleException {
        tomcat.stop();
        tomcat.destroy();
    }

    /** What {@code /who} answered. */
    record Who(long count, List<String> ids) {
        static Who parse(String body) {
            int bar = body.indexOf('|');
            String ids = body.substring(bar + 1);
            return new Who(Long.parseLong(body.substring(0, bar)), ids.isEmpty() ? List.of() : List.of(ids.split(",")));
        }
    }

    static final class Browser {
        private final HttpClient http = HttpClient.newBuilder().cookieHandler(new CookieManager())
                .connectTimeout(Duration.ofSeconds(10)).build();

        String get(EmbeddedApp app, String path) throws IOException, InterruptedException {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port + path))
                    .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IOException("HTTP " + r.statusCode() + " for " + path + ": " + r.body());
            }
            return r.body();
        }

        /** The same browser on another server (a load balancer without sticky sessions would do that). */
        Who who(EmbeddedApp app) throws IOException, InterruptedException {
            return Who.parse(get(app, "/who"));
        }
    }
}
