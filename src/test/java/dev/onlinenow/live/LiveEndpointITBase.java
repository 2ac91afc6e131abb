package dev.onlinenow.live;

import dev.onlinenow.MutableClock;
import dev.onlinenow.testing.Await;
import dev.onlinenow.testing.Events;
import dev.onlinenow.testing.LiveServer;
import dev.onlinenow.testing.WsClient;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.servlet.ServletContainerInitializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The live endpoint against a real embedded Tomcat and a real WebSocket client; the subclasses
 * run the same tests on Tyrus and on Tomcat's own WebSocket implementation.
 *
 * <p>Time is a {@link MutableClock} that only the tests move, and the cursor tick
 * and the sweep run when a test calls them; so rate limits, heartbeats and timeouts are exact,
 * and nothing waits on wall-clock speed. Ordering is established with ping/pong round trips: the
 * server handles one socket's messages in order, so after a client's {@code pong} everything it
 * sent before has been handled.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class LiveEndpointITBase {

    static final int MAX_MESSAGES = 50;
    static final int MAX_CURSORS = 40;
    static final int MAX_FRAME = 4096;

    final MutableClock clock = new MutableClock();
    LiveServer server;
    final List<WsClient> clients = new ArrayList<>();
    final Events joins = new Events();
    final Events leaves = new Events();
    String room;

    abstract ServletContainerInitializer websocketImplementation();

    /** The classes a container's scan would pass to the initializer (see TyrusLiveIT). */
    abstract Set<Class<?>> handlesTypes();

    /** Adjusts the web app before it starts (see {@link TyrusOnTomcat}). */
    void customize(org.apache.catalina.Context ctx) {
    }

    @BeforeAll
    void startServer() throws Exception {
        server = LiveServer.builder()
                .websocket(websocketImplementation(), handlesTypes())
                .inProcess(b -> b
                        .clock(clock).ticker(clock.ticker())
                        .maxMessagesPerSecond(MAX_MESSAGES)
                        .maxCursorsPerSecond(MAX_CURSORS)
                        .maxRoomsPerConnection(3)
                        .maxConnectionsPerUser(3)
                        .maxFrameBytes(MAX_FRAME)
                        .maxMetaBytes(200)
                        .sendQueueSize(256),
                        live -> live
                                .authorizer((user, room) -> !room.startsWith("secret-") || user.equals("admin"))
                                .autoTick(false))
                .customize(this::customize)
                .start();
        server.live().onJoin((r, p) -> joins.add(r + ":" + p.getId()));
        server.live().onLeave((r, p) -> leaves.add(r + ":" + p.getId()));
    }

    @AfterAll
    void stopServer() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @BeforeEach
    void room(TestInfo info) {
        room = "room-" + info.getTestMethod().orElseThrow().getName();
    }

    @AfterEach
    void closeClients() {
        for (WsClient c : clients) {
            c.close();
        }
        clients.clear();
        Await.until("every socket of the test closed on the server", WsClient.WAIT, () -> server.live().connections() == 0);
    }

    WsClient connect(String user) throws Exception {
        WsClient c = server.connect(server.login(user), user);
        clients.add(c);
        return c;
    }

    WsClient connectAs(String cookie, String name) {
        WsClient c = server.connect(cookie, name);
        clients.add(c);
        return c;
    }

    /** Connects and joins {@link #room}; returns after the {@code state} frame. */
    WsClient joined(String user) throws Exception {
        WsClient c = connect(user);
        c.join(room);
        JsonObject state = c.next("state");
        assertThat(state.getString("self")).isEqualTo(user);
        assertThat(state.getJsonNumber("pingInterval").longValue())
                .as("the pingInterval setting reaches the client").isEqualTo(server.live().settings().pingInterval().toMillis());
        return c;
    }

    static List<String> ids(JsonObject state) {
        return state.getJsonArray("presences").stream().map(v -> v.asJsonObject().getString("id"))
                .collect(Collectors.toList());
    }

    static List<JsonObject> ofType(List<JsonObject> frames, String type) {
        return frames.stream().filter(f -> type.equals(f.getString("type"))).collect(Collectors.toList());
    }

    // --- presence --------------------------------------------------------------------------

    @Test
    void twoUsersSeeEachOtherJoinAndLeave() throws Exception {
        WsClient alice = joined("alice");
        WsClient bob = connect("bob");
        bob.join(room);
        JsonObject state = bob.next("state");
        assertThat(state.getString("room")).isEqualTo(room);
        assertThat(ids(state)).containsExactly("alice", "bob");
        JsonObject alicePresence = state.getJsonArray("presences").getJsonObject(0);
        assertThat(alicePresence.getString("name")).isEqualTo("alice");
        assertThat(alicePresence.getInt("connections")).isEqualTo(1);
        assertThat(alicePresence.getJsonNumber("joinedAt").longValue()).isEqualTo(clock.millis());

        JsonObject join = alice.next("join");
        assertThat(join.getString("room")).isEqualTo(room);
        assertThat(join.getJsonObject("presence").getString("id")).isEqualTo("bob");
        assertThat(ofType(bob.drainUntilPong(), "join")).as("no join of oneself").isEmpty();

        assertThat(server.live().count(room)).isEqualTo(2);
        assertThat(server.live().rooms()).contains(room);
        assertThat(server.live().list(room)).extracting(Presence::getId).containsExactly("alice", "bob");
        joins.awaitAll(List.of(room + ":alice", room + ":bob"), WsClient.WAIT);

        bob.send("{\"type\":\"leave\",\"room\":\"" + room + "\"}");
        JsonObject leave = alice.next("leave");
        assertThat(leave.getString("id")).isEqualTo("bob");
        assertThat(server.live().count(room)).isEqualTo(1);
        leaves.awaitAll(List.of(room + ":bob"), WsClient.WAIT);
        assertThat(leaves.contains(room + ":alice")).as("alice did not leave").isFalse();

        // closing the socket leaves too
        WsClient carol = joined("carol");
        alice.next("join");
        carol.close();
        assertThat(alice.next("leave").getString("id")).isEqualTo("carol");
    }

    @Test
    void twoTabsOfOneUserAreOnePresence() throws Exception {
        WsClient bob = joined("bob");
        String aliceCookie = server.login("alice");
        WsClient tab1 = connectAs(aliceCookie, "alice-tab1");
        tab1.join(room);
        tab1.next("state");
        assertThat(bob.next("join").getJsonObject("presence").getString("id")).isEqualTo("alice");

        WsClient tab2 = connectAs(aliceCookie, "alice-tab2");
        tab2.join(room);
        JsonObject state = tab2.next("state");
        assertThat(ids(state)).containsExactly("bob", "alice");
        assertThat(server.live().presence(room, "alice").getConnections()).isEqualTo(2);
        assertThat(ofType(bob.drainUntilPong(), "join")).as("no second join for a second tab").isEmpty();

        tab1.close();
        Await.until("the first tab closed on the server", WsClient.WAIT, () -> server.live().connectionsOf("alice") == 1);
        assertThat(ofType(bob.drainUntilPong(), "leave")).as("no leave while a tab remains").isEmpty();
        assertThat(server.live().count(room)).isEqualTo(2);

        tab2.close();
        assertThat(bob.next("leave").getString("id")).isEqualTo("alice");
        assertThat(server.live().count(room)).isEqualTo(1);
    }

    @Test
    void aStepOfTheWallClockDropsNobody() throws Exception {
        WsClient alice = joined("alice");
        WsClient bob = joined("bob");
        alice.next("join");
        alice.cursor(room, 1, 2);
        alice.drainUntilPong();
        server.live().flushCursors();
        bob.next("cursors");

        // NTP sets the wall clock two hours forward, and later back: no time passed
        clock.step(Duration.ofHours(2));
        server.live().tick();
        clock.step(Duration.ofHours(-2));
        server.live().tick();

        assertThat(server.live().count(room)).isEqualTo(2);
        assertThat(server.live().cursors(room)).extracting(Cursor::getId).containsExactly("alice");
        assertThat(alice.drainUntilPong()).noneMatch(f -> "leave".equals(f.getString("type")));
        assertThat(bob.drainUntilPong()).noneMatch(f -> "leave".equals(f.getString("type")));
        assertThat(alice.isClosed()).isFalse();
    }

    @Test
    void aRoomWaitingForItsStoreDelaysNoOtherRoom() throws Exception {
        // two rooms on the same shard (one thread): the store never answers a join of one of them
        StuckRoomBackend backend = new StuckRoomBackend("stuck-" + room);
        MutableClock c = new MutableClock();
        try (LiveServer s = LiveServer.builder()
                .websocket(websocketImplementation(), handlesTypes())
                .inProcess(b -> b.clock(c).ticker(c.ticker()), live -> live.backend(backend).autoTick(false))
                .customize(this::customize)
                .start()) {
            String free = sameShardAs(s.live(), backend.stuckRoom);
            WsClient carol = s.connectAs("carol");
            WsClient alice = s.connectAs("alice");
            WsClient bob = s.connectAs("bob");
            try {
                carol.join(backend.stuckRoom); // waits for the store, which does not answer
                carol.drainUntilPong();
                alice.join(free);
                alice.next("state");
                bob.join(free);
                assertThat(ids(bob.next("state"))).containsExactly("alice", "bob");
                alice.next("join");
                alice.cursor(free, 3, 4);
                alice.send("{\"type\":\"meta\",\"room\":\"" + free + "\",\"meta\":{\"tool\":\"pen\"}}");
                alice.drainUntilPong();
                assertThat(bob.next("meta").getJsonObject("presence").getJsonObject("meta").getString("tool")).isEqualTo("pen");
                s.live().flushCursors();
                assertThat(bob.next("cursors").getJsonArray("cursors").getJsonObject(0).getString("id")).isEqualTo("alice");
                assertThat(s.live().count(free)).isEqualTo(2);
                assertThat(s.live().count(backend.stuckRoom)).as("carol's join has not landed").isZero();

                backend.release.complete(null);
                assertThat(ids(carol.next("state"))).containsExactly("carol");
                assertThat(s.live().count(backend.stuckRoom)).isEqualTo(1);
            } finally {
                carol.close();
                alice.close();
                bob.close();
            }
        }
    }

    /** A room name that the live layer puts on the same shard (thread) as {@code room}. */
    private static String sameShardAs(LivePresence live, String room) {
        for (int i = 0; ; i++) {
            String candidate = "free-" + i;
            if (live.shardOf(candidate) == live.shardOf(room)) {
                return candidate;
            }
        }
    }

    @Test
    void containerAuthenticatedUsersAreTheirPrincipal() throws Exception {
        // a web app whose endpoint is behind BASIC authentication: no session attribute at all,
        // the id comes from the handshake's principal (userId "session:user,principal")
        try (LiveServer secured = LiveServer.builder()
                .websocket(websocketImplementation(), handlesTypes())
                .inProcess(b -> b.clock(new MutableClock())
                                .userId(dev.onlinenow.UserIdSource.parse("session:user,principal")),
                        live -> live.authorizer(RoomAuthorizer.ALLOW_ALL).autoTick(false))
                .customize(ctx -> {
                    customize(ctx);
                    requireBasicAuthentication(ctx);
                })
                .start()) {
            WsClient carol = WsClient.connect(secured.http(), secured.wsUri(), secured.origin(), null, basic("carol"), "carol");
            WsClient dave = WsClient.connect(secured.http(), secured.wsUri(), secured.origin(), null, basic("dave"), "dave");
            try {
                carol.join(room);
                assertThat(carol.next("state").getString("self")).isEqualTo("carol");
                dave.join(room);
                JsonObject state = dave.next("state");
                assertThat(state.getString("self")).isEqualTo("dave");
                assertThat(ids(state)).containsExactly("carol", "dave");
                assertThat(carol.next("join").getJsonObject("presence").getString("id")).isEqualTo("dave");
                assertThat(secured.online().isOnline("carol")).as("a live connection counts as activity").isTrue();
            } finally {
                carol.close();
                dave.close();
            }
            // without credentials the container refuses the upgrade itself (401): no socket at all
            assertThatThrownBy(() -> WsClient.connect(secured.http(), secured.wsUri(), secured.origin(), null, null, "eve"))
                    .hasStackTraceContaining(java.net.http.WebSocketHandshakeException.class.getName())
                    .hasStackTraceContaining("401");
            Await.untilAsserted(() -> assertThat(secured.live().connections()).as("carol's and dave's closed, eve's never opened")
                    .isZero());
        }
    }

    private static String basic(String user) {
        return "Basic " + java.util.Base64.getEncoder().encodeToString((user + ":secret").getBytes(
                java.nio.charset.StandardCharsets.UTF_8));
    }

    /** web.xml's security-constraint + login-config BASIC, and a realm where every password is "secret". */
    private static void requireBasicAuthentication(org.apache.catalina.Context ctx) {
        ctx.setRealm(new org.apache.catalina.realm.RealmBase() {
            @Override
            protected String getPassword(String username) {
                return "secret";
            }

            @Override
            protected java.security.Principal getPrincipal(String username) {
                return new org.apache.catalina.realm.GenericPrincipal(username, List.of("member"));
            }
        });
        org.apache.tomcat.util.descriptor.web.SecurityConstraint constraint =
                new org.apache.tomcat.util.descriptor.web.SecurityConstraint();
        constraint.addAuthRole("member");
        org.apache.tomcat.util.descriptor.web.SecurityCollection all =
                new org.apache.tomcat.util.descriptor.web.SecurityCollection();
        all.addPatternDecoded("/*");
        constraint.addCollection(all);
        ctx.addConstraint(constraint);
        ctx.addSecurityRole("member");
        org.apache.tomcat.util.descriptor.web.LoginConfig login = new org.apache.tomcat.util.descriptor.web.LoginConfig();
        login.setAuthMethod("BASIC");
        login.setRealmName("live");
        ctx.setLoginConfig(login);
        ctx.getPipeline().addValve(new org.apache.catalina.authenticator.BasicAuthenticator());
    }

    @Test
    void aSecondTabJoiningWithoutMetaKeepsTheUsersMeta() throws Exception {
        WsClient bob = joined("bob");
        String aliceCookie = server.login("alice");
        WsClient tab1 = connectAs(aliceCookie, "alice-tab1");
        tab1.send("{\"type\":\"join\",\"room\":\"" + room + "\",\"meta\":{\"status\":\"drawing\"}}");
        tab1.next("state");
        bob.next("join");

        WsClient tab2 = connectAs(aliceCookie, "alice-tab2");
        tab2.join(room);
        JsonObject state = tab2.next("state");
        JsonObject alice = state.getJsonArray("presences").getValuesAs(JsonObject.class).stream()
                .filter(p -> p.getString("id").equals("alice")).findFirst().orElseThrow();
        assertThat(alice.getJsonObject("meta").getString("status")).isEqualTo("drawing");
        assertThat(server.live().presence(room, "alice").getMeta().getString("status")).isEqualTo("drawing");
        assertThat(ofType(bob.drainUntilPong(), "meta")).as("nothing changed, nothing to tell").isEmpty();
    }

    @Test
    void metaIsSizeLimitedAndCannotSetServerFields() throws Exception {
        WsClient alice = joined("alice");
        WsClient bob = joined("bob");
        alice.next("join");
        bob.send("{\"type\":\"meta\",\"room\":\"" + room + "\",\"meta\":{\"away\":true,\"id\":\"admin\",\"name\":\"Admin\"}}");
        JsonObject meta = alice.next("meta").getJsonObject("presence");
        assertThat(meta.getString("id")).isEqualTo("bob");
        assertThat(meta.getString("name")).isEqualTo("bob");
        assertThat(meta.getJsonObject("meta")).isEqualTo(Json.createObjectBuilder().add("away", true).build());
        assertThat(server.live().presence(room, "bob").getMeta().getBoolean("away")).isTrue();

        bob.send("{\"type\":\"meta\",\"room\":\"" + room + "\",\"meta\":{\"note\":\"" + "x".repeat(300) + "\"}}");
        JsonObject error = bob.next("error");
        assertThat(error.getString("code")).isEqualTo("meta_too_large");
        assertThat(server.live().presence(room, "bob").getMeta().getBoolean("away")).isTrue();
        assertThat(ofType(alice.drainUntilPong(), "meta")).isEmpty();
    }

    @Test
    void aSlowListenerDelaysNoRoomAndListenersHearEventsInOrder() throws Exception {
        String listened = "listened-" + room;
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        List<String> heard = java.util.Collections.synchronizedList(new ArrayList<>());
        Set<String> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
        server.live().onJoin((r, p) -> {
            if (r.equals(listened)) {
                threads.add(Thread.currentThread().getName());
                heard.add("join " + p.getId());
                try {
                    release.await(WsClient.WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS); // a slow listener
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        server.live().onLeave((r, p) -> {
            if (r.equals(listened)) {
                threads.add(Thread.currentThread().getName());
                heard.add("leave " + p.getId());
            }
        });
        try {
            WsClient ann = connect("ann");
            ann.join(listened);
            ann.next("state");
            Await.until("the listener to be called", WsClient.WAIT, () -> heard.size() == 1);
            // while it is stuck in ann's join: the same room and another one carry on
            WsClient bob = connect("bob");
            bob.join(listened);
            bob.next("state");
            assertThat(ann.next("join").getJsonObject("presence").getString("id")).isEqualTo("bob");
            WsClient cid = joined("cid");
            bob.leave(listened);
            assertThat(ann.next("leave").getString("id")).isEqualTo("bob");
            assertThat(cid.drainUntilPong()).isEmpty();
            assertThat(heard).as("still held by the first call").containsExactly("join ann");

            release.countDown();
            Await.until("the listeners to catch up", WsClient.WAIT, () -> heard.size() == 3);
            assertThat(heard).as("in the order of the events").containsExactly("join ann", "join bob", "leave bob");
            assertThat(threads).as("the live layer's events thread, not a room's or a socket's")
                    .allMatch(n -> n.startsWith("online-now-live-events"));
        } finally {
            release.countDown();
        }
    }

    /** The container's HttpSession behind a {@code JSESSIONID=...} cookie. */
    org.apache.catalina.Session httpSession(String cookie) throws Exception {
        String id = cookie.substring(cookie.indexOf('=') + 1).split(";")[0].trim();
        org.apache.catalina.Session s = server.context().getManager().findSession(id);
        assertThat(s).as("the session of " + cookie).isNotNull();
        return s;
    }

    @Test
    void workOnASocketKeepsTheHttpSessionAliveAndPingsAloneDoNot() throws Exception {
        // the sessions' last access is the container's wall clock: line the test's clock up with it
        clock.set(java.time.Instant.now());
        String workerCookie = server.login("worker");
        String idlerCookie = server.login("idler");
        WsClient worker = connectAs(workerCookie, "worker");
        WsClient idler = connectAs(idlerCookie, "idler");
        worker.join(room);
        worker.next("state");
        idler.join(room);
        idler.next("state");
        int interval = httpSession(workerCookie).getMaxInactiveInterval();
        assertThat(httpSession(idlerCookie).getMaxInactiveInterval()).isEqualTo(interval).isPositive();

        clock.advance(Duration.ofSeconds(90)); // no HTTP request meanwhile
        worker.cursor(room, 0.25, 0.75); // work
        worker.drainUntilPong();
        idler.drainUntilPong(); // a ping only, as an open tab in the background sends
        server.live().sweep();

        assertThat(httpSession(workerCookie).getMaxInactiveInterval())
                .as("stretched to end its own interval after the last action on the socket")
                .isBetween(interval + 85, interval + 95);
        assertThat(httpSession(idlerCookie).getMaxInactiveInterval()).as("pings keep nothing alive")
                .isEqualTo(interval);
        assertThat(server.live().count(room)).as("both still connected").isEqualTo(2);
    }

    @Test
    void heartbeatTimeoutDropsASilentConnection() throws Exception {
        WsClient alice = joined("alice");
        WsClient bob = joined("bob");
        alice.next("join");

        clock.advance(Duration.ofSeconds(59));
        bob.drainUntilPong();
        server.live().sweep();
        assertThat(server.live().count(room)).as("59 s of silence is fine").isEqualTo(2);

        clock.advance(Duration.ofSeconds(2));
        bob.drainUntilPong(); // bob spoke 2 s ago, alice 61 s ago
        server.live().sweep();

        WsClient.Closed closed = alice.awaitClose();
        assertThat(closed.code()).isEqualTo(1001);
        assertThat(closed.reason()).isEqualTo("heartbeat timeout");
        assertThat(bob.next("leave").getString("id")).isEqualTo("alice");
        assertThat(server.live().list(room)).extracting(Presence::getId).containsExactly("bob");
    }

    @Test
    void foreignOriginIsRefused() throws Exception {
        String cookie = server.login("mallory");
        WsClient evil = server.connect("http://evil.example", cookie, "evil");
        clients.add(evil);
        WsClient.Closed closed = evil.awaitClose();
        assertThat(closed.code()).isEqualTo(1008);
        assertThat(closed.reason()).isEqualTo("origin not allowed");

        WsClient noOrigin = server.connect(null, cookie, "no-origin");
        clients.add(noOrigin);
        assertThat(noOrigin.awaitClose().code()).isEqualTo(1008);

        WsClient otherPort = server.connect("http://localhost:1", cookie, "other-port");
        clients.add(otherPort);
        assertThat(otherPort.awaitClose().reason()).isEqualTo("origin not allowed");
        assertThat(server.live().connectionsOf("mallory")).isZero();
    }

    @Test
    void missingIdentityIsRefused() throws Exception {
        WsClient anonymous = connectAs(server.anonymousSession(), "anonymous");
        WsClient.Closed closed = anonymous.awaitClose();
        assertThat(closed.code()).isEqualTo(1008);
        assertThat(closed.reason()).isEqualTo("no identity");

        WsClient noCookie = connectAs(null, "no-cookie");
        assertThat(noCookie.awaitClose()).isEqualTo(new WsClient.Closed(1008, "no identity"));
    }

    @Test
    void unauthorizedRoomIsRefused() throws Exception {
        WsClient alice = connect("alice");
        alice.join("secret-" + room);
        JsonObject error = alice.next("error");
        assertThat(error.getString("code")).isEqualTo("forbidden");
        assertThat(error.getString("ref")).isEqualTo("join");
        assertThat(error.getString("room")).as("the refused room, so a client can tell which").isEqualTo("secret-" + room);
        assertThat(server.live().count("secret-" + room)).isZero();

        WsClient admin = connect("admin");
        admin.join("secret-" + room);
        assertThat(ids(admin.next("state"))).containsExactly("admin");
        assertThat(ofType(alice.drainUntilPong(), "join")).as("alice is not in the room").isEmpty();
    }

    @Test
    void logoutClosesTheSocketsOfThatSession() throws Exception {
        WsClient bob = joined("bob");
        String cookie = server.login("alice");
        WsClient tab1 = connectAs(cookie, "alice-1");
        WsClient tab2 = connectAs(cookie, "alice-2");
        tab1.join(room);
        tab1.next("state");
        bob.next("join");

        server.logout(cookie);
        assertThat(tab1.awaitClose()).isEqualTo(new WsClient.Closed(1008, "session ended"));
        assertThat(tab2.awaitClose()).isEqualTo(new WsClient.Closed(1008, "session ended"));
        assertThat(bob.next("leave").getString("id")).isEqualTo("alice");

        WsClient again = connectAs(cookie, "alice-after-logout");
        assertThat(again.awaitClose().code()).as("the old cookie no longer identifies alice").isEqualTo(1008);
    }

    @Test
    void aSignOutThatOnlyRemovesTheSessionAttributeClosesThatSessionsSockets() throws Exception {
        WsClient bob = joined("bob");
        String cookie = server.login("alice");
        WsClient tab = connectAs(cookie, "alice-tab");
        tab.join(room);
        tab.next("state");
        bob.next("join");

        assertThat(server.get("/signout", cookie)).isEqualTo("signed out");
        assertThat(tab.awaitClose()).isEqualTo(new WsClient.Closed(1008, "session ended"));
        assertThat(bob.next("leave").getString("id")).isEqualTo("alice");
        assertThat(bob.isClosed()).as("another user's session is not touched").isFalse();
        WsClient again = connectAs(cookie, "alice-after-signout");
        assertThat(again.awaitClose()).as("the kept session no longer identifies alice")
                .isEqualTo(new WsClient.Closed(1008, "no identity"));
    }

    @Test
    void aServerAtItsLimitsRefusesTheNextOneClearlyAndKeepsServingTheRest() throws Exception {
        MutableClock c = new MutableClock();
        try (LiveServer s = LiveServer.builder()
                .websocket(websocketImplementation(), handlesTypes())
                .inProcess(b -> b.clock(c).ticker(c.ticker()).maxConnections(3).maxRooms(2).maxMembersPerRoom(2)
                        .maxMetaPerSecond(2), live -> live.autoTick(false))
                .customize(this::customize)
                .start()) {
            WsClient a = s.connectAs("ann");
            WsClient b = s.connectAs("ben");
            WsClient d = s.connectAs("dee");
            try {
                a.drainUntilPong();
                b.drainUntilPong();
                d.drainUntilPong();
                try (WsClient fourth = s.connectAs("eve")) {
                    assertThat(fourth.awaitClose()).as("connections per server")
                            .isEqualTo(new WsClient.Closed(1008, "server full"));
                }

                a.join("r1");
                a.next("state");
                a.join("r2");
                a.next("state");
                a.join("r3");
                JsonObject full = a.next("error");
                assertThat(full.getString("code")).as("rooms per server").isEqualTo("server_full");
                assertThat(full.getString("room")).isEqualTo("r3");
                assertThat(s.live().localRooms()).isEqualTo(2);

                b.join("r1");
                assertThat(ids(b.next("state"))).containsExactly("ann", "ben");
                d.join("r1");
                assertThat(d.next("error").getString("code")).as("members per room").isEqualTo("room_full");
                assertThat(s.live().count("r1")).isEqualTo(2);
                a.next("join");

                // meta: two a second in a room, then refused (the ticker stands still)
                for (int i = 0; i < 3; i++) {
                    a.send("{\"type\":\"meta\",\"room\":\"r1\",\"meta\":{\"n\":" + i + "}}");
                }
                JsonObject limited = a.next("error");
                assertThat(limited.getString("code")).isEqualTo("rate_limited");
                assertThat(limited.getString("room")).isEqualTo("r1");
                // the two let through reach the other member from the room's thread: wait for them
                b.next("meta");
                b.next("meta");
                assertThat(ofType(b.drainUntilPong(), "meta")).as("the other member got two meta changes, no third")
                        .isEmpty();

                // a join of a room already joined: the joiner gets the room again, nobody else hears of it
                a.join("r1");
                assertThat(ids(a.next("state"))).containsExactly("ann", "ben");
                assertThat(b.drainUntilPong()).isEmpty();

                // and the rest is served: the first room freed lets the refused join through
                a.leave("r2");
                // r2's leave runs on its own room's thread, maybe not r3's
                Await.until("r2 to be left", WsClient.WAIT, () -> s.live().localRooms() == 1);
                a.join("r3");
                assertThat(a.next("state").getString("room")).isEqualTo("r3");
                assertThat(d.drainUntilPong()).isEmpty();
            } finally {
                a.close();
                b.close();
                d.close();
            }
        }
    }

    @Test
    void tooManyConnectionsOfOneUserAreRefused() throws Exception {
        String cookie = server.login("alice");
        for (int i = 0; i < 3; i++) {
            connectAs(cookie, "tab" + i).drainUntilPong();
        }
        WsClient fourth = connectAs(cookie, "tab4");
        assertThat(fourth.awaitClose()).isEqualTo(new WsClient.Closed(1008, "too many connections"));
        assertThat(server.live().connectionsOf("alice")).isEqualTo(3);
    }

    // --- bad input ----------------------------------------------------------------------------

    @Test
    void badMessagesGetErrorsAndTheConnectionStaysUsable() throws Exception {
        WsClient alice = joined("alice");
        WsClient bob = joined("bob");
        alice.next("join");

        Map<String, String> cases = Map.ofEntries(
                Map.entry("{not json", "bad_json"),
                Map.entry("[1,2,3]", "bad_message"),
                Map.entry("{\"room\":\"x\"}", "bad_message"),
                Map.entry("{\"type\":42}", "bad_message"),
                Map.entry("{\"type\":\"dance\"}", "unknown_type"),
                Map.entry("{\"type\":\"join\"}", "bad_message"),
                Map.entry("{\"type\":\"join\",\"room\":\"\"}", "bad_message"),
                Map.entry("{\"type\":\"join\",\"room\":{\"a\":1}}", "bad_message"),
                Map.entry("{\"type\":\"join\",\"room\":\"r\",\"meta\":[1]}", "bad_message"),
                Map.entry("{\"type\":\"leave\",\"room\":\"nowhere\"}", "not_joined"),
                Map.entry("{\"type\":\"meta\",\"room\":\"nowhere\",\"meta\":{}}", "not_joined"),
                Map.entry("{\"type\":\"cursor\",\"room\":\"nowhere\",\"x\":1,\"y\":2}", "not_joined"));
        for (Map.Entry<String, String> c : cases.entrySet()) {
            bob.send(c.getKey());
            JsonObject error = bob.next("error");
            assertThat(error.getString("code")).as(c.getKey()).isEqualTo(c.getValue());
            assertThat(error.getString("message")).as(c.getKey()).isNotBlank();
        }
        bob.send("{\"type\":\"dance\"}");
        JsonObject unknown = bob.next("error");
        assertThat(unknown.getString("ref")).isEqualTo("dance");

        // still in the room, still heard
        bob.send("{\"type\":\"meta\",\"room\":\"" + room + "\",\"meta\":{\"away\":false}}");
        assertThat(alice.next("meta").getJsonObject("presence").getString("id")).isEqualTo("bob");
        assertThat(server.live().count(room)).isEqualTo(2);
    }

    @Test
    void tooManyRoomsPerConnection() throws Exception {
        WsClient alice = connect("alice");
        for (int i = 0; i < 3; i++) {
            alice.join(room + i);
            alice.next("state");
        }
        alice.join(room + 3);
        assertThat(alice.next("error").getString("code")).isEqualTo("too_many_rooms");
        alice.send("{\"type\":\"leave\",\"room\":\"" + room + "0\"}");
        alice.join(room + 3);
        assertThat(alice.next("state").getString("room")).isEqualTo(room + 3);
    }

    @Test
    void hugeFrameIsClosedWith1009AndOthersCarryOn() throws Exception {
        WsClient alice = joined("alice");
        WsClient bob = joined("bob");
        alice.next("join");
        bob.send("{\"type\":\"ping\",\"pad\":\"" + "x".repeat(MAX_FRAME * 4) + "\"}");
        assertThat(bob.awaitClose().code()).isEqualTo(1009);
        assertThat(alice.next("leave").getString("id")).isEqualTo("bob");
        assertThat(alice.drainUntilPong()).isEmpty();
    }

    @Test
    void aMessageInSeveralFramesAndOneLargerThanTheContainerBufferArriveWhole() throws Exception {
        WsClient alice = connect("alice");
        alice.sendInFrames("{\"type\":\"jo", "in\",\"room\":", "\"" + room + "\"}");
        assertThat(alice.next("state").getString("room")).isEqualTo(room);
        // over the 1,024 chars the container buffers per socket, under maxFrameBytes
        String pad = "é".repeat(TextFrames.CONTAINER_BUFFER_CHARS + 100);
        alice.send("{\"type\":\"ping\",\"pad\":\"" + pad + "\"}");
        alice.next("pong");
        assertThat(alice.isClosed()).isFalse();
    }

    @Test
    void framesThatTogetherPassTheLimitAreClosedWith1009() throws Exception {
        WsClient alice = joined("alice");
        WsClient bob = joined("bob");
        alice.next("join");
        String part = "x".repeat(MAX_FRAME / 4);
        bob.sendInFramesUntilClosed("{\"type\":\"ping\",\"pad\":\"", part, part, part, part, "\"}");
        assertThat(bob.awaitClose().code()).isEqualTo(1009);
        assertThat(alice.next("leave").getString("id")).isEqualTo("bob");
    }

    @Test
    void binaryFrameIsClosedWith1003AndOthersCarryOn() throws Exception {
        WsClient alice = joined("alice");
        WsClient bob = joined("bob");
        alice.next("join");
        bob.sendBinary(new byte[] {1, 2, 3});
        assertThat(bob.awaitClose().code()).isEqualTo(1003);
        assertThat(alice.next("leave").getString("id")).isEqualTo("bob");
        assertThat(alice.drainUntilPong()).isEmpty();
    }

    @Test
    void aFloodIsRateLimitedThenClosedWhileOthersCarryOn() throws Exception {
        WsClient alice = joined("alice");
        WsClient bob = joined("bob");
        alice.next("join");
        // the clock stands still: bob has MAX_MESSAGES tokens (the join took one), then 2 * MAX_MESSAGES strikes
        for (int i = 0; i < MAX_MESSAGES - 2; i++) {
            bob.send("{\"type\":\"ping\"}");
        }
        for (int i = 0; i < MAX_MESSAGES - 2; i++) {
            bob.next("pong");
        }
        bob.send("{\"type\":\"meta\",\"room\":\"" + room + "\",\"meta\":{\"n\":1}}");
        assertThat(alice.next("meta").getJsonObject("presence").getJsonObject("meta").getInt("n")).isEqualTo(1);
        bob.send("{\"type\":\"meta\",\"room\":\"" + room + "\",\"meta\":{\"n\":2}}");
        JsonObject limited = bob.next("error");
        assertThat(limited.getString("code")).isEqualTo("rate_limited");
        assertThat(server.live().presence(room, "bob").getMeta().getInt("n")).as("refused, not applied").isEqualTo(1);

        List<JsonObject> errorsBefore = new ArrayList<>();
        try {
            for (int i = 0; i < 3 * MAX_MESSAGES && !bob.isClosed(); i++) {
                bob.send("{\"type\":\"ping\"}");
            }
        } catch (CompletionException sendFailedAfterClose) {
            // the server closed while we were still sending: that is the point
        }
        WsClient.Closed closed = bob.awaitClose();
        assertThat(closed).isEqualTo(new WsClient.Closed(1008, "rate limit exceeded"));
        bob.drainReceivedTo(errorsBefore);
        assertThat(ofType(errorsBefore, "error")).as("no error spam: at most one a second").hasSizeLessThanOrEqualTo(1);
        assertThat(ofType(errorsBefore, "pong")).isEmpty();

        assertThat(alice.next("leave").getString("id")).isEqualTo("bob");
        WsClient carol = joined("carol");
        assertThat(alice.next("join").getJsonObject("presence").getString("id")).isEqualTo("carol");
        assertThat(carol.drainUntilPong()).isEmpty();
    }

    @Test
    void aClientTooSlowToReadIsClosedAndOthersCarryOn() throws Exception {
        WsClient alice = joined("alice");
        WsClient slow = connect("slowpoke");
        slow.join("slow-" + room);
        slow.next("state");
        slow.stopReading();
        String big = "y".repeat(16 * 1024);
        // bounded: 2000 frames of 16 KB are far beyond socket buffers plus a 256-frame queue
        for (int i = 0; i < 2000 && server.live().connectionsOf("slowpoke") > 0; i++) {
            server.live().broadcast("slow-" + room, "blob", Map.of("i", i, "data", big));
        }
        Await.until("the slow client is dropped", WsClient.WAIT, () -> server.live().connectionsOf("slowpoke") == 0);
        // its leave runs on the room's own thread, right after the drop
        Await.until("the dropped client to leave its room", WsClient.WAIT,
                () -> server.live().count("slow-" + room) == 0);

        server.live().broadcast(room, "still-there", Map.of("ok", true));
        JsonObject event = alice.next("event");
        assertThat(event.getString("event")).isEqualTo("still-there");
        assertThat(event.getJsonObject("payload").getBoolean("ok")).isTrue();
    }

    // --- the server-side API ------------------------------------------------------------------

    @Test
    void broadcastReachesEveryoneInTheRoomOnly() throws Exception {
        WsClient alice = joined("alice");
        WsClient bob = joined("bob");
        WsClient elsewhere = connect("carol");
        elsewhere.join("other-" + room);
        elsewhere.next("state");

        server.live().broadcast(room, "saved", Map.of("by", "alice", "version", 7));
        for (WsClient c : List.of(alice, bob)) {
            JsonObject e = c.next("event");
            assertThat(e.getString("room")).isEqualTo(room);
            assertThat(e.getString("event")).isEqualTo("saved");
            assertThat(e.getJsonObject("payload").getInt("version")).isEqualTo(7);
        }
        assertThat(ofType(elsewhere.drainUntilPong(), "event")).isEmpty();
        assertThatThrownBy(() -> server.live().broadcast(room, "", Map.of())).isInstanceOf(IllegalArgumentException.class);
    }

    // --- cursors ------------------------------------------------------------------------------

    @Test
    void cursorMovesReachOthersButNeverTheMover() throws Exception {
        WsClient alice = joined("alice");
        WsClient bob = joined("bob");
        alice.next("join");
        bob.cursor(room, 10.5, -20);
        bob.drainUntilPong();
        server.live().flushCursors();

        JsonObject frame = alice.next("cursors");
        assertThat(frame.getString("room")).isEqualTo(room);
        assertThat(frame.getJsonArray("cursors")).hasSize(1);
        JsonObject c = frame.getJsonArray("cursors").getJsonObject(0);
        assertThat(c.getString("id")).isEqualTo("bob");
        assertThat(c.getJsonNumber("x").doubleValue()).isEqualTo(10.5);
        assertThat(c.getJsonNumber("y").doubleValue()).isEqualTo(-20.0);
        assertThat(ofType(bob.drainUntilPong(), "cursors")).as("never echoed").isEmpty();

        // a newcomer gets the cursors in its state, without its own
        WsClient carol = connect("carol");
        carol.join(room);
        JsonObject state = carol.next("state");
        assertThat(state.getJsonArray("cursors")).hasSize(1);
        assertThat(state.getJsonArray("cursors").getJsonObject(0).getString("id")).isEqualTo("bob");
        assertThat(server.live().cursors(room)).extracting(Cursor::getId).containsExactly("bob");
    }

    @Test
    void manyMovesWithinOneTickArriveAsOneFrameWithTheLastPosition() throws Exception {
        WsClient alice = joined("alice");
        WsClient bob = joined("bob");
        WsClient carol = joined("carol");
        alice.next("join");
        alice.next("join");
        bob.next("join");
        for (int i = 1; i <= 30; i++) {
            bob.cursor(room, i, i * 2);
            if (i % 10 == 0) {
                carol.cursor(room, -i, 0.25);
            }
        }
        bob.drainUntilPong();
        carol.drainUntilPong();
        long before = server.live().framesSent();
        server.live().flushCursors();

        // the flush hands the frames to the room's thread, which queues them to each socket: wait
        // for the frame itself, then check that no second one follows it
        JsonObject seen = alice.next("cursors");
        Map<String, JsonObject> byId = seen.getJsonArray("cursors").stream().map(v -> v.asJsonObject())
                .collect(Collectors.toMap(o -> o.getString("id"), o -> o));
        assertThat(byId.keySet()).containsExactlyInAnyOrder("bob", "carol");
        assertThat(byId.get("bob").getJsonNumber("x").doubleValue()).isEqualTo(30.0);
        assertThat(byId.get("bob").getJsonNumber("y").doubleValue()).isEqualTo(60.0);
        assertThat(byId.get("carol").getJsonNumber("x").doubleValue()).isEqualTo(-30.0);

        JsonObject bobSees = bob.next("cursors");
        assertThat(bobSees.getJsonArray("cursors")).extracting(v -> v.asJsonObject().getString("id"))
                .containsExactly("carol");
        carol.next("cursors");
        Await.untilAsserted(() ->
                assertThat(server.live().framesSent() - before).as("one frame per recipient").isEqualTo(3));
        assertThat(ofType(alice.drainUntilPong(), "cursors")).as("all the moves in that one frame").isEmpty();
        assertThat(ofType(bob.drainUntilPong(), "cursors")).as("all the moves in that one frame").isEmpty();
        assertThat(server.live().framesSent() - before).as("and nothing after it").isEqualTo(3);
    }

    @Test
    void cursorsAboveTheRateAreDroppedSilently() throws Exception {
        WsClient alice = joined("alice");
        WsClient bob = joined("bob");
        alice.next("join");
        // the clock stands still: only the first MAX_CURSORS moves are taken
        for (int i = 1; i <= MAX_CURSORS + 10; i++) {
            bob.cursor(room, i, i);
        }
        assertThat(ofType(bob.drainUntilPong(), "error")).as("no error for dropped cursors").isEmpty();
        server.live().flushCursors();
        JsonObject c = alice.next("cursors").getJsonArray("cursors").getJsonObject(0);
        assertThat(c.getJsonNumber("x").doubleValue()).isEqualTo(MAX_CURSORS);

        clock.advance(Duration.ofSeconds(1));
        bob.cursor(room, 999, 999);
        bob.drainUntilPong();
        server.live().flushCursors();
        assertThat(alice.next("cursors").getJsonArray("cursors").getJsonObject(0).getJsonNumber("x").doubleValue())
                .isEqualTo(999.0);
    }

    @Test
    void cursorTimesOutAndLeavesWithItsUser() throws Exception {
        WsClient alice = joined("alice");
        WsClient bob = joined("bob");
        alice.next("join");
        bob.cursor(room, 1, 2);
        bob.drainUntilPong();
        server.live().flushCursors();
        alice.next("cursors");

        clock.advance(Duration.ofSeconds(9));
        bob.drainUntilPong();
        alice.drainUntilPong();
        server.live().tick();
        assertThat(ofType(alice.drainUntilPong(), "cursors")).as("9 s still shown").isEmpty();

        clock.advance(Duration.ofSeconds(2));
        server.live().tick();
        JsonObject gone = alice.next("cursors").getJsonArray("cursors").getJsonObject(0);
        assertThat(gone).isEqualTo(Json.createObjectBuilder().add("id", "bob").add("gone", true).build());
        assertThat(server.live().cursors(room)).isEmpty();

        // a user's cursor goes when they leave (clients drop it on the leave frame)
        bob.cursor(room, 5, 5);
        bob.drainUntilPong();
        server.live().flushCursors();
        alice.next("cursors");
        assertThat(server.live().cursors(room)).hasSize(1);
        bob.close();
        alice.next("leave");
        assertThat(server.live().cursors(room)).isEmpty();
    }

    @Test
    void aMoveStillPendingWhenItsUserLeavesIsNotRelayed() throws Exception {
        WsClient alice = joined("alice");
        WsClient bob = joined("bob");
        alice.next("join");
        bob.cursor(room, 7, 7);
        bob.drainUntilPong(); // the move has arrived; no tick has run
        bob.leave(room);
        alice.next("leave");
        server.live().flushCursors();
        assertThat(ofType(alice.drainUntilPong(), "cursors")).isEmpty();
        assertThat(server.live().cursors(room)).isEmpty();
    }

    @Test
    void badCoordinatesAreRefused() throws Exception {
        WsClient bob = joined("bob");
        for (String xy : List.of("\"x\":\"a\",\"y\":1", "\"x\":1", "\"x\":2e6,\"y\":0", "\"x\":0,\"y\":-1000001",
                "\"x\":1e999,\"y\":0", "\"x\":null,\"y\":0")) {
            bob.send("{\"type\":\"cursor\",\"room\":\"" + room + "\"," + xy + "}");
            JsonObject error = bob.next("error");
            assertThat(error.getString("code")).as(xy).isEqualTo("bad_cursor");
            assertThat(error.getString("ref")).isEqualTo("cursor");
        }
        bob.drainUntilPong();
        server.live().flushCursors();
        assertThat(server.live().cursors(room)).isEmpty();
    }

    @Test
    void serverPlacedCursorsAndTheirRemoval() throws Exception {
        WsClient alice = joined("alice");
        server.live().setCursor(room, "bot", 100, 200);
        server.live().flushCursors();
        JsonObject c = alice.next("cursors").getJsonArray("cursors").getJsonObject(0);
        assertThat(c.getString("id")).isEqualTo("bot");
        assertThat(server.live().cursors(room)).extracting(Cursor::getId).containsExactly("bot");

        server.live().removeCursor(room, "bot");
        server.live().flushCursors();
        assertThat(alice.next("cursors").getJsonArray("cursors").getJsonObject(0))
                .isEqualTo(Json.createObjectBuilder().add("id", "bot").add("gone", true).build());
        assertThat(server.live().cursors(room)).isEmpty();
        assertThatThrownBy(() -> server.live().setCursor(room, "bot", Double.NaN, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aCursorFloodDoesNotStopOtherDeliveries() throws Exception {
        WsClient alice = joined("alice");
        WsClient bob = joined("bob");
        WsClient flooder = joined("flooder");
        alice.next("join");
        alice.next("join");
        try {
            for (int i = 0; i < 10 * MAX_MESSAGES && !flooder.isClosed(); i++) {
                flooder.cursor(room, i, i);
            }
        } catch (CompletionException sendFailedAfterClose) {
            // closed mid-flood
        }
        assertThat(flooder.awaitClose()).isEqualTo(new WsClient.Closed(1008, "rate limit exceeded"));
        assertThat(alice.next("leave").getString("id")).isEqualTo("flooder");

        bob.cursor(room, 7, 8);
        bob.drainUntilPong();
        server.live().flushCursors();
        JsonObject frame = alice.next("cursors");
        assertThat(frame.getJsonArray("cursors")).extracting(v -> v.asJsonObject().getString("id")).containsExactly("bob");
    }
}
