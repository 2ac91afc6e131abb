package dev.onlinenow.live;

import dev.onlinenow.MutableClock;
import dev.onlinenow.OnlineNowFilter;
import dev.onlinenow.UserIdSource;
import dev.onlinenow.testing.Await;
import dev.onlinenow.testing.LiveServer;
import dev.onlinenow.testing.WsClient;
import jakarta.json.JsonObject;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import org.apache.catalina.Context;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.apache.tomcat.websocket.server.WsSci;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code online} frame of protocol 1.1 on Tomcat's WebSocket, with the filter counting the
 * web app's requests: the answer at once, changes pushed at most once a second on the ticker
 * (which only the test moves), and hidden users as each viewer may see them.
 *
 * <p>{@code /as?user=X[&hide=true][&staff=true]} signs X in (hidden, in the {@code staff} role);
 * the role is what a test filter's request wrapper answers to {@code isUserInRole}, for every
 * request of the session, the WebSocket handshake included.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TomcatOnlineIT {

    final MutableClock clock = new MutableClock();
    LiveServer server;
    final List<WsClient> clients = new ArrayList<>();

    @BeforeAll
    void start() throws Exception {
        server = LiveServer.builder()
                .websocket(new WsSci(), null)
                .inProcess(b -> b.clock(clock).ticker(clock.ticker())
                                .hidden(UserIdSource.parse("session:hide"))
                                .seeHidden(List.of("staff")),
                        live -> live.autoTick(false))
                .customize(TomcatOnlineIT::addSignInAndRoles)
                .start();
    }

    private static void addSignInAndRoles(Context ctx) {
        // staff is a role of the session's requests, as a container's or framework's login gives it
        Filter roles = (req, res, chain) -> chain.doFilter(new HttpServletRequestWrapper((HttpServletRequest) req) {
            @Override
            public boolean isUserInRole(String role) {
                HttpSession s = getSession(false);
                return "staff".equals(role) && s != null && "true".equals(s.getAttribute("staff"));
            }
        }, res);
        filter(ctx, "roles", roles);
        filter(ctx, "onlineNow", new OnlineNowFilter());
        Tomcat.addServlet(ctx, "as", new HttpServlet() {
            @Override
            protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                HttpSession s = req.getSession();
                s.setAttribute("user", req.getParameter("user"));
                s.setAttribute("hide", String.valueOf("true".equals(req.getParameter("hide"))));
                s.setAttribute("staff", String.valueOf("true".equals(req.getParameter("staff"))));
                resp.getWriter().print("ok");
            }
        });
        ctx.addServletMappingDecoded("/as", "as");
    }

    private static void filter(Context ctx, String name, Filter f) {
        FilterDef def = new FilterDef();
        def.setFilterName(name);
        def.setFilter(f);
        ctx.addFilterDef(def);
        FilterMap map = new FilterMap();
        map.setFilterName(name);
        map.addURLPattern("/*");
        ctx.addFilterMap(map);
    }

    @AfterAll
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @AfterEach
    void closeClients() {
        clients.forEach(WsClient::close);
        clients.clear();
        Await.until("every socket of the test closed on the server", WsClient.WAIT, () -> server.live().connections() == 0);
    }

    /** Signs in over HTTP and makes one more request, which the filter counts as the user's (hidden or not). */
    String session(String user, String... flags) throws Exception {
        String cookie = server.anonymousSession();
        server.get("/as?user=" + user + (flags.length == 0 ? "" : "&" + String.join("&", flags)), cookie);
        server.get("/anon", cookie); // a request of the signed-in user: counted, hidden or not
        return cookie;
    }

    WsClient subscribed(String cookie, String name) {
        WsClient c = server.connect(cookie, name);
        clients.add(c);
        c.send("{\"type\":\"online\"}");
        return c;
    }

    static List<String> ids(JsonObject online) {
        return online.getJsonArray("users").stream().map(v -> v.asJsonObject().getString("id")).collect(Collectors.toList());
    }

    static JsonObject user(JsonObject online, String id) {
        return online.getJsonArray("users").stream().map(v -> v.asJsonObject())
                .filter(u -> u.getString("id").equals(id)).findFirst().orElse(null);
    }

    /** Moves the ticker a second on and runs the push; the frames come soon after. */
    void nextSecond() {
        clock.advance(Duration.ofSeconds(1));
        server.live().pushOnline();
    }

    @Test
    void answersAtOnceThenPushesASignIn() throws Exception {
        WsClient ann = subscribed(session("ann"), "ann");
        JsonObject first = ann.next("online");
        assertThat(first.getJsonNumber("count").longValue()).isEqualTo(server.online().count());
        assertThat(ids(first)).contains("ann");
        assertThat(user(first, "ann").getString("name")).isEqualTo("ann");
        assertThat(user(first, "ann").getJsonNumber("lastSeen").longValue()).isEqualTo(clock.millis());
        assertThat(first.getInt("guests")).isZero();
        assertThat(first.getInt("robots")).isZero();
        JsonObject record = first.getJsonObject("record");
        assertThat(record.getJsonNumber("count").longValue()).isGreaterThanOrEqualTo(first.getJsonNumber("count").longValue());
        assertThat(record.getJsonNumber("at").longValue()).isPositive();
        long before = first.getJsonNumber("count").longValue();

        // a second subscribe is the same subscription, answered again
        ann.send("{\"type\":\"online\"}");
        assertThat(ids(ann.next("online"))).contains("ann");
        assertThat(server.live().onlineSubscribers()).isEqualTo(1);

        session("bob");
        nextSecond();
        JsonObject pushed = ann.next("online", f -> ids(f).contains("bob"));
        assertThat(pushed.getJsonNumber("count").longValue()).isEqualTo(before + 1);
        assertThat(ids(pushed).get(0)).as("most recent first").isIn("bob", "ann");

        ann.close();
        Await.until("the subscription ended with the socket", WsClient.WAIT,
                () -> server.live().onlineSubscribers() == 0);
    }

    @Test
    void manyChangesMakeOneFrameASecondAndOneComputationPerClass() throws Exception {
        WsClient carl = subscribed(session("carl"), "carl");
        WsClient dora = subscribed(session("dora"), "dora");
        carl.next("online");
        dora.next("online");
        // line the push up with the ticker: a change, a second, one frame
        session("ed");
        nextSecond();
        carl.next("online", f -> ids(f).contains("ed"));
        dora.next("online", f -> ids(f).contains("ed"));

        long computed = server.live().onlineComputations();
        for (int i = 0; i < 20; i++) {
            session("crowd" + i);
            server.live().pushOnline(); // within the same second: nothing is computed nor sent
        }
        assertThat(LiveEndpointITBase.ofType(carl.drainUntilPong(), "online")).as("no frame within the second").isEmpty();
        assertThat(server.live().onlineComputations()).isEqualTo(computed);

        nextSecond();
        JsonObject f = carl.next("online", o -> ids(o).contains("crowd19"));
        assertThat(ids(f)).contains("crowd0", "crowd19", "carl", "dora");
        assertThat(f.getJsonNumber("count").longValue()).isEqualTo(server.online().count());
        assertThat(ids(dora.next("online"))).contains("crowd0", "crowd19");
        for (int i = 0; i < 5; i++) {
            server.live().pushOnline();
        }
        assertThat(LiveEndpointITBase.ofType(carl.drainUntilPong(), "online")).as("one frame in that second").isEmpty();
        assertThat(LiveEndpointITBase.ofType(dora.drainUntilPong(), "online")).as("one frame in that second").isEmpty();
        assertThat(server.live().onlineComputations())
                .as("one computation for both subscribers of the class").isEqualTo(computed + 1);
    }

    @Test
    void hiddenUsersOnlyForStaffAndThemselves() throws Exception {
        String hilda = session("hilda", "hide=true");
        String norma = session("norma");
        String stan = session("stan", "staff=true");
        WsClient normal = subscribed(norma, "norma");
        WsClient staff = subscribed(stan, "stan");
        WsClient herself = subscribed(hilda, "hilda");

        JsonObject seenByNormal = normal.next("online");
        assertThat(ids(seenByNormal)).contains("norma").doesNotContain("hilda");
        assertThat(seenByNormal.toString()).doesNotContain("hilda");
        assertThat(seenByNormal.getJsonNumber("count").longValue()).as("counted all the same")
                .isEqualTo(server.online().count());
        JsonObject seenByStaff = staff.next("online");
        assertThat(user(seenByStaff, "hilda")).isNotNull();
        assertThat(user(seenByStaff, "hilda").getBoolean("hidden")).isTrue();
        assertThat(user(seenByStaff, "stan").containsKey("hidden")).isFalse();
        JsonObject seenByHerself = herself.next("online");
        assertThat(user(seenByHerself, "hilda")).isNotNull();
        assertThat(user(seenByHerself, "hilda").getBoolean("hidden")).isTrue();

        // pushed: the same rule
        session("felix");
        nextSecond();
        JsonObject pushedNormal = normal.next("online", f -> ids(f).contains("felix"));
        assertThat(pushedNormal.toString()).doesNotContain("hilda");
        assertThat(user(staff.next("online", f -> ids(f).contains("felix")), "hilda").getBoolean("hidden")).isTrue();
        assertThat(user(herself.next("online", f -> ids(f).contains("felix")), "hilda").getBoolean("hidden")).isTrue();
    }

    @Test
    void aBadOnlineFrameIsAnErrorAndHarmsNoOne() throws Exception {
        WsClient gus = subscribed(session("gus"), "gus");
        gus.next("online");
        WsClient bad = server.connect(session("hal"), "hal");
        clients.add(bad);
        bad.send("{\"type\":\"online\",");
        assertThat(bad.next("error").getString("code")).isEqualTo(Protocol.BAD_JSON);
        bad.send("{\"type\":\"online\"}");
        assertThat(ids(bad.next("online"))).contains("hal", "gus");
        session("ivy");
        nextSecond();
        assertThat(ids(gus.next("online", f -> ids(f).contains("ivy")))).contains("hal");
    }
}
