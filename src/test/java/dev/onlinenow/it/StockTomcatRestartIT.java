package dev.onlinenow.it;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 22, point 5: nothing forgotten on a restart, on a stock Tomcat 11 (the distribution, as its
 * own process). Users sign in to a web app made of README.md's filter snippet and its page line,
 * then Tomcat is stopped and started again, or the WAR is redeployed through Tomcat's manager, or
 * Tomcat's JVM is killed; after it a visitor who never signed in is shown who is online. (A JVM
 * killed in the middle of a save: IndexFileKillIT.)
 *
 * <p>The app's sessions are not kept across a restart ({@code <Manager pathname=""/>}: stock
 * Tomcat would keep them, and a restored session counts its user again, which would hide what the
 * index alone does). Two copies of the app: {@code /app} with the default {@code dataDir} (the
 * context's temp dir, under Tomcat's work directory) and {@code /own} with {@code dataDir} an
 * absolute directory of its own (docs/community.md). No timing: each step waits for Tomcat's own
 * "Server startup in" line or for the manager's answer.
 */
class StockTomcatRestartIT {

    @TempDir
    Path work;
    private StockTomcat tomcat;
    private Path jar;
    private Path lib;
    private Path home;

    @BeforeEach
    void paths() {
        jar = Path.of(System.getProperty("onlinenow.jar", "target/online-now.jar"));
        lib = Path.of(System.getProperty("spring-it.lib", "target/spring-it/lib"));
        home = Path.of(System.getProperty("tomcat11.home", "target/spring-it/apache-tomcat-11"));
        assertThat(jar).as("the jar (mvn verify builds it)").exists();
        assertThat(home.resolve("lib/servlet-api.jar")).as("stock Tomcat 11 (unpacked by mvn verify)").exists();
    }

    @AfterEach
    void stop() {
        if (tomcat != null) {
            tomcat.close();
        }
    }

    /** README.md's filter snippet, as written. */
    private static String readmeFilter() throws Exception {
        Matcher m = Pattern.compile("(?s)```xml\\n(<filter>.*?</filter-mapping>)\\n```").matcher(Files.readString(Path.of("README.md")));
        assertThat(m.find()).as("the filter snippet in README.md").isTrue();
        assertThat(m.group(1)).contains("dev.onlinenow.OnlineNowFilter", "session:user");
        return m.group(1);
    }

    /** The web app: README's filter, its page line, a sign-in page, no sessions kept, and the dataDir given (or none). */
    private Path webapp(String name, String dataDir) throws Exception {
        Path app = work.resolve("webapp-" + name);
        Files.createDirectories(app.resolve("WEB-INF/lib"));
        Files.createDirectories(app.resolve("META-INF"));
        String contextParam = dataDir == null ? "" : "  <context-param><param-name>online-now.dataDir</param-name><param-value>"
                + dataDir + "</param-value></context-param>\n";
        Files.writeString(app.resolve("WEB-INF/web.xml"), """
                <?xml version="1.0" encoding="UTF-8"?>
                <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
                """ + contextParam + readmeFilter() + "\n</web-app>\n");
        // README's page line; the ids make "who" visible, not only how many
        Files.writeString(app.resolve("index.jsp"), "<p>${onlineNowCount} online</p>\n<p id=\"ids\">${onlineNowIds}</p>\n");
        Files.writeString(app.resolve("signin.jsp"), "<% session.setAttribute(\"user\", request.getParameter(\"name\")); %>signed in\n");
        Files.writeString(app.resolve("META-INF/context.xml"), "<Context><Manager pathname=\"\"/></Context>\n");
        Files.copy(jar, app.resolve("WEB-INF/lib/online-now.jar"));
        try (Stream<Path> jars = Files.list(lib)) {
            for (Path p : (Iterable<Path>) jars::iterator) {
                String file = p.getFileName().toString();
                // online-now's runtime dependencies only (the directory also holds Spring's, for SpringSecurityWarIT)
                if (Stream.of("ehcache-", "cache-api-", "jakarta.json", "parsson-", "slf4j-api-", "uap-java-", "snakeyaml-")
                        .anyMatch(file::startsWith)) {
                    Files.copy(p, app.resolve("WEB-INF/lib").resolve(file));
                }
            }
        }
        return app;
    }

    private static HttpClient browser() {
        return HttpClient.newBuilder().cookieHandler(new CookieManager()).build();
    }

