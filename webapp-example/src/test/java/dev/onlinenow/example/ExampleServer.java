package dev.onlinenow.example;

import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.ApplicationParameter;
import org.apache.tomcat.util.scan.StandardJarScanner;

import java.io.IOException;
import java.net.BindException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Serves the built example web app in embedded Tomcat 11 with Tyrus as the WebSocket
 * implementation (no {@code tomcat-embed-websocket} on the class path) and Jasper compiling
 * the JSPs: the same exploded WAR a container would deploy, nothing registered in code.
 *
 * <pre>
 * mvn -q -B install -DskipTests &amp;&amp; mvn -q -B -f webapp-example/pom.xml -DskipTests package exec:java
 * </pre>
 *
 * <p>The port is {@code -Dport=N} or the environment's {@code PORT}, else 8080. Tests start it
 * in-process with {@link #start(Path, int)} on port 0.
 *
 * <p>{@code -Dexample.servers=N} starts N servers (Tomcats, each with its own web app) on the port
 * and the ones after it, and every {@code -Donline-now.KEY=VALUE} is handed to each web app as the
 * context-param {@code online-now.KEY}, as a {@code <Parameter>} in Tomcat's context.xml would. The
 * profile {@code -Predis} sets both (two servers, {@code store=redis}):
 *
 * <pre>
 * mvn -q -B install -DskipTests &amp;&amp; mvn -q -B -f webapp-example/pom.xml -Predis -DskipTests package exec:java
 * </pre>
 */
public final class ExampleServer implements AutoCloseable {

    private final Tomcat tomcat;
    private final Context context;
    private final int port;

    private ExampleServer(Tomcat tomcat, Context context, int port) {
        this.tomcat = tomcat;
        this.context = context;
        this.port = port;
    }

    /**
     * Deploys the exploded WAR at {@code webapp} on {@code port} (0 for a free one) as the root
     * context, and starts.
     *
     * @throws IllegalStateException if the web app failed to start (its log says why)
     */
    public static ExampleServer start(Path webapp, int port) throws LifecycleException, IOException {
        Path base = Files.createDirectories(webapp.toAbsolutePath().getParent().resolve("embedded-tomcat"));
        /* On a fixed port the same base directory each time: the sessions Tomcat saves there when
         * it stops (META-INF/context.xml) are read back when it starts again. */
        return start(webapp, port, port > 0 ? base.resolve("port-" + port) : Files.createTempDirectory(base, "tomcat-"));
    }

    /**
     * As {@link #start(Path, int)}, with Tomcat's base directory (its work directory, where the
     * web app's sessions are saved when it stops, is in there): a server started again with the
     * same base directory keeps the sessions of the one before.
     */
    public static ExampleServer start(Path webapp, int port, Path baseDir) throws LifecycleException, IOException {
        return start(webapp, port, baseDir, Map.of());
    }

    /**
     * As {@link #start(Path, int, Path)}, with context parameters for the web app, as a
     * {@code <Parameter override="false">} in Tomcat's context.xml gives them: they win over the
     * same name in web.xml ({@code online-now.store} = {@code redis}).
     */
    public static ExampleServer start(Path webapp, int port, Path baseDir, Map<String, String> contextParams)
            throws LifecycleException, IOException {
        Objects.requireNonNull(webapp, "webapp");
        if (!Files.isRegularFile(webapp.resolve("WEB-INF/web.xml"))) {
            throw new IllegalArgumentException("no exploded WAR at " + webapp.toAbsolutePath()
                    + "; build it first: mvn -f webapp-example/pom.xml -DskipTests package");
        }
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(Files.createDirectories(baseDir).toString());
        tomcat.setPort(port);
        Connector connector = tomcat.getConnector();
        tomcat.getHost().setAutoDeploy(false);

        Context context = tomcat.addWebapp("", webapp.toAbsolutePath().toString());
        /* Under exec:java and Surefire the container classes sit on a child class loader, not the
         * system one; the web app (and Tomcat's search for ServletContainerInitializers, which
         * finds Tyrus's) must look there. */
        context.setParentClassLoader(ExampleServer.class.getClassLoader());
        /* Scan what a real container scans, the WAR's WEB-INF, not every jar of the launcher's class
         * path: faster, and Tyrus's initializer then sees exactly the classes a deployment would
         * (it registers nothing unless it finds an Endpoint, here the library's live endpoint). */
        StandardJarScanner scanner = new StandardJarScanner();
        scanner.setScanClassPath(false);
        context.setJarScanner(scanner);
        contextParams.forEach((name, value) -> {
            ApplicationParameter p = new ApplicationParameter();
            p.setName(name);
            p.setValue(value);
            p.setOverride(false);
            context.addApplicationParameter(p);
        });

        try {
            tomcat.start();
        } catch (LifecycleException e) {
            tomcat.destroy();
            throw e;
        }
        if (!context.getState().isAvailable()) {
            stopQuietly(tomcat);
            throw new IllegalStateException("the example web app failed to start; see the log above");
        }
        int actual = connector.getLocalPort();
        if (actual <= 0) {
            stopQuietly(tomcat);
            throw new IllegalStateException("could not listen on port " + port
                    + (port > 0 ? " (in use? pick another with -Dport=9090)" : ""));
        }
        return new ExampleServer(tomcat, context, actual);
    }

    public int port() {
        return port;
    }

    /** {@code http://localhost:PORT/}. */
    public URI uri() {
        return URI.create("http://localhost:" + port + "/");
    }

    /** The deployed web app's context (for tests that look inside). */
    public Context context() {
        return context;
    }

    @Override
    public void close() {
        stopQuietly(tomcat);
    }

    private static void stopQuietly(Tomcat tomcat) {
        try {
            tomcat.stop();
        } catch (LifecycleException e) {
            System.err.println("online-now example: stopping Tomcat failed: " + e);
        }
        try {
            tomcat.destroy();
        } catch (LifecycleException e) {
            System.err.println("online-now example: destroying Tomcat failed: " + e);
        }
    }

    public static void main(String[] args) throws Exception {
        Path webapp = Paths.get(System.getProperty("example.webapp", "webapp-example/target/online-now-example-0.1.0-SNAPSHOT"));
        int port = configuredPort();
        int count = configuredServers();
        Map<String, String> params = new TreeMap<>();
        System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("online-now."))
                .forEach(k -> params.put(k, System.getProperty(k)));
        List<ExampleServer> servers = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int p = port == 0 ? 0 : port + i;
            try {
                Path base = Files.createDirectories(webapp.toAbsolutePath().getParent().resolve("embedded-tomcat"));
                ExampleServer server = start(webapp, p, p > 0 ? base.resolve("port-" + p) : Files.createTempDirectory(base, "tomcat-"),
                        params);
                if (count > 1) {
                    /* Browsers send a host's cookies to all its ports: one session cookie per server,
                     * so one browser can be signed in on each (Tomcat's attribute, nothing in the WAR). */
                    server.context.setSessionCookieName("JSESSIONID_" + server.port());
                }
                servers.add(server);
            } catch (LifecycleException | IllegalStateException e) {
                servers.forEach(ExampleServer::close);
                if (e.getCause() instanceof BindException || String.valueOf(e.getMessage()).contains("in use")) {
                    System.err.println("online-now example: port " + p + " is in use; pick another with -Dport=9090");
                } else {
                    System.err.println("online-now example: could not start: " + e.getMessage());
                }
                System.exit(1);
                return;
            }
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> servers.forEach(ExampleServer::close), "example-shutdown"));
        System.out.println();
        for (ExampleServer server : servers) {
            System.out.println("  online-now example is running: http://localhost:" + server.port() + "/");
        }
        System.out.println("  " + org.apache.catalina.util.ServerInfo.getServerInfo()
                + " (embedded) with Tyrus WebSocket; open it in two browsers. Ctrl-C stops it.");
        if (!params.isEmpty()) {
            System.out.println("  context-params: " + params.keySet().stream()
                    .map(k -> k + "=" + (k.toLowerCase(java.util.Locale.ROOT).contains("uri") ? "(set)" : params.get(k)))
                    .collect(java.util.stream.Collectors.joining(", ")));
        }
        System.out.println();
        servers.get(0).tomcat.getServer().await();
    }

    private static int configuredServers() {
        String n = System.getProperty("example.servers", "1").trim();
        try {
            int v = Integer.parseInt(n);
            if (v < 1 || v > 16) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            System.err.println("online-now example: bad example.servers \"" + n + "\"; expected a number from 1 to 16");
            System.exit(2);
            return -1;
        }
    }

    private static int configuredPort() {
        String p = System.getProperty("port", System.getenv("PORT"));
        if (p == null || p.isBlank()) {
            return 8080;
        }
        try {
            int n = Integer.parseInt(p.trim());
            if (n < 0 || n > 65535) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            System.err.println("online-now example: bad port \"" + p + "\"; expected a number from 0 to 65535");
            System.exit(2);
            return -1;
        }
    }
}
