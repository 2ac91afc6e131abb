package dev.onlinenow.example;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static java.util.stream.Collectors.joining;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The drop-in claim: the very WAR the build made, unchanged, copied into stock Tomcat 11, Jetty 12
 * and GlassFish 7 distributions (each with its own WebSocket implementation: Tomcat's, Jetty's,
 * Tyrus), at a non-root context path, does everything the embedded launcher does, and keeps the
 * protocol's bad-input rules ({@link HostileFrames}) on each.
 *
 * <p>One container start per nested class: the scenario runs first, on the fresh web app it
 * needs (nobody signed in yet); the hostile-frame checks use users and rooms of their own; the
 * container's log is looked at last.
 */
class ContainersIT {

    static final Path WAR = Path.of(System.getProperty("example.war"));
    static final Path WORK = Path.of(System.getProperty("containers.dir")).resolve("runs");

    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    abstract static class StockContainer {

        private ExternalContainer container;

        abstract ExternalContainer start() throws Exception;

        /** Log records that mean something went wrong in this container (a WARN of the app, a SEVERE). */
        abstract Predicate<String> trouble();

        /** The container's log as records; one line each, unless the container writes records over several. */
        Stream<String> records(String log) {
            return log.lines();
        }

        @BeforeAll
        void startContainer() throws Exception {
            Files.createDirectories(WORK);
            container = start();
        }

        @AfterAll
        void stopContainer() {
            if (container != null) {
                container.close();
            }
        }

        URI app() {
            return container.app();
        }

        /** Stops the container cleanly and starts it again with the same base, port and log. */
        void restart() throws Exception {
            ExternalContainer c = container;
            container = null;
            container = c.restart();
        }

        @Test
        @Order(1)
        void theHomePageAndTheScenario() throws Exception {
            HttpResponse<String> home = new WebClient(app()).get("");
            assertThat(home.statusCode()).as("GET /example/ on %s; its log:\n%s", container, container.logText())
                    .isEqualTo(200);
            assertThat(home.body()).contains("href=\"/example/static/app.css\"");

            ExampleScenario.twoUsersSeeEachOtherAndSignOutLeavesAtOnce(app());
            ExampleScenario.liveRoomSeesJoinsAndSignOut(app());
            ExampleScenario.whoIsOnlineAsAForumShowsIt(app());

            HttpResponse<String> js = new WebClient(app()).get("online-now/online-now.js");
            assertThat(js.statusCode()).as("the client script from the library jar").isEqualTo(200);
            assertThat(js.body()).contains("window.OnlineNow");
        }

        @Test
        @Order(Integer.MAX_VALUE)
        void theLogShowsNoTrouble() {
            String log = container.logText();
            assertThat(records(log).filter(trouble()).map(r -> r.lines().limit(3).collect(joining("\n"))))
                    .as("%s's log, in %s", container, WORK).isEmpty();
        }
    }

    /** A container whose WebSocket implementation is not covered elsewhere gets the bad-input checks too. */
    abstract static class StockContainerWithHostileFrames extends StockContainer {

        @Test
        @Order(2)
        void aTextFrameOverMaxFrameBytesIsClosedWith1009() throws Exception {
            HostileFrames.aTextFrameOverMaxFrameBytesIsClosedWith1009(app());
        }

        @Test
        @Order(2)
        void aTextMessageOverMaxFrameBytesInSeveralFramesIsClosedWith1009() throws Exception {
            HostileFrames.aTextMessageOverMaxFrameBytesInSeveralFramesIsClosedWith1009(app());
        }

        @Test
        @Order(2)
        void aBinaryFrameIsClosedWith1003() throws Exception {
            HostileFrames.aBinaryFrameIsClosedWith1003(app());
        }

        @Test
        @Order(2)
        void aMetaWithALoneSurrogateIsRefusedAndNeverReachesABystander() throws Exception {
            HostileFrames.aMetaWithALoneSurrogateIsRefusedAndNeverReachesABystander(app());
        }

