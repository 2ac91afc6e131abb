package dev.onlinenow.example;

import jakarta.json.JsonObject;
import jakarta.json.JsonValue;

import java.net.URI;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

    static final String GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";

    /**
     * Who is online as a forum shows it, over HTTP and a real socket. A member who hides her online
     * status ({@code hidden = session:hideOnline}) is counted by everyone, listed (marked) only to
     * staff ({@code seeHidden = role:staff}, the demo's StaffRoleFilter) and to herself, with where
     * she is (the board page's label); opening her socket, and re-reading a page under /parts/,
     * move nobody; once she shows herself everyone lists her. A crawler's requests are one robot,
     * by name, not a guest, and get no session. Needs no fresh web app: it uses names, a board and
     * a User-Agent of its own, and only compares with what was there before it.
     */
    static void whoIsOnlineAsAForumShowsIt(URI app) throws Exception {
        WebClient lin = new WebClient(app).signIn("Lin Forum");
        String before = lin.get("who-is-online").body();
        long guestsBefore = Long.parseLong(testId(before, "guests").replaceAll("\\D.*", ""));

        // a crawler: one robot, by name, never a guest, and no session
        WebClient bot = new WebClient(app, GOOGLEBOT);
        WebClient sameBot = new WebClient(app, GOOGLEBOT);
        for (int i = 0; i < 3; i++) {
            assertThat(bot.get("").statusCode()).isEqualTo(200);
        }
        assertThat(sameBot.get("who-is-online").statusCode()).isEqualTo(200);
        assertThat(bot.hasSession() || sameBot.hasSession()).as("no session for a robot").isFalse();
        String afterBot = lin.get("parts/who-is-online").body();
        assertThat(testId(afterBot, "robots-total")).isEqualTo("1");
        assertThat(all(afterBot, "data-testid=\"robot\">([^<]*)<")).containsExactly("Googlebot");
        assertThat(Long.parseLong(testId(afterBot, "guests").replaceAll("\\D.*", ""))).as("a robot is not a guest")
                .isEqualTo(guestsBefore);

        // a hidden member on a board, a member, and staff
        WebClient grace = new WebClient(app);
        grace.post("login", Map.of("name", "Grace Forum", "hide", "on"));
        assertThat(grace.get("whiteboard?board=roadmap").statusCode()).isEqualTo(200);
        try (LiveSocket graceLive = LiveSocket.open(grace)) {
            graceLive.join("roadmap").awaitType("state", "roadmap");
            WebClient hedy = new WebClient(app);
            hedy.post("login", Map.of("name", "Hedy Forum", "staff", "on"));
            hedy.home(); // counted from the request after the sign-in, as any user
            lin.home();

            String linSees = lin.get("parts/who-is-online").body();
            assertThat(testId(linSees, "hidden-total")).isEqualTo("1&nbsp;hidden");
            assertThat(all(linSees, "data-member-id=\"([^\"]*)\"")).contains("Lin Forum", "Hedy Forum")
                    .doesNotContain("Grace Forum");
            assertThat(linSees).doesNotContain("Grace");
            assertThat(testId(linSees, "board-roadmap-viewing")).as("counted where she is").isEqualTo("1&nbsp;viewing");

            String hedySees = hedy.get("who-is-online").body();
            assertThat(all(hedySees, "data-member-id=\"([^\"]*)\" data-hidden=\"true\"")).containsExactly("Grace Forum");
            assertThat(row(hedySees, "Grace Forum")).as("her socket did not move her")
                    .contains("on the board Roadmap").contains("hidden-tag");
            assertThat(row(hedySees, "Lin Forum")).as("Lin's re-read under /parts/ did not move her").contains("on the home page");

            String graceSees = grace.get("who-is-online").body();
            assertThat(all(graceSees, "data-member-id=\"([^\"]*)\" data-hidden=\"true\"")).as("herself, marked")
                    .containsExactly("Grace Forum");
        }

        // she shows herself again: listed to everyone from her next request (the redirect back)
        HttpResponse<String> show = grace.post("hide", Map.of("hide", "false", "back", "/who-is-online"));
        assertThat(WebClient.location(show)).isEqualTo(app.getPath() + "who-is-online");
        grace.get("who-is-online");
        String linNow = lin.get("parts/who-is-online").body();
        assertThat(all(linNow, "data-member-id=\"([^\"]*)\" data-hidden=\"false\"")).contains("Grace Forum");
        assertThat(linNow).doesNotContain("data-testid=\"hidden-total\"");

        // the way back never leads off the site
        assertThat(WebClient.location(grace.post("hide", Map.of("hide", "false", "back", "//evil.example/"))))
                .isEqualTo(app.getPath());
    }

    private static String testId(String html, String id) {
        Matcher m = Pattern.compile("data-testid=\"" + id + "\"[^>]*>([^<]*)<").matcher(html);
        assertThat(m.find()).as("data-testid=%s in:%n%s", id, html).isTrue();
        return m.group(1).strip();
    }

    private static List<String> all(String html, String regex) {
        Matcher m = Pattern.compile(regex).matcher(html);
        List<String> out = new ArrayList<>();
        while (m.find()) {
            out.add(WebClient.Page.unescape(m.group(1)));
        }
        return out;
    }

    /** The who-is-online table's row of a member. */
    private static String row(String html, String id) {
        int at = html.indexOf("data-member-id=\"" + id + "\"");
        assertThat(at).as("a row for " + id).isPositive();
        return html.substring(at, html.indexOf("</tr>", at));
    }

    private static List<String> ids(List<JsonValue> presences) {
        return presences.stream().map(p -> p.asJsonObject().getString("id")).collect(Collectors.toList());
    }
}
