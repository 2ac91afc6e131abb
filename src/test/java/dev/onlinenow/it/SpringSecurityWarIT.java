package dev.onlinenow.it;

import dev.onlinenow.testing.WsClient;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.net.CookieManager;
import java.net.HttpCookie;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A classic Spring Security 6 WAR ({@code src/test/webapps/spring-security}: web.xml with
 * DelegatingFilterProxy, an XML {@code <http>} with form login, JSP) in a stock Tomcat 11, deployed
 * twice: OnlineNowFilter mapped before {@code springSecurityFilterChain} ({@code /before}) and
 * after it ({@code /after}), with the README's default {@code userId=principal}. In both, two
 * signed-in users are counted and listed, the live endpoint knows the user, and a sign-out (Spring's
 * logout, which invalidates the session) leaves at once; nothing is logged as wrong.
 */
class SpringSecurityWarIT {

    @TempDir
    static Path work;
    private static StockTomcat tomcat;

    @BeforeAll
    static void start() throws Exception {
        Path jar = Path.of(System.getProperty("onlinenow.jar", "target/online-now.jar"));
        Path lib = Path.of(System.getProperty("spring-it.lib", "target/spring-it/lib"));
        Path home = Path.of(System.getProperty("tomcat11.home", "target/spring-it/apache-tomcat-11"));
        assertThat(jar).as("the jar (mvn verify builds it)").exists();
        assertThat(home.resolve("lib/servlet-api.jar")).as("stock Tomcat 11 (unpacked by mvn verify)").exists();
        String webXml = Files.readString(Path.of("src/test/webapps/spring-security/WEB-INF/web.xml"));
        String mapping = "<filter-mapping><filter-name>onlineNow</filter-name><url-pattern>/*</url-pattern></filter-mapping>";
        Path before = webapp("before", jar, lib, webXml.replace("<!--ONLINE-NOW-BEFORE-->", mapping));
        Path after = webapp("after", jar, lib, webXml.replace("<!--ONLINE-NOW-AFTER-->", mapping));
        tomcat = StockTomcat.start(home, Map.of("before", before, "after", after),
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<tomcat-users/>\n", work);
        assertThat(tomcat.logText()).as("both web apps started").doesNotContain("SEVERE")
                .contains("online-now: live presence at /before/online-now/ws", "online-now: live presence at /after/online-now/ws");
    }

    private static Path webapp(String name, Path jar, Path lib, String webXml) throws Exception {
        Path webapp = work.resolve("webapp-" + name);
        StockTomcat.copyTree(Path.of("src/test/webapps/spring-security"), webapp);
        Files.writeString(webapp.resolve("WEB-INF/web.xml"), webXml);
        Path webInfLib = Files.createDirectories(webapp.resolve("WEB-INF/lib"));
        Files.copy(jar, webInfLib.resolve("online-now.jar"));
        try (Stream<Path> jars = Files.list(lib)) {
            for (Path p : (Iterable<Path>) jars::iterator) {
                Files.copy(p, webInfLib.resolve(p.getFileName()));
            }
        }
        return webapp;
    }

    @AfterAll
    static void stop() {
        if (tomcat != null) {
            tomcat.close();
        }
    }

    private static final Pattern CSRF = Pattern.compile("name=\"_csrf\" (?:type=\"hidden\" )?value=\"([^\"]+)\"");

    /** A browser on one of the two web apps: its own cookie jar, following redirects. */
    record Browser(URI app, HttpClient http, CookieManager cookies) {
        static Browser open(String context) {
            CookieManager cookies = new CookieManager();
            return new Browser(tomcat.app(context), HttpClient.newBuilder().cookieHandler(cookies)
                    .followRedirects(HttpClient.Redirect.NORMAL).build(), cookies);
        }

        HttpResponse<String> get(String path) throws Exception {
            return http.send(HttpRequest.newBuilder(URI.create(app + path)).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        }

        HttpResponse<String> post(String path, String form) throws Exception {
            return http.send(HttpRequest.newBuilder(URI.create(app + path))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(form)).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        }

        /** Spring Security's form login as a browser does it: the page, its login form, the POST. */
        String signIn(String user, String password) throws Exception {
            HttpResponse<String> form = get("/");
            assertThat(form.body()).as("Spring's login page").contains("name=\"username\"");
            String body = "username=" + URLEncoder.encode(user, StandardCharsets.UTF_8)
                    + "&password=" + URLEncoder.encode(password, StandardCharsets.UTF_8)
                    + "&_csrf=" + URLEncoder.encode(csrf(form.body()), StandardCharsets.UTF_8);
            HttpResponse<String> page = post("/login", body);
            assertThat(page.statusCode()).as("signed in as " + user + ":\n" + page.body()).isEqualTo(200);
            assertThat(page.body()).contains("<p id=\"me\">signed in as " + user + "</p>");
            return page.body();
        }

        void signOut() throws Exception {
            HttpResponse<String> page = get("/");
            HttpResponse<String> out = post("/logout", "_csrf=" + URLEncoder.encode(csrf(page.body()), StandardCharsets.UTF_8));
            assertThat(out.body()).as("back on the login page").contains("name=\"username\"");
        }

        String sessionCookie() {
            for (HttpCookie c : cookies.getCookieStore().getCookies()) {
                if (c.getName().equals("JSESSIONID")) {
                    return c.getName() + "=" + c.getValue();
                }
            }
            throw new AssertionError("no session cookie");
        }

        WsClient live(String name) {
            return WsClient.connect(http, URI.create(app.toString().replace("http:", "ws:") + "/online-now/ws"),
                    tomcat.origin(), sessionCookie(), name);
        }
    }

    private static String csrf(String html) {
        Matcher m = CSRF.matcher(html);
        assertThat(m.find()).as("a CSRF token in\n" + html).isTrue();
        return m.group(1);
    }

    private static String count(String html) {
        Matcher m = Pattern.compile("<p id=\"count\">(\\d+) online</p>").matcher(html);
        assertThat(m.find()).as("the count in\n" + html).isTrue();
        return m.group(1);
    }

    private static String ids(String html) {
        Matcher m = Pattern.compile("<p id=\"ids\">(.*?)</p>").matcher(html);
        assertThat(m.find()).as("the ids in\n" + html).isTrue();
        return m.group(1);
    }

    @ParameterizedTest(name = "OnlineNowFilter mapped {0} springSecurityFilterChain")
    @ValueSource(strings = {"before", "after"})
    void signedInUsersAreCountedWhicheverFilterComesFirst(String order) throws Exception {
        Browser ann = Browser.open(order);
        String first = ann.signIn("ann", "ann-pw");
        assertThat(count(first)).as("the page right after the sign-in").isEqualTo("1");
        assertThat(ids(first)).isEqualTo("[ann]");

        Browser bob = Browser.open(order);
        String second = bob.signIn("bob", "bob-pw");
        assertThat(count(second)).isEqualTo("2");
        assertThat(ids(second)).isIn("[bob, ann]", "[ann, bob]");

        assertThat(ann.get("/online-now/online-now.js").body()).as("the browser client, from the jar").contains("WebSocket");

        try (WsClient annLive = ann.live("ann"); WsClient bobLive = bob.live("bob")) {
            annLive.join("board");
            assertThat(annLive.next("state").getString("self")).as("the live endpoint knows the user").isEqualTo("ann");
            bobLive.join("board");
            JsonObject join = annLive.next("join");
            assertThat(join.getJsonObject("presence").getString("id")).isEqualTo("bob");

            // Spring's logout invalidates the session: bob leaves the count and the room at once
            bob.signOut();
            assertThat(annLive.next("leave").getString("id")).isEqualTo("bob");
            assertThat(bobLive.awaitClose().code()).isEqualTo(1008);
            String after = ann.get("/").body();
            assertThat(count(after)).isEqualTo("1");
            assertThat(ids(after)).isEqualTo("[ann]");
        }
        assertThat(tomcat.logText()).doesNotContain("SEVERE").doesNotContain("online-now: the live endpoint knows")
                .doesNotContain("runs after OnlineNowFilter").doesNotContain("NoClassDefFoundError");
    }
}
