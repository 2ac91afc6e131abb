package dev.onlinenow.spring.boot.it;

import dev.onlinenow.OnlineNow;
import dev.onlinenow.OnlineNowFilter;
import dev.onlinenow.OnlineNowSettings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.net.CookieManager;
import java.net.HttpCookie;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The starter in a real Boot app ({@link DemoApp}) on embedded Tomcat, under the Boot line of the
 * module that runs it: two users sign in through Spring Security's form login and see each other
 * on a Thymeleaf page, a sign-out leaves at once, the live endpoint knows the users, online-now.js
 * is served, the actuator shows the health contributor and the meters, the MBean is registered,
 * an {@link OnlineNow} bean can be injected, and a bad property stops start-up with online-now's
 * own message.
 */
class StarterIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static ConfigurableApplicationContext app;
    private static URI base;

    @BeforeAll
    static void start() {
        app = SpringApplication.run(DemoApp.class, "--server.port=0");
        base = URI.create("http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port"));
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
    }

    /** A browser: its own cookies, following redirects. */
    record Browser(HttpClient http, CookieManager cookies) {
        static Browser open() {
            CookieManager cookies = new CookieManager();
            return new Browser(HttpClient.newBuilder().cookieHandler(cookies)
                    .followRedirects(HttpClient.Redirect.NORMAL).connectTimeout(WAIT).build(), cookies);
        }

        HttpResponse<String> get(String path) throws Exception {
            return http.send(HttpRequest.newBuilder(base.resolve(path)).timeout(WAIT).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        }

        HttpResponse<String> post(String path, String form) throws Exception {
            return http.send(HttpRequest.newBuilder(base.resolve(path)).timeout(WAIT)
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(form)).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        }

        String signIn(String user, String password) throws Exception {
            HttpResponse<String> login = get("/");
            assertThat(login.body()).as("Spring Security's login page").contains("name=\"username\"");
            HttpResponse<String> page = post("/login", "username=" + user + "&password=" + password
                    + "&_csrf=" + URLEncoder.encode(csrf(login.body()), StandardCharsets.UTF_8));
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.body()).contains("<p id=\"me\">signed in as " + user + "</p>");
            return page.body();
        }

        void signOut() throws Exception {
            String page = get("/").body();
            HttpResponse<String> out = post("/logout", "_csrf=" + URLEncoder.encode(csrf(page), StandardCharsets.UTF_8));
            assertThat(out.body()).as("back on the login page").contains("name=\"username\"");
        }

        Live live() throws Exception {
            String cookie = null;
            for (HttpCookie c : cookies.getCookieStore().getCookies()) {
                if (c.getName().equals("JSESSIONID")) {
                    cookie = c.getName() + "=" + c.getValue();
                }
            }
            assertThat(cookie).as("a session cookie").isNotNull();
            Live live = new Live();
            HttpClient.newHttpClient().newWebSocketBuilder().header("Cookie", cookie)
                    .header("Origin", base.toString()).connectTimeout(WAIT)
                    .buildAsync(URI.create("ws://127.0.0.1:" + base.getPort() + "/online-now/ws"), live)
                    .get(WAIT.toSeconds(), TimeUnit.SECONDS);
            return live;
        }
    }

    /** A WebSocket client that keeps every text frame and the close code. */
    static final class Live implements WebSocket.Listener {
        final BlockingQueue<String> frames = new LinkedBlockingQueue<>();
        final BlockingQueue<Integer> closed = new LinkedBlockingQueue<>();
        private final StringBuilder partial = new StringBuilder();
        volatile WebSocket socket;

        @Override
        public void onOpen(WebSocket webSocket) {
            socket = webSocket;
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                frames.add(partial.toString());
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.add(statusCode);
            return null;
        }

        void send(String json) {
            socket.sendText(json, true).join();
        }

        /** The next frame of this type (others are skipped). */
        String next(String type) throws InterruptedException {
            long end = System.nanoTime() + WAIT.toNanos();
            while (System.nanoTime() < end) {
                String f = frames.poll(end - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (f != null && f.contains("\"type\":\"" + type + "\"")) {
                    return f;
                }
            }
            throw new AssertionError("no " + type + " frame within " + WAIT);
        }
    }

    private static String csrf(String html) {
        Matcher m = Pattern.compile("name=\"_csrf\"[^>]*value=\"([^\"]+)\"").matcher(html);
        assertThat(m.find()).as("a CSRF token in\n" + html).isTrue();
        return m.group(1);
    }

    private static String count(String html) {
        Matcher m = Pattern.compile("<p id=\"count\"><span>(\\d+)</span> online</p>").matcher(html);
        assertThat(m.find()).as("the count in\n" + html).isTrue();
        return m.group(1);
    }

    private static List<String> users(String html) {
        Matcher list = Pattern.compile("<ul id=\"users\">(.*?)</ul>", Pattern.DOTALL).matcher(html);
        assertThat(list.find()).as("the users in\n" + html).isTrue();
        Matcher li = Pattern.compile("<li>(.*?)</li>").matcher(list.group(1));
        List<String> out = new ArrayList<>();
        while (li.find()) {
            out.add(li.group(1));
        }
        return out;
    }

    private static String metric(String name) throws Exception {
        HttpResponse<String> r = Browser.open().get("/actuator/metrics/" + name);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        Matcher m = Pattern.compile("\"value\":([0-9.]+)").matcher(r.body());
        assertThat(m.find()).as(r.body()).isTrue();
        return m.group(1);
    }

    @Test
    void twoUsersSignInSeeEachOtherGoLiveAndOneSignsOut() throws Exception {
        Browser ann = Browser.open();
        String first = ann.signIn("ann", "ann-pw");
        assertThat(count(first)).isEqualTo("1");
        assertThat(users(first)).containsExactly("ann");

        Browser bob = Browser.open();
        String second = bob.signIn("bob", "bob-pw");
        assertThat(count(second)).isEqualTo("2");
        assertThat(users(second)).containsExactlyInAnyOrder("ann", "bob");
        assertThat(app.getBean(OnlineNow.class).count()).as("the OnlineNow bean is the page's").isEqualTo(2);
        assertThat(metric("onlinenow.users.online")).isEqualTo("2.0");

        HttpResponse<String> js = ann.get("/online-now/online-now.js");
        assertThat(js.statusCode()).isEqualTo(200);
        assertThat(js.body()).contains("WebSocket");

        Live annLive = ann.live();
        Live bobLive = bob.live();
        annLive.send("{\"type\":\"join\",\"room\":\"board\"}");
        assertThat(annLive.next("state")).contains("\"self\":\"ann\"");
        bobLive.send("{\"type\":\"join\",\"room\":\"board\"}");
        assertThat(bobLive.next("state")).contains("\"self\":\"bob\"");
        assertThat(annLive.next("join")).contains("\"id\":\"bob\"");

        bob.signOut();
        assertThat(annLive.next("leave")).contains("\"id\":\"bob\"");
        assertThat(bobLive.closed.poll(WAIT.toSeconds(), TimeUnit.SECONDS)).as("bob's socket ends with his session").isEqualTo(1008);
        String after = ann.get("/").body();
        assertThat(count(after)).isEqualTo("1");
        assertThat(users(after)).containsExactly("ann");
        assertThat(metric("onlinenow.users.online")).isEqualTo("1.0");
        annLive.socket.abort();
    }

    @Test
    void theActuatorShowsTheHealthContributorAndTheMBeanIsRegistered() throws Exception {
        HttpResponse<String> health = Browser.open().get("/actuator/health");
        assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
        int at = health.body().indexOf("\"onlineNow\":{");
        assertThat(at).as("the onlineNow contributor in " + health.body()).isNotNegative();
        // its object (no nested object but its details): status and details, in any order
        String contributor = health.body().substring(at, health.body().indexOf('}', health.body().indexOf('}', at) + 1) + 1);
        assertThat(contributor).contains("\"status\":\"UP\"", "\"store\":\"ehcache\"", "\"online\":");
        assertThat(ManagementFactory.getPlatformMBeanServer().queryNames(
                new ObjectName("dev.onlinenow:type=OnlineNow,*"), null)).as("the MBean").isNotEmpty();
    }

    /*
     * An app's own OnlineNow replaces the starter's. Not a @Configuration: DemoApp's component scan
     * would then give it to every test's app; it is a source of the one app below only.
     */
    static class OwnIndex {
        @Bean
        OnlineNow myOnlineNow() {
            return OnlineNow.create(OnlineNowSettings.builder().maxCount(7).build());
        }
    }

    @Test
    void anAppReplacesAPieceAndAFilterOrderedFirstStillCountsSpringsUsers() throws Exception {
        try (ConfigurableApplicationContext own = new SpringApplicationBuilder(DemoApp.class, OwnIndex.class)
                .run("--server.port=0", "--online-now.filter.order=" + Integer.MIN_VALUE, "--online-now.live.enabled=false")) {
            assertThat(own.getBeansOfType(OnlineNow.class)).containsOnlyKeys("myOnlineNow");
            OnlineNow mine = own.getBean(OnlineNow.class);
            FilterRegistrationBean<?> filter = own.getBean("onlineNowFilter", FilterRegistrationBean.class);
            assertThat(filter.getOrder()).as("before Spring Security's chain").isEqualTo(Integer.MIN_VALUE);
            assertThat(((OnlineNowFilter) filter.getFilter()).online()).isSameAs(mine);
            URI saved = base;
            base = URI.create("http://127.0.0.1:" + own.getEnvironment().getProperty("local.server.port"));
            try {
                Browser ann = Browser.open();
                String page = ann.signIn("ann", "ann-pw");
                assertThat(count(page)).isEqualTo("1");
                assertThat(users(page)).containsExactly("ann");
                assertThat(ann.get("/").body()).contains("<span>1</span> online");
                assertThat(mine.count()).isEqualTo(1);
            } finally {
                base = saved;
            }
        }
    }

    /** README.md's Spring Boot snippets are this app's: the dependency and the properties. */
    @Test
    void theReadmesSpringBootSnippetsAreWhatThisAppUses() throws Exception {
        Path readme = Path.of("../../README.md");
        assertThat(readme).exists();
        String text = Files.readString(readme);
        Matcher props = Pattern.compile("(?m)^```properties\\n(.*?)^```", Pattern.DOTALL).matcher(text);
        assertThat(props.find()).as("a properties block in README.md").isTrue();
        String appProperties = Files.readString(Path.of("../it-app/src/test/resources/application.properties"));
        for (String line : props.group(1).split("\\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                assertThat(appProperties).as("README's " + line + " is what this app runs with").contains(line);
            }
        }
        Matcher dep = Pattern.compile("<artifactId>online-now-spring-boot-starter</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(text);
        assertThat(dep.find()).as("the starter's dependency in README.md").isTrue();
        String pom = Files.readString(Path.of("pom.xml"));
        assertThat(pom).contains("<version>" + dep.group(1) + "</version>");
    }

    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void aBadPropertyStopsStartUpWithOnlineNowsOwnMessage(CapturedOutput output) {
        assertThatThrownBy(() -> SpringApplication.run(DemoApp.class, "--server.port=0",
                "--online-now.threshold=soon")).isNotNull();
        assertThat(output.getAll()).contains("APPLICATION FAILED TO START")
                .contains("online-now: bad value for 'threshold': \"soon\"")
                .contains("Property: online-now.threshold");
    }
}
