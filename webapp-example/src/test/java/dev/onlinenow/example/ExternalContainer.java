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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * A stock container distribution (unpacked by maven-dependency-plugin) run as its own process,
 * with the example WAR copied in exactly as an administrator would deploy it, on a free port.
 * Start-up is detected from the container's own log line, never by sleeping.
 */
final class ExternalContainer implements AutoCloseable {

    static final long START_TIMEOUT_SECONDS = 180;

    private final String name;
    private final Process process;
    private final Path log;
    private final URI app;

    private ExternalContainer(String name, Process process, Path log, URI app) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.app = app;
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

    private static ExternalContainer start(String name, List<String> cmd, Path base, Path log, String ready, int port)
            throws Exception {
        Process p = new ProcessBuilder(cmd).directory(base.toFile()).redirectErrorStream(true).start();
        CompletableFuture<Void> started = new CompletableFuture<>();
        Thread pump = new Thread(() -> pump(p, log, ready, started), name + "-log");
        pump.setDaemon(true);
        pump.start();
        ExternalContainer c = new ExternalContainer(name, p, log, URI.create("http://127.0.0.1:" + port + "/example/"));
        try {
            started.get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
            c.close();
            throw new AssertionError(name + " did not start (" + e + "); its log:\n" + c.logText(), e);
        }
        return c;
    }

    /* Copies the process output to the log file, and completes `started` at the ready line
     * (or exceptionally when the process ends first). */
    private static void pump(Process p, Path log, String ready, CompletableFuture<Void> started) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
             Writer out = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                out.write(line);
                out.write('\n');
                out.flush();
                if (!started.isDone() && line.contains(ready)) {
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
        process.destroy(); // SIGTERM: both containers stop their web apps in a shutdown hook
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
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
