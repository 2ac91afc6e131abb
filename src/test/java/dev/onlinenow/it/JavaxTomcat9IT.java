package dev.onlinenow.it;

import dev.onlinenow.testing.WsClient;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
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
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The javax build (classifier javax) in a stock Tomcat 9 (Servlet 4.0, WebSocket 1.1, JSP 2.3):
 * a Java EE 8 web app ({@code src/test/webapps/javax}) with the jar and its runtime dependencies
 * in WEB-INF/lib, Apache's JSTL 1.2 ({@code http://java.sun.com/jsp/jstl/core}), the filter
 * configured by its init-params plus the live listener's one line (one configuration: the
 * listener, which starts first, must see the filter's init-params), users through Tomcat's FORM
 * login ({@code userId=principal}), sign-out by {@code session.invalidate()}, and the live
 * endpoint on Tomcat 9's own {@code javax.websocket}, driven by a real WebSocket client.
 */
class JavaxTomcat9IT {

    @TempDir
    static Path work;
    private static StockTomcat tomcat;

    @BeforeAll
    static void start() throws Exception {
        Path jar = Path.of(System.getProperty("onlinenow.javax.jar", "target/online-now-javax.jar"));
        Path lib = Path.of(System.getProperty("javax-it.lib", "target/javax-it/lib"));
        Path home = Path.of(System.getProperty("tomcat9.home", "target/javax-it/apache-tomcat-9.0.98"));
        assertThat(jar).as("the javax jar (mvn verify builds it)").exists();
        assertThat(home.resolve("lib/servlet-api.jar")).as("stock Tomcat 9 (unpacked by mvn verify)").exists();

        Path webapp = work.resolve("webapp");
        StockTomcat.copyTree(Path.of("src/test/webapps/javax"), webapp);
        Path webInfLib = Files.createDirectories(webapp.resolve("WEB-INF/lib"));
        Files.copy(jar, webInfLib.resolve("online-now-javax.jar"));
        try (Stream<Path> jars = Files.list(lib)) {
            for (Path p : (Iterable<Path>) jars::iterator) {
                Files.copy(p, webInfLib.resolve(p.getFileName()));
            }
        }
        tomcat = StockTomcat.start(home, webapp, """
                <?xml version="1.0" encoding="UTF-8"?>
                <tomcat-users>
                  <user username="ann" password="ann-pw" roles="member"/>
                  <user username="bob" password="bob-pw" roles="member"/>
                  <user username="&lt;i&gt;eve" password="eve-pw" roles="member"/>
                </tomcat-users>
                """, work);
    }

    @AfterAll
    static void stop() {
        if (tomcat != null) {
            tomcat.close();
        }
    }

    /** A browser: its own cookie jar, following redirects as a browser does. */
    record Browser(HttpClient http, CookieManager cookies) {
        static Browser open() {
            CookieManager cookies = new CookieManager();
            return new Browser(HttpClient.newBuilder().cookieHandler(cookies)
                    .followRedirects(HttpClient.Redirect.NORMAL).build(), cookies);
        }

        HttpResponse<String> get(String path) throws Exception {
            return http.send(HttpRequest.newBuilder(URI.create(tomcat.app() + path)).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        }

        /** Tomcat's FORM login as a browser does it: the protected page, the form, j_security_check. */
        String signIn(String user, String password) throws Exception {
            HttpResponse<String> form = get("/secure/");
            assertThat(form.statusCode()).isEqualTo(200);
            assertThat(form.body()).as("the login page, not the members' page").contains("j_security_check");
            String body = "j_username=" + URLEncoder.encode(user, StandardCharsets.UTF_8)
                    + "&j_password=" + URLEncoder.encode(password, StandardCharsets.UTF_8);
            HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(tomcat.app() + "/j_security_check"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            assertThat(page.statusCode()).as("signed in as " + user + ":\n" + page.body()).isEqualTo(200);
            assertThat(page.body()).contains("<p id=\"me\">signed in as");
            return page.body();
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
            return WsClient.connect(http, URI.create(tomcat.app().toString().replace("http:", "ws:") + "/online-now/ws"),
                    tomcat.origin(), sessionCookie(), name);
        }
    }

    private static List<String> items(String html, String listId) {
        Matcher list = Pattern.compile("<ul id=\"" + listId + "\">(.*?)</ul>", Pattern.DOTALL).matcher(html);
        assertThat(list.find()).as("list " + listId + " in " + html).isTrue();
        Matcher li = Pattern.compile("<li>(.*?)</li>").matcher(list.group(1));
        List<String> out = new ArrayList<>();
        while (li.find()) {
            out.add(li.group(1));
        }
        return out;
    }

    private static String presenceId(JsonObject frame) {
        return frame.getJsonObject("presence").getString("id");
    }

    @Test
    void formLoginUsersAreOnTheJstlPageAndLiveOnTomcat9sWebSocket() throws Exception {
        assertThat(tomcat.logText()).as("the listener started with the filter's init-params")
                .contains("online-now: live presence at /app/online-now/ws")
                .doesNotContain("differ from the configuration")
                .doesNotContain("SEVERE");

        Browser ann = Browser.open();
        String first = ann.signIn("ann", "ann-pw");
        assertThat(first).contains("<p id=\"count\">1 online</p>");
        assertThat(items(first, "ids")).containsExactly("ann");

        Browser bob = Browser.open();
        String second = bob.signIn("bob", "bob-pw");
        assertThat(second).contains("<p id=\"count\">2 online</p>").contains("ann online: true");
        assertThat(items(second, "ids")).containsExactly("bob", "ann");
        assertThat(items(second, "users")).containsExactly("bob", "ann");

        // a user name with markup is shown as text (JSTL 1.2's c:out), never as markup
        Browser eve = Browser.open();
        String third = eve.signIn("<i>eve", "eve-pw");
        assertThat(third).contains("<p id=\"count\">3 online</p>").doesNotContain("<i>eve");
        assertThat(items(third, "users")).containsExactly("&lt;i&gt;eve", "bob", "ann");

        // live, on Tomcat 9's javax.websocket: the identity is the FORM login's principal
        try (WsClient annLive = ann.live("ann"); WsClient bobLive = bob.live("bob")) {
            annLive.join("board");
            JsonObject state = annLive.next("state");
            assertThat(state.getString("self")).isEqualTo("ann");
            bobLive.join("board");
            JsonObject bobState = bobLive.next("state");
            assertThat(bobState.getJsonArray("presences").getValuesAs(JsonObject.class))
                    .extracting(p -> p.getString("id")).containsExactlyInAnyOrder("ann", "bob");
            assertThat(presenceId(annLive.next("join"))).isEqualTo("bob");

            // sign-out by session.invalidate(): bob leaves the page and the room at once
            HttpResponse<String> out = bob.get("/logout.jsp");
            assertThat(out.body()).contains("signed out");
            JsonObject leave = annLive.next("leave");
            assertThat(leave.getJsonString("id")).extracting(JsonString::getString).isEqualTo("bob");
            assertThat(bobLive.awaitClose().code()).as("bob's socket ends with his session").isEqualTo(1008);

            String after = ann.get("/secure/").body();
            assertThat(after).contains("<p id=\"count\">2 online</p>");
            // in any order: a request within a second of the user's last one does not move them
            // to the front (one write per user per second), and this test does not wait for clocks
            assertThat(items(after, "ids")).containsExactlyInAnyOrder("ann", "&lt;i&gt;eve");
        }
        assertThat(tomcat.logText()).doesNotContain("SEVERE").doesNotContain("NoSuchMethodError")
                .doesNotContain("NoClassDefFoundError");
    }
}
