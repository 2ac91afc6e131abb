package dev.onlinenow.example;

import jakarta.json.JsonObject;
import jakarta.json.JsonValue;

import java.net.URI;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What every deployment of the example must do, whatever the container: run against embedded
 * Tomcat + Tyrus ({@link EmbeddedExampleIT}) and stock Tomcat and Jetty ({@link ContainersIT}).
 */
final class ExampleScenario {

    private ExampleScenario() {
    }

    /**
     * Two people sign in and see each other, with the exact count; one signs out and is gone from
     * the other's page at once. Expects a fresh web app (nobody signed in).
     */
    static void twoUsersSeeEachOtherAndSignOutLeavesAtOnce(URI app) throws Exception {
        WebClient zoe = new WebClient(app);
        WebClient bob = new WebClient(app);

        WebClient.Page before = zoe.home();
        assertThat(before.showsSignInForm()).isTrue();
        assertThat(before.onlineIds()).isEmpty();
        assertThat(before.onlineCount()).isZero();

        zoe.signIn("Zoë Ortiz"); // not ASCII on purpose: the form post must arrive as UTF-8
        WebClient.Page zoeFirst = zoe.home();
        assertThat(zoeFirst.signedInAs()).contains("Zoë Ortiz");
        assertThat(zoeFirst.onlineCount()).isEqualTo(1);
        assertThat(zoeFirst.onlineIds()).containsExactly("Zoë Ortiz");

        bob.signIn("Bob O'Brien"); // an apostrophe: escaped in HTML, intact as an id
        WebClient.Page bobs = bob.home();
        assertThat(bobs.onlineCount()).isEqualTo(2);
        assertThat(bobs.onlineIds()).containsExactlyInAnyOrder("Bob O'Brien", "Zoë Ortiz");
        assertThat(bobs.onlineIds().get(0)).as("most recent first").isEqualTo("Bob O'Brien");

        WebClient.Page zoeSecond = zoe.home();
        assertThat(zoeSecond.onlineCount()).isEqualTo(2);
        assertThat(zoeSecond.onlineIds()).containsExactlyInAnyOrder("Zoë Ortiz", "Bob O'Brien");

        bob.signOut();
        WebClient.Page zoeThird = zoe.home();
        assertThat(zoeThird.onlineCount()).as("signing out leaves at once, not after the threshold").isEqualTo(1);
        assertThat(zoeThird.onlineIds()).containsExactly("Zoë Ortiz");
        WebClient.Page bobAfter = bob.home();
        assertThat(bobAfter.signedInAs()).isEmpty();
        assertThat(bobAfter.showsSignInForm()).isTrue();
    }

    /**
     * The live layer through the container's WebSocket: two people join a board over real
     * sockets; each sees the other arrive, and signing out takes one out of the room at once.
     * Expects a fresh web app.
     */
    static void liveRoomSeesJoinsAndSignOut(URI app) throws Exception {
        WebClient ada = new WebClient(app).signIn("Ada");
        WebClient bob = new WebClient(app).signIn("Bob");
        ada.home();
        bob.home();

        try (LiveSocket adaLive = LiveSocket.open(ada); LiveSocket bobLive = LiveSocket.open(bob)) {
            JsonObject first = adaLive.join("design").awaitType("state", "design");
            assertThat(first.getString("self")).as("identity comes from the HTTP session").isEqualTo("Ada");
            assertThat(ids(first.getJsonArray("presences"))).containsExactly("Ada");

            JsonObject second = bobLive.join("design").awaitType("state", "design");
            assertThat(second.getString("self")).isEqualTo("Bob");
            assertThat(ids(second.getJsonArray("presences"))).containsExactlyInAnyOrder("Ada", "Bob");

            JsonObject joined = adaLive.awaitType("join", "design");
            assertThat(joined.getJsonObject("presence").getString("id")).isEqualTo("Bob");

            // the home page shows who is in each board, from the live layer's server-side API
            String home = new WebClient(app).home().html();
            assertThat(home).contains("data-testid=\"board-design-here\" data-count=\"2\"")
                    .contains("data-testid=\"board-retro-here\" data-count=\"0\"");

            bobLive.send("{\"type\":\"cursor\",\"room\":\"design\",\"x\":0.25,\"y\":0.75}");
            JsonObject cursors = adaLive.await("Bob's cursor", m -> "cursors".equals(m.getString("type", null))
                    && m.getJsonArray("cursors").stream().map(JsonValue::asJsonObject)
                    .anyMatch(c -> "Bob".equals(c.getString("id")) && c.getJsonNumber("x").doubleValue() == 0.25));
            assertThat(cursors.getString("room")).isEqualTo("design");

            bob.signOut();
            JsonObject left = adaLive.awaitType("leave", "design");
            assertThat(left.getString("id")).as("signing out leaves the room at once").isEqualTo("Bob");
            assertThat(bobLive.awaitClose()).as("the signed-out socket is closed for policy").isEqualTo(1008);
        }
    }

    private static List<String> ids(List<JsonValue> presences) {
        return presences.stream().map(p -> p.asJsonObject().getString("id")).collect(Collectors.toList());
    }
}
