package dev.onlinenow.example;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The example as {@code exec:java} serves it: the built WAR in embedded Tomcat 11 with Tyrus
 * for WebSocket and Jasper compiling the JSPs. A fresh server per test, so counts are exact.
 */
class EmbeddedExampleIT {

    private ExampleServer server;
    private URI app;

    @BeforeEach
    void start() throws Exception {
        server = ExampleServer.start(Path.of(System.getProperty("example.webapp")), 0);
        app = server.uri();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void twoUsersSeeEachOtherAndSignOutLeavesAtOnce() throws Exception {
        ExampleScenario.twoUsersSeeEachOtherAndSignOutLeavesAtOnce(app);
    }

    @Test
    void liveRoomOnTyrusSeesJoinsCursorsAndSignOut() throws Exception {
        ExampleScenario.liveRoomSeesJoinsAndSignOut(app);
    }

    @Test
    void aSocketFromAnotherSiteIsRefused() throws Exception {
        WebClient ada = new WebClient(app).signIn("Ada");
        try (LiveSocket foreign = LiveSocket.open(ada, "http://evil.example")) {
            assertThat(foreign.awaitClose()).isEqualTo(1008);
        }
    }

    @Test
    void theClientScriptIsServedFromTheLibraryJar() throws Exception {
        HttpResponse<String> js = new WebClient(app).get("online-now/online-now.js");
        assertThat(js.statusCode()).isEqualTo(200);
        assertThat(js.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).contains("javascript"));
        assertThat(js.body()).contains("window.OnlineNow");
    }

    @Test
    void guestsAreCountedSeparatelyAndBecomeUsersOnSignIn() throws Exception {
        WebClient guest = new WebClient(app);
        WebClient ada = new WebClient(app);
        guest.home();
        guest.home(); // came back with its session: a guest (a first visit is none)
        ada.home();
        WebClient.Page adaPage = ada.home();
        assertThat(adaPage.guestCount()).as("two visitors, neither signed in").isEqualTo(2);
        assertThat(adaPage.onlineCount()).isZero();

        ada.signIn("Ada");
        WebClient.Page afterSignIn = ada.home();
        assertThat(afterSignIn.onlineIds()).containsExactly("Ada");
        assertThat(afterSignIn.guestCount()).as("Ada is no longer a guest").isEqualTo(1);
    }

    @Test
    void aBadNameIsRefusedWithTheReasonAndNothingIsKept() throws Exception {
        WebClient mallory = new WebClient(app);
        HttpResponse<String> blank = mallory.post("login", Map.of("name", "   "));
        assertThat(blank.statusCode()).isEqualTo(400);
        assertThat(blank.body()).contains("data-testid=\"sign-in-error\"").contains("Type a name to sign in.");

        HttpResponse<String> script = mallory.post("login", Map.of("name", "<script>alert(1)</script>"));
        assertThat(script.statusCode()).isEqualTo(400);
        assertThat(script.body()).as("what was typed is shown escaped")
                .contains("&lt;script&gt;alert(1)&lt;/script&gt;").doesNotContain("<script>alert(1)");

        HttpResponse<String> tooLong = mallory.post("login", Map.of("name", "x".repeat(33)));
        assertThat(tooLong.statusCode()).isEqualTo(400);
        assertThat(tooLong.body()).contains("at most 32 characters");

        WebClient.Page page = mallory.home();
        assertThat(page.signedInAs()).isEmpty();
        assertThat(page.onlineCount()).isZero();
    }

    @Test
    void signOutNeedsAPostAndSignInKeepsTheNameAcrossRequests() throws Exception {
        WebClient ada = new WebClient(app).signIn("Ada");
        HttpResponse<String> getLogout = ada.get("logout");
        assertThat(getLogout.statusCode()).isEqualTo(302);
        assertThat(ada.home().signedInAs()).as("a GET (a link, a prefetch) does not sign out").contains("Ada");
        ada.signOut();
        assertThat(ada.home().signedInAs()).isEmpty();
    }

    @Test
    void boardsNeedASignInAndAValidName() throws Exception {
        WebClient visitor = new WebClient(app);
        HttpResponse<String> anonymous = visitor.get("whiteboard?board=design");
        assertThat(anonymous.statusCode()).isEqualTo(302);
        assertThat(WebClient.location(anonymous)).isEqualTo("/?next=design");

        HttpResponse<String> back = visitor.post("login", Map.of("name", "Ada", "next", "design"));
        assertThat(back.statusCode()).isEqualTo(302);
        assertThat(WebClient.location(back)).as("back to the board after signing in").isEqualTo("/whiteboard?board=design");

        HttpResponse<String> board = visitor.get("whiteboard?board=design");
        assertThat(board.statusCode()).isEqualTo(200);
        assertThat(board.body()).contains("data-board=\"design\"").contains("Design review");

        HttpResponse<String> upper = visitor.get("whiteboard?board=Design");
        assertThat(upper.statusCode()).isEqualTo(302);
        assertThat(WebClient.location(upper)).isEqualTo("/whiteboard?board=design");

        HttpResponse<String> bad = visitor.get("whiteboard?board=..%2Fetc");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("Board names are 1 to 40 characters");

        HttpResponse<String> none = visitor.get("whiteboard");
        assertThat(none.statusCode()).isEqualTo(302);
        assertThat(WebClient.location(none)).isEqualTo("/whiteboard?board=design");
    }

    @Test
    void unknownPagesGetTheExamplesOwn404() throws Exception {
        HttpResponse<String> r = new WebClient(app).get("no-such-page");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.body()).contains("There is nothing here.");
    }

    /** Who is online as a forum shows it: hidden members, staff, robots, where people are. */
    @Test
    void whoIsOnlineAsAForumShowsIt() throws Exception {
        ExampleScenario.whoIsOnlineAsAForumShowsIt(app);
    }

    /** The board page lists who is on the board as it is made (on:presences), before its own socket opens. */
    @Test
    void theBoardPageListsWhoIsThereBeforeItsSocketOpens() throws Exception {
        WebClient ada = new WebClient(app).signIn("Ada");
        WebClient grace = new WebClient(app).signIn("Grace");
        ada.home();
        try (LiveSocket adaLive = LiveSocket.open(ada)) {
            adaLive.join("jsp-list").awaitType("state", "jsp-list");
            String body = grace.get("whiteboard?board=jsp-list").body();
            String list = body.substring(body.indexOf("id=\"here-list\""), body.indexOf("</ul>", body.indexOf("id=\"here-list\"")));
            assertThat(list).contains("<span class=\"person-name\">Ada</span>").doesNotContain("Grace");
        }
    }
}
