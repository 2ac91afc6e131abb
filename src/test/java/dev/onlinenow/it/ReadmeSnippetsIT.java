package dev.onlinenow.it;

import dev.onlinenow.testing.WsClient;
import jakarta.json.JsonObject;
import org.apache.catalina.Context;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.scan.StandardJarScanner;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.StringReader;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * README.md's snippets are tests: every fenced {@code xml}, {@code jsp} and {@code html} block is
 * lifted out of README.md and the docs pages it links to for settings, live rooms, operations and
 * compatibility ({@link #SOURCES}), classified, deployed as written into embedded Tomcat 10.1 (Jasper
 * compiling the JSP with JSTL; Tomcat's own WebSocket), alone and combined, and checked against
 * what the README says it does. A block that cannot be classified fails the test, and so does a
 * kind that appears more often than the deployments below use it, so a new snippet cannot be
 * silently skipped ({@code java} and {@code sh} blocks are Java API and shell examples, not
 * deployed here).
 *
 * <p>Classification, by the block's top-level elements (XML) or content:
 * <ul>
 *   <li>{@code <filter>} + {@code <filter-mapping>}: the filter snippet;</li>
 *   <li>{@code <listener>}: the live listener line;</li>
 *   <li>{@code <init-param>}: a filter init-param line;</li>
 *   <li>{@code <context-param>}s: context-param lines;</li>
 *   <li>{@code <dependency>}s: Maven dependencies (online-now's checked against this build's
 *       coordinates and files, JSTL's against the JSTL jars deployed here; not deployed);</li>
 *   <li>{@code <Context>}: a web app's {@code META-INF/context.xml};</li>
 *   <li>{@code jsp}: a JSP page (it declares taglibs), or a single line of one; {@code html}: a page
 *       with {@code <script>}s, deployed as a JSP since it uses EL.</li>
 * </ul>
 *
 * <p>Wrapping, mechanically: fragments go into a Jakarta EE 10 {@code <web-app version="6.0">}
 * in the order context-params, filter, listener; an init-param line goes into the filter
 * snippet's {@code <filter>}, after its own init-params. The only other thing in a web.xml is
 * test scaffolding: a sign-in servlet at {@code /signin?name=N} that keeps the name in the
 * session as {@code user} (the classic-app sign-in the filter snippet's {@code userId} setting
 * names). A page snippet is {@code index.jsp}, byte for byte. The jar is the packaged one in
 * WEB-INF/lib.
 *
 * <p>The example's home page shows how it is built ("How this page is built"): those snippets are
 * README.md's, character for character, so what a reader copies from the example is deployed here
 * too.
 */
class ReadmeSnippetsIT {

    enum Kind { FILTER, LISTENER, INIT_PARAM, CONTEXT_PARAMS, CONTEXT_XML, DEPENDENCY, JSP_PAGE, JSP_LINE, HTML_PAGE, NOT_DEPLOYED }

    /** README.md and the docs pages whose snippets a user copies into a web app. */
    static final List<String> SOURCES = List.of("README.md", "docs/settings.md", "docs/live.md",
            "docs/operations.md", "docs/compatibility.md");

    record Snippet(String file, int line, String lang, String text, Kind kind) {
        @Override
        public String toString() {
            return file + " line " + line + " (" + lang + ", " + kind + ")";
        }
    }

    private static final Pattern FENCE = Pattern.compile("(?m)^```(\\w*)\\n(.*?)^```\\s*$", Pattern.DOTALL);

    @TempDir
    static Path temp;
    private static List<Snippet> snippets;
    private static Tomcat tomcat;
    private static final Map<String, Context> apps = new LinkedHashMap<>();

    @BeforeAll
    static void deploy() throws Exception {
        snippets = new ArrayList<>();
        for (String source : SOURCES) {
            snippets.addAll(lift(source, Files.readString(Path.of(source))));
        }
        assertThat(snippets).as("fenced blocks in " + SOURCES).hasSizeGreaterThan(5);
        Snippet filter = only(Kind.FILTER);
        Snippet listener = only(Kind.LISTENER);
        Snippet jsp = only(Kind.JSP_PAGE);
        Snippet line = only(Kind.JSP_LINE);
        Snippet contextXml = only(Kind.CONTEXT_XML);
        Snippet html = only(Kind.HTML_PAGE);
        Snippet resolverLine = only(Kind.INIT_PARAM);
        Snippet redis = only(Kind.CONTEXT_PARAMS, "online-now.redisUri");
        Snippet proxy = only(Kind.CONTEXT_PARAMS, "online-now.trustForwardedHeaders");
        Snippet hidden = only(Kind.CONTEXT_PARAMS, "online-now.hidden");

        tomcat = new Tomcat();
        tomcat.setBaseDir(temp.resolve("tomcat").toString());
        tomcat.setPort(0);
        tomcat.getConnector();
        // the three steps: the filter snippet and the one JSP line
        app("/first", webXml(List.of(), filter, null, null), line);
        // the filter snippet and the JSP page that lists who
        app("/list", webXml(List.of(), filter, null, null), jsp);
        // the same with session persistence on in META-INF/context.xml, as written (embedded Tomcat
        // reads it when the app is added, as a stock one does when it deploys the WAR)
        Files.createDirectories(temp.resolve("apps/persist/META-INF"));
        Files.writeString(temp.resolve("apps/persist/META-INF/context.xml"), contextXml.text());
        app("/persist", webXml(List.of(), filter, null, null), jsp);
        // the listener line alone: the live endpoint, with every default
        app("/listener", webXml(List.of(), null, null, listener), null);
        // the filter snippet (settings as init-params) plus the listener line, with the html page
        app("/live", webXml(List.of(), filter, null, listener), html);
        // the resolver's init-param line in the filter snippet
        app("/resolver", webXml(List.of(), filter, resolverLine, null), jsp);
        // the store=redis context-params with the filter snippet, as written (that Redis does not
        // resolve here: the README says each server then keeps counting its own users)
        app("/redis", webXml(List.of(redis), filter, null, null), jsp);
        // the reverse-proxy context-param with the filter snippet, as written
        app("/proxied", webXml(List.of(proxy), filter, null, null), jsp);
        // the hidden users' context-params with the filter snippet and the JSP snippet
        app("/hidden", webXml(List.of(hidden), filter, null, null), jsp);
        // the first screen again, restarted with users online (dataDir: the context's temp dir)
        app("/restart", webXml(List.of(), filter, null, null), jsp);
        // the same once more, the control of the session persistence snippet (no context.xml)
        app("/control", webXml(List.of(), filter, null, null), jsp);
        tomcat.start();
        apps.forEach((path, ctx) -> assertThat(ctx.getState().isAvailable())
                .as(path + " started (" + ctx.getState() + ")").isTrue());
    }

    @AfterAll
    static void stop() throws Exception {
        if (tomcat != null) {
            tomcat.stop();
            tomcat.destroy();
        }
    }

    // --- lifting and classifying ---------------------------------------------------------------

    static List<Snippet> lift(String file, String markdown) throws Exception {
        List<Snippet> out = new ArrayList<>();
        Matcher m = FENCE.matcher(markdown);
        while (m.find()) {
            int line = 1 + (int) markdown.substring(0, m.start()).chars().filter(c -> c == '\n').count();
            String lang = m.group(1);
            String text = m.group(2);
            out.add(new Snippet(file, line, lang, text, classify(file + " line " + line, lang, text)));
        }
        return out;
    }

    static Kind classify(String where, String lang, String text) throws Exception {
        switch (lang) {
            case "java", "sh", "nginx": // code, commands and a proxy's configuration: nothing to deploy
                return Kind.NOT_DEPLOYED;
            case "properties":
                // Spring Boot's application.properties: the starter's StarterIT checks that its
                // app runs with these very lines (spring-boot-starter/it-app)
                if (text.lines().allMatch(l -> l.isBlank() || l.startsWith("#") || l.startsWith("online-now."))) {
                    return Kind.NOT_DEPLOYED;
                }
                break;
            case "jsp":
                if (text.contains("<%@ taglib")) {
                    return Kind.JSP_PAGE;
                }
                if (text.strip().lines().count() == 1) {
                    return Kind.JSP_LINE;
                }
                break;
            case "html":
                if (text.contains("<script")) {
                    return Kind.HTML_PAGE;
                }
                break;
            case "xml":
                Set<String> top = topLevelElements(text);
                if (top.equals(Set.of("filter", "filter-mapping"))) {
                    return Kind.FILTER;
                }
                if (top.equals(Set.of("listener"))) {
                    return Kind.LISTENER;
                }
                if (top.equals(Set.of("init-param"))) {
                    return Kind.INIT_PARAM;
                }
                if (top.equals(Set.of("context-param"))) {
                    return Kind.CONTEXT_PARAMS;
                }
                if (top.equals(Set.of("dependency")) && text.contains("<artifactId>online-now-spring-boot-starter</artifactId>")) {
                    return Kind.NOT_DEPLOYED; // the starter's coordinates are checked by its StarterIT
                }
                if (top.equals(Set.of("dependency"))) {
                    return Kind.DEPENDENCY;
                }
                if (top.equals(Set.of("Context"))) {
                    return Kind.CONTEXT_XML;
                }
                break;
            default:
                break;
        }
        throw new AssertionError(where + ": a ```" + lang + " block this test cannot classify, "
                + "so it would go untested; teach ReadmeSnippetsIT what it is and what it does:\n" + text);
    }

    private static Set<String> topLevelElements(String xml) throws Exception {
        Element root = parse("<snippet>" + xml + "</snippet>").getDocumentElement();
        Set<String> names = new TreeSet<>();
        for (Node n = root.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n.getNodeType() == Node.ELEMENT_NODE) {
                names.add(n.getNodeName());
            }
        }
        return names;
    }

    private static Document parse(String xml) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new org.xml.sax.InputSource(new StringReader(xml)));
    }

    /** The one snippet of {@code kind} that holds {@code marker}; every snippet of the kind must be one of those asked for. */
    private static Snippet only(Kind kind, String marker) {
        List<Snippet> all = snippets.stream().filter(s -> s.kind() == kind).toList();
        assertThat(all).as("the docs' " + kind + " snippets: each needs its own check here")
                .allMatch(s -> s.text().contains("online-now.redisUri") || s.text().contains("online-now.trustForwardedHeaders")
                        || s.text().contains("online-now.hidden"));
        List<Snippet> of = all.stream().filter(s -> s.text().contains(marker)).toList();
        assertThat(of).as("the docs' " + kind + " snippet with " + marker).hasSize(1);
        return of.get(0);
    }

    private static Snippet only(Kind kind) {
        List<Snippet> of = snippets.stream().filter(s -> s.kind() == kind).toList();
        assertThat(of).as("the docs' " + kind + " snippets: this test deploys exactly one; a new one needs "
                + "its own check here").hasSize(1);
        return of.get(0);
    }

    // --- wrapping and deploying ----------------------------------------------------------------

    static String webXml(List<Snippet> contextParams, Snippet filter, Snippet initParam, Snippet listener) {
        StringBuilder b = new StringBuilder("""
                <?xml version="1.0" encoding="UTF-8"?>
                <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee"
                         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                         xsi:schemaLocation="https://jakarta.ee/xml/ns/jakartaee https://jakarta.ee/xml/ns/jakartaee/web-app_6_0.xsd"
                         version="6.0">
                """);
        for (Snippet s : contextParams) {
            b.append(s.text());
        }
        if (filter != null) {
            String f = filter.text();
            if (initParam != null) {
                int end = f.indexOf("</filter>");
                assertThat(end).as("the filter snippet's </filter>").isPositive();
                f = f.substring(0, end) + initParam.text() + f.substring(end);
            }
            b.append(f);
        }
        if (listener != null) {
            b.append(listener.text());
        }
        b.append("""
                  <!-- test scaffolding: a classic app's sign-in, keeping the name in the session as "user" -->
                  <servlet><servlet-name>signIn</servlet-name><servlet-class>dev.onlinenow.it.SignInServlet</servlet-class></servlet>
                  <servlet-mapping><servlet-name>signIn</servlet-name><url-pattern>/signin</url-pattern></servlet-mapping>
                  <servlet-mapping><servlet-name>signIn</servlet-name><url-pattern>/signout</url-pattern></servlet-mapping>
                </web-app>
                """);
        return b.toString();
    }

    private static void app(String path, String webXml, Snippet page) throws Exception {
        Path dir = temp.resolve("apps" + path);
        Files.createDirectories(dir.resolve("WEB-INF/lib"));
        Files.writeString(dir.resolve("WEB-INF/web.xml"), webXml);
        parse(webXml); // well-formed as wrapped
        if (page != null) {
            Files.writeString(dir.resolve("index.jsp"), page.text());
        }
        Path jar = Path.of(System.getProperty("onlinenow.jar", "target/online-now.jar"));
        assertThat(jar).as("the packaged library (run through mvn verify)").exists();
        Files.copy(jar, dir.resolve("WEB-INF/lib/online-now.jar"));
        // the resolver snippet's class, in the web app as an app's own class would be
        Path resolver = Path.of("target/test-classes/com/example/AccountResolver.class");
        Files.createDirectories(dir.resolve("WEB-INF/classes/com/example"));
        Files.copy(resolver, dir.resolve("WEB-INF/classes/com/example/AccountResolver.class"));
        // JSTL in WEB-INF/lib, as an app ships it (the JSP snippet's jakarta.tags URIs)
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path p = Path.of(entry);
            if (p.getFileName().toString().matches("jakarta\\.servlet\\.jsp\\.jstl(-api)?-[\\d.]+\\.jar")) {
                Files.copy(p, dir.resolve("WEB-INF/lib").resolve(p.getFileName()));
            }
        }
        try (var lib = Files.list(dir.resolve("WEB-INF/lib"))) {
            assertThat(lib.count()).as("online-now and JSTL's API and implementation in WEB-INF/lib").isEqualTo(3);
        }
        Context ctx = tomcat.addWebapp(path, dir.toString());
        // a deployed web app: scan its WEB-INF, not the test class path (which has Tyrus's and
        // this project's test classes); Tomcat's own WebSocket, not Tyrus
        ((StandardJarScanner) ctx.getJarScanner()).setScanClassPath(false);
        ctx.setContainerSciFilter("org\\.glassfish\\.tyrus\\..*");
        apps.put(path, ctx);
    }

    // --- a browser -------------------------------------------------------------------------------

    record Browser(HttpClient http, CookieManager cookies) {
        static Browser open() {
            CookieManager c = new CookieManager();
            return new Browser(HttpClient.newBuilder().cookieHandler(c).build(), c);
        }

        HttpResponse<String> get(String path) throws Exception {
            // a browser says its language; without one JSTL's fmt:formatDate has no locale and
            // prints Date.toString()
            return http.send(HttpRequest.newBuilder(uri("http", path)).header("Accept-Language", "en-US").build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        }

        void signIn(String app, String name) throws Exception {
            assertThat(get(app + "/signin?name=" + URLEncoder.encode(name, StandardCharsets.UTF_8)).statusCode())
                    .isEqualTo(204);
        }

        String cookie() {
            return cookies.getCookieStore().getCookies().stream().filter(c -> c.getName().equals("JSESSIONID"))
                    .map(HttpCookie::toString).findFirst().orElse(null);
        }
    }

    private static URI uri(String scheme, String path) {
        return URI.create(scheme + "://localhost:" + tomcat.getConnector().getLocalPort() + path);
    }

    private static String origin() {
        return "http://localhost:" + tomcat.getConnector().getLocalPort();
    }

    private static List<String> items(String html) {
        Matcher li = Pattern.compile("<li>(.*?) <small>seen (.*?)</small></li>").matcher(html);
        List<String> out = new ArrayList<>();
        while (li.find()) {
            assertThat(li.group(2)).as("seen at a time").matches("\\d{1,2}:\\d{2}:\\d{2}\\s(AM|PM)");
            out.add(li.group(1));
        }
        return out;
    }

    // --- what the README says they do ------------------------------------------------------------

    @Test
    void everyBlockIsClassifiedAndEveryDeployedKindIsUsed() {
        Map<Kind, Long> kinds = snippets.stream().collect(Collectors.groupingBy(Snippet::kind, Collectors.counting()));
        assertThat(kinds).as("" + snippets).containsKeys(Kind.FILTER, Kind.LISTENER, Kind.JSP_PAGE, Kind.JSP_LINE,
                Kind.HTML_PAGE, Kind.INIT_PARAM, Kind.CONTEXT_PARAMS, Kind.CONTEXT_XML, Kind.DEPENDENCY);
    }

    @Test
    void theThreeStepsShowNOnline() throws Exception {
        Browser ann = Browser.open();
        Browser bob = Browser.open();
        ann.signIn("/first", "ann");
        bob.signIn("/first", "bob");
        assertThat(bob.get("/first/").statusCode()).isEqualTo(200);
        HttpResponse<String> page = ann.get("/first/");
        assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
        assertThat(page.body().strip()).isEqualTo("<p>2 online</p>");
        // a visitor who has not signed in is not counted (userId session:user), and sees the same
        assertThat(Browser.open().get("/first/").body().strip()).isEqualTo("<p>2 online</p>");
        // signing out (invalidate()) takes a user off at once, as the README says
        assertThat(bob.get("/first/signout").statusCode()).isEqualTo(204);
        assertThat(ann.get("/first/").body().strip()).isEqualTo("<p>1 online</p>");
    }

    @Test
    void theListShowsNOnlineAndTheSignedInUsersNamesEscaped() throws Exception {
        Browser ann = Browser.open();
        Browser mallory = Browser.open();
        ann.signIn("/list", "ann");
        mallory.signIn("/list", "<script>alert(1)</script>");
        assertThat(mallory.get("/list/").statusCode()).isEqualTo(200);
        HttpResponse<String> page = ann.get("/list/");
        assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
        assertThat(page.body()).contains("<p>2 online</p>").doesNotContain("<script>alert(1)");
        assertThat(items(page.body())).containsExactly("ann", "&lt;script&gt;alert(1)&lt;/script&gt;");

        // sign-out by invalidate(): gone at once
        assertThat(mallory.get("/list/signout").statusCode()).isEqualTo(204);
        assertThat(items(ann.get("/list/").body())).containsExactly("ann");
    }

    @Test
    void theContextXmlSnippetKeepsSessionsAcrossARestartOfTheApp() throws Exception {
        Browser ann = Browser.open();
        ann.signIn("/persist", "ann");
        assertThat(items(ann.get("/persist/").body())).containsExactly("ann");
        Context ctx = apps.get("/persist");
        ctx.stop();
        ctx.start();
        assertThat(ctx.getState().isAvailable()).as("restarted").isTrue();
        // the same cookie, no new sign-in: the session came back from SESSIONS.ser
        HttpResponse<String> page = ann.get("/persist/");
        assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
        assertThat(page.headers().firstValue("Set-Cookie")).as("the session is the one from before the restart").isEmpty();
        assertThat(items(page.body())).as("still signed in after the restart").containsExactly("ann");
        // and the control: the same restart of an app without the snippet ends everyone's session
        // (bob's next request gets a new one, the JSP's); who was online stays online until the
        // threshold all the same (dataDir: nothing forgotten on a restart)
        Browser bob = Browser.open();
        bob.signIn("/control", "bob");
        assertThat(items(bob.get("/control/").body())).contains("bob");
        String before = bob.cookie();
        Context control = apps.get("/control");
        control.stop();
        control.start();
        HttpResponse<String> after = bob.get("/control/");
        assertThat(bob.cookie()).as("a new session: the old one was not kept").isNotEqualTo(before);
        assertThat(items(after.body())).containsExactly("bob");
    }

    @Test
    void theListenerLineAloneOpensTheEndpointAtOnlineNowWs() {
        // no filter, every default: userId=principal, and an anonymous socket has no identity
        try (WsClient anonymous = WsClient.connect(Browser.open().http(), uri("ws", "/listener/online-now/ws"),
                origin(), null, "anonymous")) {
            WsClient.Closed closed = anonymous.awaitClose();
            assertThat(closed.code()).isEqualTo(1008);
            assertThat(closed.reason()).isEqualTo("no identity");
        }
    }

    @Test
    void theFilterSnippetPlusTheListenerLineIsOneConfiguration() throws Exception {
        // the listener starts before the filter; the socket's identity comes from the filter
        // snippet's init-param userId=session:user (the default, principal, would give none)
        Browser ann = Browser.open();
        Browser bob = Browser.open();
        ann.signIn("/live", "ann");
        bob.signIn("/live", "bob");
        HttpResponse<String> page = ann.get("/live/");
        assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
        Matcher src = Pattern.compile("<script src=\"([^\"]+)\"></script>").matcher(page.body());
        assertThat(src.find()).as(page.body()).isTrue();
        assertThat(src.group(1)).isEqualTo("/live/online-now/online-now.js");
        HttpResponse<String> js = ann.get(src.group(1));
        assertThat(js.statusCode()).isEqualTo(200);
        assertThat(js.headers().firstValue("Content-Type")).get().asString().contains("javascript");
        assertThat(js.body()).contains("OnlineNow").contains("trackCursor").contains("drawCursors");

        try (WsClient annLive = WsClient.connect(ann.http(), uri("ws", "/live/online-now/ws"), origin(), ann.cookie(), "ann");
             WsClient bobLive = WsClient.connect(bob.http(), uri("ws", "/live/online-now/ws"), origin(), bob.cookie(), "bob")) {
            annLive.join("board-42");
            assertThat(annLive.next("state").getString("self")).isEqualTo("ann");
            bobLive.join("board-42");
            JsonObject joined = annLive.next("join");
            assertThat(joined.getJsonObject("presence").getString("id")).isEqualTo("bob");
        }
        // and the filter's other init-params hold for the live layer's index: one index, counted once
        assertThat(ann.get("/live/").body()).doesNotContain("differ");
    }

    @Test
    void aHiddenUserIsCountedButListedOnlyToThemself() throws Exception {
        // the scaffolding's sign-in sets the session attribute the snippet names when asked to hide
        assertThat(only(Kind.CONTEXT_PARAMS, "online-now.hidden").text()).contains("session:hideOnline");
        Browser ann = Browser.open();
        Browser bob = Browser.open();
        assertThat(ann.get("/hidden/signin?name=ann&hideOnline=true").statusCode()).isEqualTo(204);
        bob.signIn("/hidden", "bob");
        assertThat(ann.get("/hidden/").statusCode()).isEqualTo(200);
        HttpResponse<String> byBob = bob.get("/hidden/");
        assertThat(byBob.statusCode()).as(byBob.body()).isEqualTo(200);
        assertThat(byBob.body()).contains("<p>2 online</p>");
        assertThat(items(byBob.body())).containsExactly("bob");
        assertThat(items(ann.get("/hidden/").body())).containsExactlyInAnyOrder("ann", "bob");
    }

    @Test
    void aRestartOfTheAppForgetsNobody() throws Exception {
        Browser ann = Browser.open();
        Browser bob = Browser.open();
        ann.signIn("/restart", "ann");
        bob.signIn("/restart", "bob");
        assertThat(ann.get("/restart/").body()).contains("<p>1 online</p>");
        assertThat(bob.get("/restart/").body()).contains("<p>2 online</p>");
        Context ctx = apps.get("/restart");
        ctx.stop();
        ctx.start();
        assertThat(ctx.getState().isAvailable()).isTrue();
        // a visitor who was not there: both are online again, before either comes back
        HttpResponse<String> page = Browser.open().get("/restart/");
        assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
        assertThat(page.body()).contains("<p>2 online</p>");
        assertThat(items(page.body())).containsExactly("bob", "ann");
    }

    @Test
    void theResolverInitParamNamesTheUsers() throws Exception {
        Browser ann = Browser.open();
        ann.signIn("/resolver", "ann");
        HttpResponse<String> page = ann.get("/resolver/");
        assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
        assertThat(items(page.body())).containsExactly("Account ANN");
    }

    @Test
    void theRedisContextParamsStartAndEachServerKeepsCountingWithoutThatRedis() throws Exception {
        Browser ann = Browser.open();
        ann.signIn("/redis", "ann");
        HttpResponse<String> page = ann.get("/redis/");
        assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
        assertThat(page.body()).contains("<p>1 online</p>");
        Object online = apps.get("/redis").getServletContext().getAttribute("dev.onlinenow.OnlineNow");
        Object settings = online.getClass().getMethod("settings").invoke(online);
        assertThat(settings.getClass().getMethod("store").invoke(settings)).hasToString("REDIS");
        assertThat(settings.getClass().getMethod("threshold").invoke(settings))
                .as("the filter's init-params with the context-params").hasToString("PT15M");
    }

    @Test
    void theReverseProxySnippetTrustsTheForwardedHeaders() throws Exception {
        Object online = apps.get("/proxied").getServletContext().getAttribute("dev.onlinenow.OnlineNow");
        Object settings = online.getClass().getMethod("settings").invoke(online);
        assertThat(settings.getClass().getMethod("trustForwardedHeaders").invoke(settings)).isEqualTo(true);
        Browser ann = Browser.open();
        ann.signIn("/proxied", "ann");
        assertThat(ann.get("/proxied/").body()).contains("<p>1 online</p>");
    }

    @Test
    void theDependencySnippetsNameThisBuildAndTheJstlDeployedHere() throws Exception {
        String pom = Files.readString(Path.of("pom.xml"));
        String version = System.getProperty("onlinenow.version");
        List<Element> deps = new ArrayList<>();
        for (Snippet d : snippets.stream().filter(s -> s.kind() == Kind.DEPENDENCY).toList()) {
            var list = parse("<snippet>" + d.text() + "</snippet>").getDocumentElement().getElementsByTagName("dependency");
            for (int i = 0; i < list.getLength(); i++) {
                deps.add((Element) list.item(i));
            }
        }
        // JSTL, as step 1 says to add it: exactly the jars the JSP snippets run with here
        Set<String> jstl = new TreeSet<>();
        for (Element e : deps) {
            if (!"dev.onlinenow".equals(text(e, "groupId"))) {
                jstl.add(text(e, "groupId") + ":" + text(e, "artifactId") + ":" + text(e, "version"));
            }
        }
        assertThat(jstl).containsExactly(
                "jakarta.servlet.jsp.jstl:jakarta.servlet.jsp.jstl-api:" + jarVersion("jakarta.servlet.jsp.jstl-api"),
                "org.glassfish.web:jakarta.servlet.jsp.jstl:" + jarVersion("jakarta.servlet.jsp.jstl"));
        deps.removeIf(e -> !"dev.onlinenow".equals(text(e, "groupId")));
        assertThat(deps).hasSize(2);
        Set<String> classifiers = new TreeSet<>();
        for (Element e : deps) {
            String d = "the dependency " + text(e, "artifactId") + ":" + text(e, "classifier");
            assertThat(text(e, "artifactId")).isEqualTo("online-now");
            assertThat(pom).contains("<version>" + text(e, "version") + "</version>");
            String classifier = text(e, "classifier");
            classifiers.add(classifier == null ? "" : classifier);
            Path jar = Path.of(System.getProperty("onlinenow.jar", "target/online-now.jar"));
            if (classifier != null) {
                jar = Path.of(jar.toString().replace(".jar", "-" + classifier + ".jar"));
            }
            assertThat(jar).as(d + " is a file this build makes").exists();
            if (version != null) {
                assertThat(text(e, "version")).isEqualTo(version);
            }
        }
        assertThat(classifiers).containsExactly("", "javax");
    }

    /** The version of the jar on the test class path named {@code artifact}-VERSION.jar (the one deployed). */
    private static String jarVersion(String artifact) {
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Matcher m = Pattern.compile(Pattern.quote(artifact) + "-([\\d.]+)\\.jar").matcher(Path.of(entry).getFileName().toString());
            if (m.matches()) {
                return m.group(1);
            }
        }
        throw new AssertionError(artifact + " is not on the test class path");
    }

    private static String text(Element e, String child) {
        var list = e.getElementsByTagName(child);
        return list.getLength() == 0 ? null : list.item(0).getTextContent().trim();
    }

    /** The example's "How this page is built": README's snippets, as deployed above, character for character. */
    @Test
    void theExamplesHowThisPageIsBuiltShowsTheReadmesSnippets() throws Exception {
        String home = Files.readString(Path.of("webapp-example/src/main/webapp/WEB-INF/jsp/home.jsp"));
        Matcher pre = Pattern.compile("(?s)<pre data-readme-snippet><code>(.*?)</code></pre>").matcher(home);
        List<String> shown = new ArrayList<>();
        while (pre.find()) {
            // HTML-escaped, and ${ written as ${'$'}{ so that the JSP prints it instead of evaluating it
            shown.add(pre.group(1).replace("${'$'}", "$").replace("&lt;", "<").replace("&gt;", ">")
                    .replace("&quot;", "\"").replace("&amp;", "&") + "\n");
        }
        assertThat(shown).as("snippets on the example's home page").containsExactly(
                only(Kind.FILTER).text(), only(Kind.JSP_PAGE).text());
        assertThat(shown.get(0)).as("a session-based app lists nobody without it")
                .contains("<param-name>userId</param-name><param-value>session:user</param-value>");
        assertThat(home).as("the listener line, as README's")
                .contains(only(Kind.LISTENER).text().strip().replace("<", "&lt;").replace(">", "&gt;"));
    }

    @Test
    void aNewKindOfBlockFailsTheTest() {
        assertThatThrownBy(() -> classify("x.md line 1", "yaml", "a: b"))
                .isInstanceOf(AssertionError.class).hasMessageContaining("cannot classify");
        assertThatThrownBy(() -> classify("x.md line 1", "properties", "a=b"))
                .isInstanceOf(AssertionError.class).hasMessageContaining("cannot classify");
        assertThatThrownBy(() -> classify("x.md line 1", "xml", "<servlet><servlet-name>x</servlet-name></servlet>"))
                .isInstanceOf(AssertionError.class).hasMessageContaining("cannot classify");
        assertThatThrownBy(() -> classify("x.md line 1", "jsp", "<p>${onlineNowCount}</p>\n<p>${onlineGuestCount}</p>\n"))
                .isInstanceOf(AssertionError.class).hasMessageContaining("cannot classify");
    }
}
