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
        Context context = tomcat.addWebapp("/app", webapp.toString());
        // the test class path is a directory-and-jar mix; scan it as a container scans WEB-INF/lib
        ((StandardJarScanner) context.getJarScanner()).setScanAllDirectories(true);
        tomcat.start();
        base = "http://localhost:" + tomcat.getConnector().getLocalPort() + "/app";
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
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
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
}
