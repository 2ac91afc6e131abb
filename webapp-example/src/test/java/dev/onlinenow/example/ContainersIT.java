package dev.onlinenow.example;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The drop-in claim: the very WAR the build made, unchanged, copied into stock Tomcat 11 and
 * Jetty 12 distributions (each with its own WebSocket implementation), at a non-root context
 * path, does everything the embedded launcher does.
 */
class ContainersIT {

    private static final Path WAR = Path.of(System.getProperty("example.war"));
    private static final Path WORK = Path.of(System.getProperty("containers.dir")).resolve("runs");

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tomcat", "jetty", "jetty-with-its-own-jstl"})
    void theUnchangedWarWorksInAStockContainer(String which) throws Exception {
        Files.createDirectories(WORK);
        try (ExternalContainer c = switch (which) {
            case "tomcat" -> ExternalContainer.tomcat(Path.of(System.getProperty("tomcat.home")), WAR, WORK);
            case "jetty" -> ExternalContainer.jetty(Path.of(System.getProperty("jetty.home")), WAR, WORK, false);
            default -> ExternalContainer.jetty(Path.of(System.getProperty("jetty.home")), WAR, WORK, true);
        }) {
            HttpResponse<String> home = new WebClient(c.app()).get("");
            assertThat(home.statusCode()).as("GET /example/ on %s; its log:\n%s", c, c.logText()).isEqualTo(200);
            assertThat(home.body()).contains("href=\"/example/static/app.css\"");

            ExampleScenario.twoUsersSeeEachOtherAndSignOutLeavesAtOnce(c.app());
            ExampleScenario.liveRoomSeesJoinsAndSignOut(c.app());

            HttpResponse<String> js = new WebClient(c.app()).get("online-now/online-now.js");
            assertThat(js.statusCode()).as("the client script from the library jar").isEqualTo(200);
            assertThat(js.body()).contains("window.OnlineNow");

            assertThat(c.logText()).as("%s's log", c).doesNotContain("SEVERE").doesNotContain(":WARN :oejw");
        }
    }
}
