package dev.onlinenow.live;

import dev.onlinenow.MutableClock;
import dev.onlinenow.OnlineNow;
import dev.onlinenow.OnlineNowFilter;
import dev.onlinenow.OnlineNowMetrics;
import dev.onlinenow.testing.Await;
import dev.onlinenow.testing.LiveServer;
import dev.onlinenow.testing.WsClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.catalina.Context;
import org.apache.catalina.Host;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The JMX bean read through the platform MBeanServer, and the Micrometer meters, while real users
 * sign in, open sockets and fill rooms in an embedded Tomcat; and the bean's life across a
 * redeploy and next to a second web app in the same container.
 */
class MonitoringIT {

    private static final MBeanServer JMX = ManagementFactory.getPlatformMBeanServer();
    private static final int MAX_MESSAGES = 20;

    @TempDir
    Path temp;
    private final MutableClock clock = new MutableClock();
    private final List<AutoCloseable> closeLater = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeLater.size() - 1; i >= 0; i--) {
            closeLater.get(i).close();
        }
    }

    private static ObjectName name(String context) throws Exception {
        return new ObjectName("dev.onlinenow:type=OnlineNow,context=" + context);
    }

    private static Object attribute(ObjectName name, String attribute) throws Exception {
        return JMX.getAttribute(name, attribute);
    }

    private static void withFilter(Context ctx) {
        FilterDef def = new FilterDef();
        def.setFilterName("onlineNow");
        def.setFilterClass(OnlineNowFilter.class.getName());
        ctx.addFilterDef(def);
        FilterMap map = new FilterMap();
        map.setFilterName("onlineNow");
        map.addURLPattern("/*");
        ctx.addFilterMap(map);
    }

    /** A request of a signed-in user after the sign-in: the one the filter counts. */
    private static void visit(HttpClient http, String url, String cookie) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).header("Cookie", cookie).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
    }

    private WsClient socket(LiveServer server, String cookie, String name) {
        WsClient c = server.connect(cookie, name);
        closeLater.add(c);
        return c;
    }

    private static void joined(WsClient c, String room) {
        c.join(room);
        assertThat(c.next("state").getString("room")).isEqualTo(room);
    }

    @Test
    void theMBeanAndTheMetersFollowUsersSocketsAndRooms() throws Exception {
        LiveServer server = LiveServer.builder()
                .inProcess(b -> b.clock(clock).ticker(clock.ticker()).maxConnectionsPerUser(2).maxMessagesPerSecond(MAX_MESSAGES)
                        .heartbeatTimeout(Duration.ofSeconds(90)).maxFrameBytes(4096).sendQueueSize(64),
                        live -> live.autoTick(false))
                .customize(MonitoringIT::withFilter)
                .start();
        closeLater.add(server);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new OnlineNowMetrics(server.context().getServletContext()).bindTo(registry);
        ObjectName name = name(LiveServer.CONTEXT_PATH);
        assertThat(server.online().mbeanName()).as("the contract's name, nothing added").isEqualTo(name);
        String app = "http://localhost:" + server.port() + LiveServer.CONTEXT_PATH;

        assertThat(attribute(name, "ContextPath")).isEqualTo("/app");
        assertThat(attribute(name, "OnlineCount")).isEqualTo(0L);
        assertThat(attribute(name, "StoreHealthy")).isEqualTo(true);
        assertThat(attribute(name, "Store")).isEqualTo("ehcache");
        assertThat(attribute(name, "NodesAlive")).isEqualTo(1);

        // users sign in
        String alice = server.login("alice");
        String bob = server.login("bob");
        visit(server.http(), app + "/anon", alice);
        visit(server.http(), app + "/anon", bob);
        assertThat(attribute(name, "OnlineCount")).isEqualTo(2L);
        assertThat(registry.get("onlinenow.users.online").gauge().value()).isEqualTo(2);
        assertThat(attribute(name, "GuestCount")).isEqualTo(0L);

        // sockets open, rooms fill
        WsClient a1 = socket(server, alice, "alice-1");
        WsClient a2 = socket(server, alice, "alice-2");
        WsClient b1 = socket(server, bob, "bob-1");
        Await.until("three sockets open on the server", WsClient.WAIT,
                () -> server.live().connections() == 3);
        assertThat(attribute(name, "LiveConnections")).isEqualTo(3);
        assertThat(attribute(name, "LiveRooms")).isEqualTo(0);
        joined(a1, "r1");
        joined(b1, "r2");
        Await.untilAsserted(() -> assertThat(attribute(name, "LiveRooms")).isEqualTo(2));
        joined(b1, "r1");
        joined(a2, "r1");
        Await.untilAsserted(() -> {
            assertThat(attribute(name, "LiveRooms")).as("the same two rooms").isEqualTo(2);
            assertThat(registry.get("onlinenow.live.rooms").gauge().value()).isEqualTo(2);
            assertThat(registry.get("onlinenow.live.connections").gauge().value()).isEqualTo(3);
            assertThat(attribute(name, "Joins")).as("alice in r1, bob in r2 and r1; alice's second tab is no join")
                    .isEqualTo(3L);
        });

        // leaving: bob leaves r2 by hand (closed); r2 is empty here now
        b1.leave("r2"); // applied on the room's shard, after this socket's next frames are answered
        Await.untilAsserted(() -> {
            assertThat(attribute(name, "LiveRooms")).isEqualTo(1);
            assertThat(counter(registry, "onlinenow.live.leaves", "reason", "closed")).isEqualTo(1);
        });

        // refused frames, by code
        b1.send("{not json");
        assertThat(b1.next("error").getString("code")).isEqualTo("bad_json");
        b1.send("{\"type\":\"dance\"}");
        assertThat(b1.next("error").getString("code")).isEqualTo("unknown_type");
        b1.send("{\"type\":\"cursor\",\"room\":\"r9\",\"x\":1,\"y\":2}");
        assertThat(b1.next("error").getString("code")).isEqualTo("not_joined");
        Await.untilAsserted(() -> {
            assertThat(counter(registry, "onlinenow.live.frames.refused", "code", "bad_json")).isEqualTo(1);
            assertThat(counter(registry, "onlinenow.live.frames.refused", "code", "unknown_type")).isEqualTo(1);
            assertThat(counter(registry, "onlinenow.live.frames.refused", "code", "not_joined")).isEqualTo(1);
            assertThat(attribute(name, "FramesRefused")).isEqualTo(3L);
        });

        // drops: a third socket of alice is over maxConnectionsPerUser
        WsClient a3 = socket(server, alice, "alice-3");
        assertThat(a3.awaitClose().code()).isEqualTo(1008);
        Await.untilAsserted(() ->
                assertThat(counter(registry, "onlinenow.live.connections.dropped", "reason", "limits")).isEqualTo(1));

        // a binary frame, and a frame over maxFrameBytes
        String carol = server.login("carol");
        WsClient c1 = socket(server, carol, "carol-1");
        joined(c1, "r3");
        c1.sendBinary(new byte[] {1, 2, 3});
        assertThat(c1.awaitClose().code()).isEqualTo(1003);
        WsClient c2 = socket(server, carol, "carol-2");
        c2.send("{\"type\":\"ping\",\"pad\":\"" + "x".repeat(4096 * 4) + "\"}");
        assertThat(c2.awaitClose().code()).isEqualTo(1009);
        Await.until("both of carol's drops counted", WsClient.WAIT, () ->
                counter(registry, "onlinenow.live.connections.dropped", "reason", "bad_frames") == 2);

        // a flood: far over maxMessagesPerSecond on a clock that does not move
        String dave = server.login("dave");
        WsClient d1 = socket(server, dave, "dave-1");
        try {
            for (int i = 0; i < 4 * MAX_MESSAGES && !d1.isClosed(); i++) {
                d1.send("{\"type\":\"ping\"}");
            }
        } catch (RuntimeException closedMeanwhile) {
            // the server closed the socket while we were still sending: what this part is about
        }
        assertThat(d1.awaitClose().reason()).isEqualTo("rate limit exceeded");
        Await.untilAsserted(() -> {
            assertThat(counter(registry, "onlinenow.live.connections.dropped", "reason", "rate_limited")).isEqualTo(1);
            assertThat(counter(registry, "onlinenow.live.frames.refused", "code", "rate_limited")).isPositive();
        });

        // too slow: a client that stops reading while its room is flooded
        String erin = server.login("erin");
        WsClient e1 = socket(server, erin, "erin-1");
        joined(e1, "slow");
        e1.stopReading();
        String big = "y".repeat(16 * 1024);
        for (int i = 0; i < 2000 && server.live().connectionsOf("erin") > 0; i++) {
            server.live().broadcast("slow", "blob", Map.of("i", i, "data", big));
        }
        Await.until("the slow client dropped", WsClient.WAIT, () -> server.live().connectionsOf("erin") == 0);
        Await.untilAsserted(() ->
                assertThat(counter(registry, "onlinenow.live.connections.dropped", "reason", "too_slow")).isEqualTo(1));

        // session ended: bob signs out; his socket in r1 closes and he leaves r1
        server.logout(bob);
        assertThat(b1.awaitClose().reason()).isEqualTo("session ended");
        Await.until("bob's leave counted", WsClient.WAIT, () ->
                counter(registry, "onlinenow.live.leaves", "reason", "session_ended") == 1);

        // heartbeat timeout: alice's sockets stay silent past heartbeatTimeout
        clock.advance(Duration.ofSeconds(91));
        server.live().tick();
        assertThat(a1.awaitClose().reason()).isEqualTo("heartbeat timeout");
        assertThat(a2.awaitClose().reason()).isEqualTo("heartbeat timeout");
        Await.untilAsserted(() -> {
            assertThat(counter(registry, "onlinenow.live.leaves", "reason", "heartbeat_timeout"))
                    .as("alice leaves r1 once (two tabs, one presence)").isEqualTo(1);
            assertThat(attribute(name, "LiveConnections")).isEqualTo(0);
            assertThat(attribute(name, "LiveRooms")).isEqualTo(0);
            // each leave is counted on its room's shard once the store has it, so wait for all of them
            @SuppressWarnings("unchecked")
            Map<String, Long> leaves = (Map<String, Long>) attribute(name, "LeavesByReason");
            assertThat(leaves).containsEntry("closed", 3L) // bob from r2, carol from r3 (binary frame), erin (too slow)
                    .containsEntry("session_ended", 1L).containsEntry("heartbeat_timeout", 1L)
                    .containsEntry("node_down", 0L);
        });
        @SuppressWarnings("unchecked")
        Map<String, Long> drops = (Map<String, Long>) attribute(name, "ConnectionsDroppedByReason");
        assertThat(drops).containsEntry("limits", 1L).containsEntry("bad_frames", 2L)
                .containsEntry("rate_limited", 1L).containsEntry("too_slow", 1L);
        assertThat(registry.get("onlinenow.live.fanout").functionTimer().count()).isPositive();
    }

    private static double counter(SimpleMeterRegistry registry, String name, String... tags) {
        return registry.get(name).tags(tags).functionCounter().count();
    }

    /**
     * A web app with only the filter (user id from the session attribute {@code user}):
     * {@code /login?user=X} signs X in, every other path answers "ok".
     */
    private Context filterOnlyApp(Host host, String path) throws IOException {
        StandardContext ctx = new StandardContext();
        ctx.setName(path);
        ctx.setPath(path);
        ctx.setDocBase(java.nio.file.Files.createTempDirectory(temp, "app").toString());
        ctx.setParentClassLoader(MonitoringIT.class.getClassLoader());
        ctx.addLifecycleListener(new Tomcat.FixContextListener());
        ctx.addParameter("online-now.userId", "session:user");
        withFilter(ctx);
        Tomcat.addServlet(ctx, "any", new HttpServlet() {
            @Override
            protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                if (req.getParameter("user") != null) {
                    req.getSession().setAttribute("user", req.getParameter("user"));
                }
                resp.getWriter().print("ok");
            }
        });
        ctx.addServletMappingDecoded("/", "any");
        host.addChild(ctx);
        assertThat(ctx.getState().isAvailable()).isTrue();
        return ctx;
    }

    /** Signs {@code user} in to the app at {@code base} and makes the request the filter counts. */
    private static void signIn(HttpClient http, String base, String user) throws IOException, InterruptedException {
        HttpResponse<String> login = http.send(HttpRequest.newBuilder(URI.create(base + "/login?user=" + user)).build(),
                HttpResponse.BodyHandlers.ofString());
        String cookie = login.headers().firstValue("Set-Cookie").orElseThrow().split(";", 2)[0];
        visit(http, base + "/page", cookie);
    }

    @Test
    void theMBeanLeavesWithItsAppAndComesBackWithIt() throws Exception {
        LiveServer server = LiveServer.builder()
                .contextParams(Map.of("threshold", "PT15M"))
                .customize(MonitoringIT::withFilter)
                .start();
        closeLater.add(server);
        ObjectName name = name("/app");
        ObjectName anyOfApp = new ObjectName("dev.onlinenow:type=OnlineNow,context=/app,*");
        String origin = "http://localhost:" + server.port();
        visit(server.http(), origin + "/app/anon", server.login("alice"));
        assertThat(attribute(name, "OnlineCount")).isEqualTo(1L);
        OnlineNow first = server.online();
        Host host = (Host) server.context().getParent();

        // undeploy: the index closes and its bean goes
        host.removeChild(server.context());
        assertThat(first.isClosed()).isTrue();
        assertThat(JMX.queryNames(anyOfApp, null)).isEmpty();

        // redeploy at the same path: a new index with a bean of its own under the same name
        filterOnlyApp(host, "/app");
        assertThat(JMX.queryNames(anyOfApp, null)).containsExactly(name);
        assertThat(attribute(name, "OnlineCount")).as("a new index").isEqualTo(0L);
        signIn(server.http(), origin + "/app", "bob");
        assertThat(attribute(name, "OnlineCount")).isEqualTo(1L);

        // a second web app in the same container, at the root: its own bean, named "/"
        Context root = filterOnlyApp(host, "");
        ObjectName rootName = name("/");
        assertThat(JMX.isRegistered(rootName)).isTrue();
        signIn(server.http(), origin, "carol");
        signIn(server.http(), origin, "dan");
        assertThat(attribute(rootName, "OnlineCount")).isEqualTo(2L);
        assertThat(attribute(name, "OnlineCount")).as("each app its own").isEqualTo(1L);

        // undeploy the root app: its bean goes, the other stays
        host.removeChild(root);
        assertThat(JMX.isRegistered(rootName)).isFalse();
        assertThat(JMX.isRegistered(name)).isTrue();

        server.close();
        closeLater.remove(server);
        assertThat(JMX.queryNames(new ObjectName("dev.onlinenow:type=OnlineNow,*"), null))
                .as("no bean left behind").doesNotContain(name, rootName);
    }
}
