package dev.onlinenow.it;

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
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * A stock Tomcat distribution (unpacked by maven-dependency-plugin) run as its own process on a
 * free port, with one exploded web app in {@code webapps/app} as an administrator deploys it, and
 * a {@code MemoryRealm} reading the {@code conf/tomcat-users.xml} the test gives. Start-up is
 * detected from Tomcat's own "Server startup in" line, never by sleeping; {@link #close} stops it
 * with SIGTERM (Tomcat stops its web apps in a shutdown hook).
 */
final class StockTomcat implements AutoCloseable {

    static final long START_TIMEOUT_SECONDS = 180;

    private final Process process;
    private final Path log;
    private final int port;
    private final Path home;
    private final Path base;
    private final Path work;

    private StockTomcat(Process process, Path log, int port, Path home, Path base, Path work) {
        this.process = process;
        this.log = log;
        this.port = port;
        this.home = home;
        this.base = base;
        this.work = work;
    }

    /** Its {@code CATALINA_BASE}: conf, webapps, work (each app's temp dir), logs. */
    Path base() {
        return base;
    }

    /** The web app's root, {@code http://127.0.0.1:PORT/app}, without a trailing slash. */
    URI app() {
        return URI.create("http://127.0.0.1:" + port + "/app");
    }

    /** The origin a browser on the app's pages sends. */
    String origin() {
        return "http://127.0.0.1:" + port;
    }

    /** The web app deployed as {@code webapps/NAME}: {@code http://127.0.0.1:PORT/NAME}. */
    URI app(String name) {
        return URI.create("http://127.0.0.1:" + port + "/" + name);
    }

    static StockTomcat start(Path home, Path webapp, String tomcatUsersXml, Path work) throws Exception {
        return start(home, java.util.Map.of("app", webapp), tomcatUsersXml, work);
    }

    /** Like {@link #start(Path, Path, String, Path)}, with several web apps, by context name. */
    static StockTomcat start(Path home, java.util.Map<String, Path> webapps, String tomcatUsersXml, Path work)
            throws Exception {
        Path base = fresh(work.resolve("tomcat-base"));
        Files.createDirectories(base.resolve("conf"));
        try (Stream<Path> conf = Files.list(home.resolve("conf"))) {
            for (Path p : (Iterable<Path>) conf::iterator) {
                String name = p.getFileName().toString();
                if (Files.isRegularFile(p) && !name.equals("server.xml") && !name.equals("tomcat-users.xml")) {
                    Files.copy(p, base.resolve("conf").resolve(name));
                }
            }
        }
        Files.writeString(base.resolve("conf/tomcat-users.xml"), tomcatUsersXml);
        Files.writeString(base.resolve("conf/server.xml"), """
                <?xml version="1.0" encoding="UTF-8"?>
                <Server port="-1" shutdown="SHUTDOWN">
                  <Listener className="org.apache.catalina.startup.VersionLoggerListener"/>
                  <Service name="Catalina">
                    <Connector port="${http.port}" address="127.0.0.1" protocol="HTTP/1.1" connectionTimeout="20000"/>
                    <Engine name="Catalina" defaultHost="localhost">
                      <Realm className="org.apache.catalina.realm.MemoryRealm" pathname="conf/tomcat-users.xml"/>
                      <Host name="localhost" appBase="webapps" unpackWARs="true" autoDeploy="false"/>
                    </Engine>
                  </Service>
                </Server>
                """);
        for (String dir : List.of("webapps", "logs", "temp", "work")) {
            Files.createDirectories(base.resolve(dir));
        }
        for (java.util.Map.Entry<String, Path> w : webapps.entrySet()) {
            copyTree(w.getValue(), base.resolve("webapps").resolve(w.getKey()));
        }
        return launch(home, base, work, "tomcat.log");
    }

    /**
     * Stops this Tomcat as an administrator does (SIGTERM: Tomcat stops its web apps in its
     * shutdown hook), and starts it again on the same base, with what its web apps left in it (the
     * work directories, each app's temp dir); its log goes on in {@code logName}.
     */
    StockTomcat restart(String logName) throws Exception {
        process.destroy();
        if (!process.waitFor(START_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            throw new AssertionError("Tomcat did not stop within " + START_TIMEOUT_SECONDS + " s of SIGTERM; its log:\n"
                    + logText());
        }
        return launch(home, base, work, logName);
    }

    /** Kills this Tomcat's JVM (SIGKILL: nothing runs, no web app stops), and waits for it to be gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            throw new AssertionError("Tomcat did not die of SIGKILL within 60 s");
        }
    }

    /** Starts a Tomcat again on {@code base} as {@link #kill} or {@link #close} left it. */
    StockTomcat startAgain(String logName) throws Exception {
        if (process.isAlive()) {
            throw new IllegalStateException("still running");
        }
        return launch(home, base, work, logName);
    }

    private static StockTomcat launch(Path home, Path base, Path work, String logName) throws Exception {
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
        Path log = work.resolve(logName);
        Process p = new ProcessBuilder(cmd).directory(base.toFile()).redirectErrorStream(true).start();
        CompletableFuture<Void> started = new CompletableFuture<>();
        Thread pump = new Thread(() -> pump(p, log, "Server startup in", started), "tomcat-log");
        pump.setDaemon(true);
        pump.start();
        StockTomcat t = new StockTomcat(p, log, port, home, base, work);
        try {
            started.get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException | ExecutionException e) {
            t.close();
            throw new AssertionError("Tomcat did not start (" + e + "); its log:\n" + t.logText(), e);
        }
        return t;
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

    /** Everything Tomcat logged so far (catalina and localhost log lines go to the console). */
    String logText() {
        try {
            return Files.exists(log) ? Files.readString(log) : "(no log)";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(p, target);
                }
            }
        }
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
                for (Path p : (Iterable<Path>) all.sorted(Comparator.reverseOrder())::iterator) {
                    Files.delete(p);
                }
            }
        }
        return Files.createDirectories(dir);
    }
}