        @Test
        @Order(2)
        void aNumberTheParserCannotReadIsBadJson() throws Exception {
            HostileFrames.aNumberTheParserCannotReadIsBadJson(app());
        }

        @Test
        @Order(2)
        void deepNestingIsBadJson() throws Exception {
            HostileFrames.deepNestingIsBadJson(app());
        }
    }

    /* Tomcat logs through JULI: a SEVERE, a WARNING from the app's own classes, or SLF4J's
     * warning that it found no provider (the WAR brings slf4j-jdk14). */
    private static final Pattern TOMCAT_TROUBLE = Pattern.compile("SEVERE|WARNING.*dev\\.onlinenow|SLF4J\\(W\\)");

    @Nested
    class Tomcat11 extends StockContainerWithHostileFrames {
        @Override
        ExternalContainer start() throws Exception {
            return ExternalContainer.tomcat(Path.of(System.getProperty("tomcat.home")), WAR, WORK);
        }

        /* The WAR's META-INF/context.xml turns on the session persistence stock Tomcat 11 ships
         * without: a signed-in user is still signed in after a restart, and their socket is the
         * same person again. */
        @Test
        @Order(Integer.MAX_VALUE - 1)
        void aSignedInUserIsStillSignedInAfterARestart() throws Exception {
            WebClient ada = new WebClient(app()).signIn("Ada Lovelace");
            assertThat(ada.home().signedInAs()).contains("Ada Lovelace");
            restart();
            WebClient.Page after = ada.home();
            assertThat(after.signedInAs()).as("signed in after the restart").contains("Ada Lovelace");
            assertThat(after.onlineIds()).contains("Ada Lovelace");
            try (LiveSocket live = LiveSocket.open(ada)) {
                live.join("design");
                assertThat(live.awaitType("state", "design").getString("self")).isEqualTo("Ada Lovelace");
            }
        }

        @Override
        Predicate<String> trouble() {
            return TOMCAT_TROUBLE.asPredicate();
        }
    }

    /* Jetty: a SEVERE, a warning of its WebSocket or web app code (:WARN :oejw...), a
     * java.util.logging WARNING (ours: JUL's console format puts the level on the second line), or
     * SLF4J's warning that it found no provider. */
    private static final Pattern JETTY_TROUBLE = Pattern.compile("SEVERE|:WARN :oejw|^WARNING: |SLF4J\\(W\\)");

    @Nested
    class Jetty12 extends StockContainerWithHostileFrames {
        @Override
        ExternalContainer start() throws Exception {
            return ExternalContainer.jetty(Path.of(System.getProperty("jetty.home")), WAR, WORK, false);
        }

        @Override
        Predicate<String> trouble() {
            return JETTY_TROUBLE.asPredicate();
        }
    }

    /** Jetty with its own JSTL module enabled as well: the WAR's JSTL must not clash with it. */
    @Nested
    class Jetty12WithItsOwnJstl extends StockContainer {
        @Override
        ExternalContainer start() throws Exception {
            return ExternalContainer.jetty(Path.of(System.getProperty("jetty.home")), WAR, WORK, true);
        }

        @Override
        Predicate<String> trouble() {
            return JETTY_TROUBLE.asPredicate();
        }
    }

    /* GlassFish: a SEVERE or WARNING record, but for the container's own, listed in GlassFishLog
     * (SLF4J's warning that it found no provider is trouble: the WAR brings one). */
    @Nested
    class GlassFish7 extends StockContainerWithHostileFrames {
        @Override
        ExternalContainer start() throws Exception {
            return ExternalContainer.glassfish(Path.of(System.getProperty("glassfish.home")), WAR, WORK);
        }

        @Override
        Predicate<String> trouble() {
            return GlassFishLog::isTrouble;
        }

        @Override
        Stream<String> records(String log) {
            return GlassFishLog.records(log);
        }
    }
}
