package dev.onlinenow.example;

import java.net.URI;

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
}
