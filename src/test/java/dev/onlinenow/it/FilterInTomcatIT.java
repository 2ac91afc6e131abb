package dev.onlinenow.it;

import org.apache.catalina.Context;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.scan.StandardJarScanner;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The drop-in claim in a real container: the packaged jar goes into WEB-INF/lib of a web app with
 * the filter in web.xml, Jasper compiles a real JSP with JSTL and our EL functions, and three users
 * (one by container authentication, two by the app's own session attribute) are on the page.
 */
class FilterInTomcatIT {

    @TempDir
    static Path temp;
    private static Tomcat tomcat;
    private static String base;

    @BeforeAll
    static void start() throws Exception {
        Path jar = Paths.get(System.getProperty("onlinenow.jar", "target/online-now.jar"));
        assertThat(jar).as("the packaged library (run through mvn verify)").exists();
        Path webapp = temp.resolve("webapp");
        copyTree(Paths.get("src/test/webapps/jsp"), webapp);
        Files.createDirectories(webapp.resolve("WEB-INF/lib"));
        Files.copy(jar, webapp.resolve("WEB-INF/lib/online-now.jar"));

        tomcat = new Tomcat();
        tomcat.setBaseDir(temp.resolve("tomcat").toString());
        tomcat.setPort(0);
        tomcat.getConnector();
        tomcat.addUser("carol", "secret");
        tomcat.addRole("carol", "admin");
        addWebapp("/app", webapp);
        Path guests = temp.resolve("guests");
        copyTree(Paths.get("src/test/webapps/guests"), guests);
        Files.createDirectories(guests.resolve("WEB-INF/lib"));
        Files.copy(jar, guests.resolve("WEB-INF/lib/online-now.jar"));
        addWebapp("/guests", guests);
        Path dispatch = temp.resolve("dispatch");
        copyTree(Paths.get("src/test/webapps/dispatch"), dispatch);
        Files.createDirectories(dispatch.resolve("WEB-INF/lib"));
        Files.copy(jar, dispatch.resolve("WEB-INF/lib/online-now.jar"));
        addWebapp("/dispatch", dispatch);
        tomcat.start();
        base = "http://localhost:" + tomcat.getConnector().getLocalPort() + "/app";
    }

    private static void addWebapp(String path, Path dir) {
        Context context = tomcat.addWebapp(path, dir.toString());
        // the test class path is a directory-and-jar mix; scan it as a container scans WEB-INF/lib
        ((StandardJarScanner) context.getJarScanner()).setScanAllDirectories(true);
        // these web apps have no WebSocket endpoint; the live layer's tests put two WebSocket
        // implementations (Tomcat's and Tyrus) on the test class path, and neither belongs here
        context.setContainerSciFilter("org\\.apache\\.tomcat\\.websocket\\..*|org\\.glassfish\\.tyrus\\..*");
    }

    @AfterAll
    static void stop() throws Exception {
        if (tomcat != null) {
            tomcat.stop();
            tomcat.destroy();
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    /** A browser: its own cookie jar. */
    private static HttpClient browser() {
        return HttpClient.newBuilder().cookieHandler(new CookieManager()).build();
    }

    private static HttpResponse<String> get(HttpClient client, String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(path.startsWith("http") ? path : base + path));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private static List<String> items(String html, String listId) {
        Matcher list = Pattern.compile("<ul id=\"" + listId + "\">(.*?)</ul>", Pattern.DOTALL).matcher(html);
        assertThat(list.find()).as("list " + listId + " in " + html).isTrue();
        Matcher li = Pattern.compile("<li[^>]*>(.*?)</li>").matcher(list.group(1));
        List<String> out = new ArrayList<>();
        while (li.find()) {
            out.add(li.group(1).trim());
        }
        return out;
    }

    @Test
    void threeUsersTwoWaysOnOneJspPage() throws Exception {
        HttpClient ann = browser();
        HttpClient bob = browser();
        HttpClient carol = browser();
        assertThat(get(ann, "/signin?name=ann").statusCode()).isEqualTo(204);
        assertThat(get(bob, "/signin?name=bob").statusCode()).isEqualTo(204);
        assertThat(get(ann, "/").statusCode()).isEqualTo(200);
        assertThat(get(bob, "/").statusCode()).isEqualTo(200);

        String basic = "Basic " + Base64.getEncoder().encodeToString("carol:secret".getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> admin = get(carol, "/admin/", "Authorization", basic);
        assertThat(admin.statusCode()).isEqualTo(200);
        String html = admin.body();

        assertThat(html).contains("<p id=\"count\">3 online</p>");
        // maxCount=2: the two most recent, carol (this request) first; the count is not capped
        assertThat(items(html, "ids")).containsExactly("carol", "bob");
        assertThat(items(html, "users")).hasSize(2).allSatisfy(u -> assertThat(u).matches("\\w+ \\d{4}"));
        assertThat(html).contains("ann online: true").contains("nobody online: false never");

        // a request without credentials is anonymous: not tracked, but it sees the same index
        HttpResponse<String> stranger = get(browser(), "/");
        assertThat(stranger.body()).contains("3 online");
    }

    @Test
    void signingOutLeavesAtOnceAndStaticFilesDoNotCount() throws Exception {
        HttpClient dan = browser();
        get(dan, "/signin?name=dan");
        // a static file is excluded: dan is not online yet
        assertThat(get(dan, "/static/hello.txt").body()).contains("static");
        HttpClient eve = browser();
        get(eve, "/signin?name=eve");
        assertThat(get(eve, "/").body()).doesNotContain("<li>dan</li>");

        assertThat(get(dan, "/").body()).contains("<li>dan</li>");
        assertThat(get(eve, "/").body()).contains("<li>dan</li>");

        get(dan, "/signout");
        String after = get(eve, "/").body();
        assertThat(items(after, "ids")).doesNotContain("dan").contains("eve");
    }

    private static String guestsPage(HttpClient client) throws Exception {
        HttpResponse<String> r = get(client, guestsBase() + "/");
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }

    private static String guestsBase() {
        return base.replace("/app", "/guests");
    }

    private static String me(String html) {
        Matcher m = Pattern.compile("<p id=\"me\">(.*?)</p>").matcher(html);
        assertThat(m.find()).isTrue();
        return m.group(1);
    }

    @Test
    void guestsArePeopleNotRequests() throws Exception {
        // a health check, curl, a crawler: no cookie kept, never a guest
        HttpClient cookieless = HttpClient.newHttpClient();
        for (int i = 0; i < 100; i++) {
            String html = guestsPage(cookieless);
            assertThat(html).contains("<p id=\"counts\">0 guests, 0 online</p>").contains("<p id=\"me\">null</p>");
        }

        // a browser: counted from its second request, once however many requests
        HttpClient visitor = browser();
        assertThat(guestsPage(visitor)).contains("0 guests");
        String second = guestsPage(visitor);
        assertThat(second).contains("<p id=\"counts\">1 guests, 0 online</p>");
        String guestId = me(second);
        assertThat(guestId).startsWith("guest:");
        for (int i = 0; i < 5; i++) {
            assertThat(guestsPage(visitor)).contains("1 guests, 0 online");
            assertThat(me(guestsPage(visitor))).isEqualTo(guestId);
        }

        // someone signs in with the guest's id as their user id: not a user, a guest of their own
        HttpClient impostor = browser();
        assertThat(get(impostor, guestsBase() + "/signin?name=" + guestId).statusCode()).isEqualTo(204);
        String theirs = guestsPage(impostor);
        assertThat(theirs).contains("<p id=\"counts\">2 guests, 0 online</p>");
        assertThat(me(theirs)).startsWith("guest:").isNotEqualTo(guestId);
        assertThat(guestsPage(visitor)).contains("2 guests, 0 online");

        // the visitor signs in: a user at once, a guest no more
        assertThat(get(visitor, guestsBase() + "/signin?name=vera").statusCode()).isEqualTo(204);
        assertThat(guestsPage(cookieless)).contains("<p id=\"counts\">1 guests, 1 online</p>");
    }

    private static String dispatchBase() {
        return base.replace("/app", "/dispatch");
    }

    private static String para(String html, String id) {
        Matcher m = Pattern.compile("<p id=\"" + id + "\">(.*?)</p>", Pattern.DOTALL).matcher(html);
        assertThat(m.find()).as("<p id=" + id + "> in " + html).isTrue();
        return m.group(1).trim();
    }

    /*
     * The filter hands the page a request that answers the documented attributes itself (issue
     * 22, point 9): the pages reached other than directly still see them, as when they were set
     * on the container's request one by one, and a page's own setAttribute and removeAttribute
     * of those names still win.
     */
    @Test
    void everyPageSeesTheAttributesForwardedIncludedAsyncOnErrorPagesAndAsThePageSetsThem() throws Exception {
        HttpClient ann = browser();
        assertThat(get(ann, dispatchBase() + "/signin?name=ann").statusCode()).isEqualTo(204);
        String direct = para(get(ann, dispatchBase() + "/shown.jsp").body(), "shown");
        assertThat(direct).isEqualTo("1 online, 0 guests, 0 hidden, 0 robots, record 1, ids [ann], users [ann]");

        assertThat(para(get(ann, dispatchBase() + "/forward.jsp").body(), "shown")).isEqualTo(direct);
        assertThat(para(get(ann, dispatchBase() + "/do/forward").body(), "shown")).isEqualTo(direct);
        String included = get(ann, dispatchBase() + "/include.jsp").body();
        assertThat(para(included, "outer")).isEqualTo("1 online");
        assertThat(para(included, "shown")).isEqualTo(direct);

        HttpResponse<String> async = get(ann, dispatchBase() + "/do/async");
        assertThat(async.statusCode()).isEqualTo(200);
        assertThat(para(async.body(), "shown")).isEqualTo(direct);
        assertThat(get(ann, dispatchBase() + "/do/async-read").body()).isEqualTo("read 1");

        HttpResponse<String> missing = get(ann, dispatchBase() + "/no-such-page");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(para(missing.body(), "error")).isEqualTo("not here; 1 online");
        HttpResponse<String> sent = get(ann, dispatchBase() + "/do/send-error");
        assertThat(sent.statusCode()).isEqualTo(404);
        assertThat(para(sent.body(), "error")).isEqualTo("not here; 1 online");
        HttpResponse<String> thrown = get(ann, dispatchBase() + "/do/throw");
        assertThat(thrown.statusCode()).isEqualTo(500);
        assertThat(para(thrown.body(), "error")).isEqualTo("not here; 1 online");

        String own = get(ann, dispatchBase() + "/own.jsp").body();
        assertThat(para(own, "names")).isEqualTo("[onlineGuestCount, onlineHiddenCount, onlineNow, onlineNowCount, "
                + "onlineNowIds, onlineNowRecord, onlineRobotCount, onlineRobots]");
        // c:remove, c:set and a scriptlet's setAttribute: the page's own values, as before
        assertThat(para(own, "own")).isEqualTo("[] [seven] [[zed]] [0]");
        assertThat(para(own, "after")).isEqualTo("[onlineGuestCount, onlineHiddenCount, onlineNow, "
                + "onlineNowIds, onlineNowRecord, onlineRobotCount, onlineRobots]");
    }
}
