package dev.onlinenow.example;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * A stock container distribution (unpacked by maven-dependency-plugin) run as its own process,
 * with the example WAR copied in exactly as an administrator would deploy it, on a free port.
 * Start-up is detected from the container's own log line (GlassFish: none), then readiness by
 * polling the app's home page until it answers 200, never by sleeping.
 */
final class ExternalContainer implements AutoCloseable {

    static final long START_TIMEOUT_SECONDS = 180;

    /** Longer for GlassFish: a fresh domain starts its OSGi runtime and deploys in a minute or two on 2 busy cores. */
    static final long GLASSFISH_START_TIMEOUT_SECONDS = 300;

    private final String name;
    private final Process process;
    private final Path log;
    private final URI app;
    private final Stop stop;
    /** How to start the same container again (same base, port and log), or null. */
    private Restart restart;

    private interface Restart {
        ExternalContainer start() throws Exception;
    }

    /** How a container is stopped; the default is SIGTERM to the process we started. */
    private interface Stop {
        void stop(ExternalContainer c) throws Exception;
    }

    private ExternalContainer(String name, Process process, Path log, URI app, Stop stop) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.app = app;
        this.stop = stop;
    }

    /** The web app's root ({@code http://127.0.0.1:PORT/example/}). */
    URI app() {
        return app;
    }

    /**
     * Stock Tomcat: its own {@code conf/} with a server.xml whose HTTP port comes from a system
     * property and whose shutdown port is off; the WAR in {@code webapps/example.war}.
     */
    static ExternalContainer tomcat(Path home, Path war, Path work) throws Exception {
        Path base = fresh(work.resolve("tomcat-base"));
        Files.createDirectories(base.resolve("conf"));
        try (Stream<Path> conf = Files.list(home.resolve("conf"))) {
            for (Path p : (Iterable<Path>) conf::iterator) {
                if (Files.isRegularFile(p) && !p.getFileName().toString().equals("server.xml")) {
                    Files.copy(p, base.resolve("conf").resolve(p.getFileName()));
                }
            }
        }
        Files.writeString(base.resolve("conf/server.xml"), """
                <?xml version="1.0" encoding="UTF-8"?>
                <Server port="-1" shutdown="SHUTDOWN">
                  <Listener className="org.apache.catalina.startup.VersionLoggerListener"/>
                  <Service name="Catalina">
                    <Connector port="${http.port}" address="127.0.0.1" protocol="HTTP/1.1" connectionTimeout="20000"/>
                    <Engine name="Catalina" defaultHost="localhost">
                      <Host name="localhost" appBase="webapps" unpackWARs="true" autoDeploy="false"/>
                    </Engine>
                  </Service>
                </Server>
                """);
        for (String dir : List.of("webapps", "logs", "temp", "work")) {
            Files.createDirectories(base.resolve(dir));
        }
        Files.copy(war, base.resolve("webapps/example.war"));
        int port = freePort();
        List<String> cmd = new ArrayList<>(List.of(java(),
                "-Dcatalina.home=" + home, "-Dcatalina.base=" + base, "-Djava.io.tmpdir=" + base.resolve("temp"),
                "-Djava.util.logging.manager=org.apache.juli.ClassLoaderLogManager",
                "-Djava.util.logging.config.file=" + base.resolve("conf/logging.properties"),
                "-Dhttp.port=" + port,
                "-Duser.language=en", "-Duser.country=US", // the ready line is matched in English
                // what catalina.sh adds on Java 17, so Tomcat runs as installed
                "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
                "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
                "--add-opens=java.rmi/sun.rmi.transport=ALL-UNNAMED",
                "-cp", home.resolve("bin/bootstrap.jar") + java.io.File.pathSeparator + home.resolve("bin/tomcat-juli.jar"),
                "org.apache.catalina.startup.Bootstrap", "start"));
        return start("tomcat", cmd, base, work.resolve("tomcat.log"), "Server startup in", port);
    }

    /**
     * Stock Jetty 12: a jetty.base made by {@code start.jar --add-modules} with the modules the
     * README lists (no {@code ee10-jstl}: the WAR brings its JSTL; with {@code jstl} true the base
     * also enables Jetty's own JSTL, to show the two do not clash), the WAR in
     * {@code webapps/example.war}.
     */
    static ExternalContainer jetty(Path home, Path war, Path work, boolean jstl) throws Exception {
        String id = jstl ? "jetty-jstl" : "jetty";
        Path base = fresh(work.resolve(id + "-base"));
        String modules = "http,ee10-deploy,ee10-jsp,ee10-websocket-jakarta" + (jstl ? ",ee10-jstl" : "");
        Process setup = new ProcessBuilder(java(), "-jar", home.resolve("start.jar").toString(),
                "jetty.home=" + home, "jetty.base=" + base, "--add-modules=" + modules)
                .directory(base.toFile()).redirectErrorStream(true)
                .redirectOutput(work.resolve(id + "-setup.log").toFile()).start();
        if (!setup.waitFor(START_TIMEOUT_SECONDS, TimeUnit.SECONDS) || setup.exitValue() != 0) {
            setup.destroyForcibly();
            throw new AssertionError("jetty --add-modules failed: " + Files.readString(work.resolve(id + "-setup.log")));
        }
        Files.createDirectories(base.resolve("webapps"));
        Files.createDirectories(base.resolve("work"));
        Files.copy(war, base.resolve("webapps/example.war"));
        int port = freePort();
        List<String> cmd = List.of(java(), "-Djava.io.tmpdir=" + base.resolve("work"),
                "-jar", home.resolve("start.jar").toString(),
                "jetty.home=" + home, "jetty.base=" + base,
                "jetty.http.host=127.0.0.1", "jetty.http.port=" + port);
        return start(id, cmd, base, work.resolve(id + ".log"), "Started oejs.Server", port);
    }

    /**
     * Stock GlassFish 7: a copy of the distribution's own {@code domain1} in a domains directory
     * of this run, with every port the domain opens (HTTP, HTTPS, admin, three IIOP, JMS, OSGi
     * shell, debugger) moved to a free one and its listeners bound to 127.0.0.1, and its JMX
     * connector off; the WAR in
     * the domain's {@code autodeploy/example.war}. Started with {@code asadmin start-domain
     * --verbose}, so the server is a child of a process we own, which prints the server's
     * console output ({@code glassfish.log}); ready once {@code GET /example/} answers 200 (the
     * autodeployer has deployed it). {@link #logText()} is the domain's {@code server.log}.
     * {@link #close()} stops it with {@code asadmin stop-domain}, keeps the server.log as
     * {@code glassfish-server.log} and deletes the domain.
     *
     * <p>Why not {@code asadmin create-domain --portbase}: it generates two key pairs and takes
     * ~40 s on a busy 2-core machine before the server even starts; copying the stock domain is
     * instant and is the domain an administrator gets.
     */
    static ExternalContainer glassfish(Path home, Path war, Path work) throws Exception {
        Path domains = fresh(work.resolve("glassfish-domains"));
        String domain = "online-now-it";
        Path dir = domains.resolve(domain);
        copyTree(home.resolve("glassfish/domains/domain1"), dir);
        int http = freePort();
        Path xml = dir.resolve("config/domain.xml");
        String config = Files.readString(xml);
        // the server's own config (the first <config>); the "default-config" template after it
        // takes its ports from system properties and is not used by the domain's one server
        int end = config.indexOf("</config>");
        String server = config.substring(0, end);
        for (String[] r : List.of(
                new String[] {"port=\"8080\" protocol=\"http-listener-1\"", "address=\"127.0.0.1\" port=\"" + http + "\" protocol=\"http-listener-1\""},
                new String[] {"port=\"8181\" protocol=\"http-listener-2\"", "address=\"127.0.0.1\" port=\"" + freePort() + "\" protocol=\"http-listener-2\""},
                new String[] {"port=\"4848\" protocol=\"admin-listener\"", "address=\"127.0.0.1\" port=\"" + freePort() + "\" protocol=\"admin-listener\""},
                new String[] {"address=\"0.0.0.0\" port=\"3700\"", "address=\"127.0.0.1\" port=\"" + freePort() + "\""},
                new String[] {"address=\"0.0.0.0\" port=\"3820\"", "address=\"127.0.0.1\" port=\"" + freePort() + "\""},
                new String[] {"address=\"0.0.0.0\" port=\"3920\"", "address=\"127.0.0.1\" port=\"" + freePort() + "\""},
                // the JMX connector (no authentication) is not needed: off
                new String[] {"security-enabled=\"false\" address=\"0.0.0.0\" port=\"8686\"",
                        "enabled=\"false\" security-enabled=\"false\" address=\"127.0.0.1\" port=\"" + freePort() + "\""},
                new String[] {"name=\"JMS_PROVIDER_PORT\" value=\"7676\"", "name=\"JMS_PROVIDER_PORT\" value=\"" + freePort() + "\""},
                new String[] {"-Dosgi.shell.telnet.port=6666<", "-Dosgi.shell.telnet.port=" + freePort() + "<"},
                new String[] {"address=*:9009\"", "address=127.0.0.1:" + freePort() + "\""})) {
            server = replaceOnce(server, r[0], r[1], xml);
        }
        Files.writeString(xml, server + config.substring(end));
        Files.copy(war, dir.resolve("autodeploy/example.war"));

        Path serverLog = dir.resolve("logs/server.log");
        List<String> asadmin = List.of(java(), "-jar", home.resolve("glassfish/lib/client/appserver-cli.jar").toString());
        List<String> cmd = new ArrayList<>(asadmin);
        cmd.addAll(List.of("start-domain", "--verbose", "--domaindir", domains.toString(), domain));
        Stop stop = c -> {
            List<String> stopCmd = new ArrayList<>(asadmin);
            stopCmd.addAll(List.of("stop-domain", "--domaindir", domains.toString(), domain));
            Path stopLog = work.resolve("glassfish-stop.log");
            Process s = asadmin(stopCmd, domains, home).redirectOutput(stopLog.toFile()).start();
            if (!s.waitFor(120, TimeUnit.SECONDS)) {
                s.destroyForcibly();
            }
            // the verbose asadmin ends when its server does; kill both if the stop did not work
            if (!c.process.waitFor(60, TimeUnit.SECONDS)) {
                c.process.descendants().forEach(ProcessHandle::destroyForcibly);
                c.process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
            // the domain goes; its log stays with the run's other logs
            if (Files.exists(serverLog)) {
                Files.copy(serverLog, work.resolve("glassfish-server.log"), StandardCopyOption.REPLACE_EXISTING);
            }
            fresh(domains);
            Files.delete(domains);
        };
        Process p = asadmin(cmd, domains, home).start();
        // the server's own log (ODL records, one per "[timestamp] ..." line and its continuation)
        ExternalContainer c = new ExternalContainer("glassfish", p, serverLog,
                URI.create("http://127.0.0.1:" + http + "/example/"), stop);
        CompletableFuture<Void> ended = new CompletableFuture<>();
        Thread pump = new Thread(() -> pump(p, work.resolve("glassfish.log"), false, null, ended), "glassfish-log");
        pump.setDaemon(true);
        pump.start();
        try {
            awaitOk(c.app, ended, GLASSFISH_START_TIMEOUT_SECONDS);
        } catch (AssertionError | RuntimeException e) {
            c.close();
            throw new AssertionError("glassfish did not start or deploy the WAR (" + e.getMessage() + "); its log:\n"
                    + c.logText(), e);
        }
        return c;
    }

    private static ProcessBuilder asadmin(List<String> cmd, Path dir, Path home) {
        ProcessBuilder b = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        // the JDK that runs the tests runs the server too; the log's level names are matched in English
        b.environment().put("AS_JAVA", System.getProperty("java.home"));
        b.environment().put("LANG", "C.UTF-8");
        return b;
    }

    /*
     * Polls GET url until it answers 200, failing after the timeout or as soon as the server's
     * process ended. The pause between tries is the only timing; readiness is never assumed.
     */
    private static void awaitOk(URI url, CompletableFuture<Void> processEnded, long timeoutSeconds) {
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
                .connectTimeout(java.time.Duration.ofSeconds(5)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        String last = "no answer yet";
        while (true) {
            if (processEnded.isDone()) {
                throw new AssertionError("the server's process ended; last answer: " + last);
            }
            try {
                int status = http.send(java.net.http.HttpRequest.newBuilder(url).timeout(java.time.Duration.ofSeconds(60))
                        .GET().build(), java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
                if (status == 200) {
                    return;
                }
                last = "HTTP " + status;
            } catch (IOException e) {
                last = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + url, e);
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("GET " + url + " did not answer 200 within " + timeoutSeconds + " s; last: " + last);
            }
            try {
                processEnded.get(250, TimeUnit.MILLISECONDS); // the pause, cut short if the process ends
            } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
                // not ended: try again
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + url, e);
            }
        }
    }

    private static String replaceOnce(String text, String from, String to, Path where) {
        int at = text.indexOf(from);
        if (at < 0 || text.indexOf(from, at + 1) >= 0) {
            throw new AssertionError("expected exactly one " + from + " in the server config of " + where
                    + " (a GlassFish whose domain1 differs from 7.0's?)");
        }
        return text.substring(0, at) + to + text.substring(at + from.length());
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    /**
     * Stops this container (as {@link #close()}: a clean shutdown) and starts it again with the
     * same base directory, port and log (appended to), as an administrator restarts a server.
     */
    ExternalContainer restart() throws Exception {
        if (restart == null) {
            throw new UnsupportedOperationException(name + " cannot be restarted here");
        }
        close();
        return restart.start();
    }

    private static ExternalContainer start(String name, List<String> cmd, Path base, Path log, String ready, int port)
            throws Exception {
        return start(name, cmd, base, log, ready, port, false);
    }

    private static ExternalContainer start(String name, List<String> cmd, Path base, Path log, String ready, int port,
                                           boolean appendLog) throws Exception {
        Process p = new ProcessBuilder(cmd).directory(base.toFile()).redirectErrorStream(true).start();
        CompletableFuture<Void> started = new CompletableFuture<>();
        Thread pump = new Thread(() -> pump(p, log, appendLog, ready, started), name + "-log");
        pump.setDaemon(true);
        pump.start();
        ExternalContainer c = new ExternalContainer(name, p, log, URI.create("http://127.0.0.1:" + port + "/example/"),
                ExternalContainer::terminate);
        try {
            started.get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
            c.close();
            throw new AssertionError(name + " did not start (" + e + "); its log:\n" + c.logText(), e);
        }
        // started is not ready: the first GET compiles the home page's JSP, which on a busy
        // machine takes longer than a test's request timeout
        CompletableFuture<Void> ended = new CompletableFuture<>();
        p.onExit().thenRun(() -> ended.complete(null));
        try {
            awaitOk(c.app, ended, START_TIMEOUT_SECONDS);
        } catch (AssertionError | RuntimeException e) {
            c.close();
            throw new AssertionError(name + " started but does not serve the app (" + e.getMessage() + "); its log:\n"
                    + c.logText(), e);
        }
        c.restart = () -> start(name, cmd, base, log, ready, port, true);
        return c;
    }

    /* Copies the process output to the log file, and completes `started` at the ready line
     * (or exceptionally when the process ends first; with no ready line, only then). */
    private static void pump(Process p, Path log, boolean append, String ready, CompletableFuture<Void> started) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
             Writer out = append
                     ? Files.newBufferedWriter(log, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND)
                     : Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                out.write(line);
                out.write('\n');
                out.flush();
                if (ready != null && !started.isDone() && line.contains(ready)) {
                    started.complete(null);
                }
            }
        } catch (IOException e) {
            started.completeExceptionally(e);
        } finally {
            started.completeExceptionally(new IllegalStateException("the process ended"));
        }
    }

    String logText() {
        try {
            return Files.exists(log) ? Files.readString(log) : "(no log)";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            stop.stop(this);
        } catch (InterruptedException e) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            throw new IllegalStateException("could not stop " + name, e);
        }
    }

    private static void terminate(ExternalContainer c) throws InterruptedException {
        c.process.destroy(); // SIGTERM: Tomcat and Jetty stop their web apps in a shutdown hook
        if (!c.process.waitFor(60, TimeUnit.SECONDS)) {
            c.process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Override
    public String toString() {
        return name;
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static Path fresh(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> all = Files.walk(dir)) {
                for (Path p : (Iterable<Path>) all.sorted(java.util.Comparator.reverseOrder())::iterator) {
                    Files.delete(p);
                }
            }
        }
        return Files.createDirectories(dir);
    }
}