    private static String get(HttpClient client, URI uri) throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(uri + ": " + r.body()).isEqualTo(200);
        return r.body();
    }

    /** What a visitor who never signed in is shown: "N online: ids" (the ids sorted). */
    private String shown(String app) throws Exception {
        String page = get(HttpClient.newHttpClient(), URI.create(tomcat.app(app) + "/"));
        Matcher m = Pattern.compile("<p>(\\d+) online</p>\\s*<p id=\"ids\">\\[(.*?)]</p>").matcher(page);
        assertThat(m.find()).as(page).isTrue();
        return m.group(1) + " online: " + String.join(",", new java.util.TreeSet<>(
                m.group(2).isEmpty() ? java.util.List.of() : java.util.List.of(m.group(2).split(", "))));
    }

    /** online-now's WARNING and SEVERE lines in Tomcat's log (its console format: one line each). */
    private java.util.List<String> warnings() {
        return tomcat.logText().lines().filter(l -> (l.contains(" WARNING ") || l.contains(" SEVERE "))
                && l.contains("online-now")).toList();
    }

    private void signIn(String app, String... names) throws Exception {
        for (String name : names) {
            HttpClient b = browser();
            assertThat(get(b, URI.create(tomcat.app(app) + "/signin.jsp?name=" + name))).contains("signed in");
            get(b, URI.create(tomcat.app(app) + "/")); // the page after the sign-in: counted from here
        }
    }

    private Map<String, Path> apps() throws Exception {
        Map<String, Path> apps = new LinkedHashMap<>();
        apps.put("app", webapp("app", null));
        apps.put("own", webapp("own", work.resolve("own-data").toAbsolutePath().toString()));
        return apps;
    }

    private static final String NO_USERS = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<tomcat-users/>\n";

    @Test
    void aStockTomcatStoppedAndStartedWithUsersOnlineForgetsNobody() throws Exception {
        tomcat = StockTomcat.start(home, apps(), NO_USERS, work);
        for (String app : new String[] {"app", "own"}) {
            signIn(app, "ann", "bob");
            assertThat(shown(app)).isEqualTo("2 online: ann,bob");
        }

        tomcat = tomcat.restart("tomcat-2.log");

        for (String app : new String[] {"app", "own"}) {
            assertThat(shown(app)).as(app + " after the restart").isEqualTo("2 online: ann,bob");
        }
        assertThat(warnings()).isEmpty();
    }

    @Test
    void aWarRedeployedThroughTheManagerForgetsNobody() throws Exception {
        Map<String, Path> apps = new LinkedHashMap<>();
        apps.put("manager", home.resolve("webapps/manager"));
        tomcat = StockTomcat.start(home, apps, """
                <?xml version="1.0" encoding="UTF-8"?>
                <tomcat-users>
                  <user username="deployer" password="s3cret" roles="manager-script"/>
                </tomcat-users>
                """, work);
        Path war = war(webapp("app", null), work.resolve("app.war"));
        Path ownWar = war(webapp("own", work.resolve("own-data").toAbsolutePath().toString()), work.resolve("own.war"));
        deploy("app", war);
        deploy("own", ownWar);
        for (String app : new String[] {"app", "own"}) {
            signIn(app, "ann", "bob");
            assertThat(shown(app)).isEqualTo("2 online: ann,bob");
        }

        // a new version of the WAR, deployed over the running one (update=true: undeploy, deploy)
        Files.writeString(work.resolve("webapp-app/version.txt"), "2");
        Files.writeString(work.resolve("webapp-own/version.txt"), "2");
        deploy("app", war(work.resolve("webapp-app"), work.resolve("app-2.war")));
        deploy("own", war(work.resolve("webapp-own"), work.resolve("own-2.war")));
        assertThat(get(HttpClient.newHttpClient(), URI.create(tomcat.app("own") + "/version.txt"))).isEqualTo("2");

        assertThat(shown("own")).as("dataDir of its own, after the redeploy").isEqualTo("2 online: ann,bob");
        // the default dataDir is the context's temp dir, which Tomcat deletes with the rest of the
        // app's work directory when it undeploys it: the index saved there at the stop is gone, as
        // docs/community.md says (a redeploy needs a dataDir of its own; a restart does not)
        assertThat(shown("app")).as("the default dataDir, after the redeploy").isEqualTo("0 online: ");
        assertThat(warnings()).as("a start with nothing there is a first start, not trouble").isEmpty();
    }

    @Test
    void aKilledTomcatStartsEmptyWithAWarnAndTheNextCleanRestartForgetsNobody() throws Exception {
        tomcat = StockTomcat.start(home, apps(), NO_USERS, work);
        signIn("own", "ann", "bob");
        assertThat(shown("own")).isEqualTo("2 online: ann,bob");

        tomcat.kill(); // SIGKILL: no web app stops, nothing is saved
        tomcat = tomcat.startAgain("tomcat-2.log");

        assertThat(shown("own")).as("an empty start, never a failed one").isEqualTo("0 online: ");
        assertThat(warnings()).as("one WARN for each app, naming its file").hasSize(2)
                .allSatisfy(w -> assertThat(w).contains(" WARNING ").contains("online-now.index"));
        signIn("own", "cid");
        tomcat = tomcat.restart("tomcat-3.log");
        assertThat(shown("own")).isEqualTo("1 online: cid");
    }

    /** Deploys (or redeploys) {@code war} at /{@code path} through Tomcat's manager, as a deploy script does. */
    private void deploy(String path, Path war) throws Exception {
        URI uri = URI.create(tomcat.app("manager") + "/text/deploy?path=/" + path + "&update=true&war=file:"
                + war.toAbsolutePath());
        String auth = "Basic " + Base64.getEncoder().encodeToString("deployer:s3cret".getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).header("Authorization", auth)
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.body()).as("the manager's answer").startsWith("OK - Deployed application at context path [/" + path + "]");
    }

    private static Path war(Path dir, Path war) throws Exception {
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(war));
             Stream<Path> files = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(p)) {
                    zip.putNextEntry(new ZipEntry(dir.relativize(p).toString().replace('\\', '/')));
                    Files.copy(p, zip);
                    zip.closeEntry();
                }
            }
        }
        return war;
    }
}
