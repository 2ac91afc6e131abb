package dev.onlinenow.example;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two people in two real browsers (headless Chromium driven by Selenium, Debian's
 * {@code chromium} and {@code chromium-driver}) against the example in the embedded launcher
 * (Tomcat 11 + Tyrus): A sees B come online, B enter the board, B's cursor move and B leave
 * when B closes the page. Screenshots of what A sees go to {@code target/screenshots/}.
 */
class BrowserIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String CHROMIUM = System.getProperty("chromium.binary", "/usr/bin/chromium");
    private static final String CHROMEDRIVER = System.getProperty("chromedriver", "/usr/bin/chromedriver");
    private static final Pattern TRANSLATE = Pattern.compile("translate\\(([-0-9.]+)px, ([-0-9.]+)px\\)");

    private ExampleServer server;
    private Path screenshots;
    private WebDriver ada;
    private WebDriver grace;
    private WebDriver hedy;

    @BeforeEach
    void start() throws Exception {
        assertThat(new File(CHROMIUM)).as("Debian package chromium (apt-get install chromium chromium-driver)").canRead();
        assertThat(new File(CHROMEDRIVER).canExecute()).as("Debian package chromium-driver at " + CHROMEDRIVER).isTrue();
        server = ExampleServer.start(Path.of(System.getProperty("example.webapp")), 0);
        screenshots = Files.createDirectories(Path.of(System.getProperty("example.screenshots", "target/screenshots")));
    }

    @AfterEach
    void stop() {
        for (WebDriver d : new WebDriver[] {ada, grace, hedy}) {
            if (d != null) {
                try {
                    d.quit();
                } catch (RuntimeException e) {
                    System.err.println("closing a browser failed: " + e);
                }
            }
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aSeesBComeOnlineEnterTheBoardMoveTheirCursorAndLeave() throws Exception {
        ada = browser("ada");
        signIn(ada, "Ada Lovelace");
        WebDriverWait adaWaits = waitFor(ada);
        assertThat(text(ada, "[data-testid=online-count]")).isEqualTo("1");
        adaWaits.withMessage("Ada alone in the online list").until(d -> onlineIds(d).equals(List.of("Ada Lovelace")));
        screenshot(ada, "01-ada-signed-in");

        grace = browser("grace");
        signIn(grace, "Grace Hopper");
        assertThat(text(grace, "[data-testid=online-count]")).isEqualTo("2");

        // A's page keeps itself current: no reload by the test
        adaWaits.withMessage("Grace in Ada's online list").until(d -> onlineIds(d).contains("Grace Hopper"));
        adaWaits.until(ExpectedConditions.textToBe(By.cssSelector("[data-testid=online-count]"), "2"));
        screenshot(ada, "02-ada-sees-grace-online");

        // both open the design board
        click(ada, "[data-testid=board-design]");
        awaitLive(ada);
        adaWaits.until(ExpectedConditions.textToBe(By.id("here-count"), "only you here"));

        click(grace, "[data-testid=board-design]");
        awaitLive(grace);

        adaWaits.withMessage("the join toast").until(d -> toastTexts(d).stream().anyMatch(t -> t.endsWith("Grace Hopper joined the board")));
        adaWaits.until(ExpectedConditions.textToBe(By.id("here-count"), "2 here"));
        adaWaits.withMessage("both in the board's list").until(d -> hereIds(d).size() == 2
                && hereIds(d).containsAll(List.of("Ada Lovelace", "Grace Hopper")));
        adaWaits.withMessage("two avatars in the board's header")
                .until(d -> d.findElements(By.cssSelector("#here-avatars .avatar")).size() == 2);
        assertPlaceholderFits(grace, "#status");

        // someone signs in elsewhere: the board page's "N online" follows, without a reload
        new WebClient(server.uri()).signIn("Hedy Lamarr").home();
        adaWaits.withMessage("the board page's count of who is online")
                .until(ExpectedConditions.textToBe(By.cssSelector("[data-testid=online-count]"), "3"));

        // the home page (here in a second tab of Grace's) shows who is in each board
        String graceBoardTab = grace.getWindowHandle();
        grace.switchTo().newWindow(WindowType.TAB);
        grace.get(server.uri().toString());
        waitFor(grace).withMessage("two people in the design board on the home page").until(ExpectedConditions
                .attributeToBe(By.cssSelector("[data-testid=board-design-here]"), "data-count", "2"));
        assertThat(grace.findElements(By.cssSelector("[data-testid=board-design-here] .avatar"))).hasSize(2);
        screenshot(grace, "03-home-shows-who-is-in-each-board");
        assertReadable(grace, "[data-testid=online-list] .avatar, [data-testid=board-design-here] .avatar", 4);
        grace.close();
        grace.switchTo().window(graceBoardTab);

        // Grace sets a status (room meta): Ada sees it next to her name
        grace.findElement(By.id("status")).sendKeys("Reviewing the header");
        grace.findElement(By.cssSelector("#status-form button")).click();
        adaWaits.withMessage("Grace's status").until(d -> d.findElement(
                By.cssSelector("#here-list [data-user-id='Grace Hopper'] .status-text")).getText()
                .equals("Reviewing the header"));

        // Grace moves her pointer over the board: Ada sees Grace's cursor, named, go there
        WebElement graceBoard = grace.findElement(By.id("board"));
        moveAndExpect(graceBoard, -120, -60);
        adaWaits.withMessage("Grace's cursor labelled with her name").until(d -> d.findElement(
                By.cssSelector(".online-now-cursor[data-id='Grace Hopper']")).getText().equals("Grace Hopper"));
        screenshot(ada, "04-ada-sees-grace-in-the-board-with-her-cursor");
        // every name on a user's colour reads at 4.5:1 (WCAG 2.2, 1.4.3), as the browser paints it
        assertReadable(ada, ".online-now-cursor-label", 1);
        assertReadable(ada, "#here-avatars .avatar, #here-list .avatar, .topbar .avatar", 5);
        moveAndExpect(graceBoard, 160, 90);
        screenshot(grace, "05-grace-view-of-the-board");

        // Grace closes the page: Ada sees her leave
        grace.quit();
        grace = null;
        adaWaits.withMessage("the leave toast").until(d -> toastTexts(d).stream().anyMatch(t -> t.endsWith("Grace Hopper left")));
        screenshot(ada, "06-ada-sees-grace-leave");
        adaWaits.until(ExpectedConditions.textToBe(By.id("here-count"), "only you here"));
        adaWaits.withMessage("Grace's cursor removed")
                .until(d -> d.findElements(By.cssSelector(".online-now-cursor[data-id='Grace Hopper']")).isEmpty());
        adaWaits.withMessage("only Ada in the board's list").until(d -> hereIds(d).equals(List.of("Ada Lovelace")));

        // Ada signs out in another tab: the board tab says so and offers to sign in again
        String boardTab = ada.getWindowHandle();
        ada.switchTo().newWindow(WindowType.TAB);
        ada.get(server.uri().toString());
        click(ada, "[data-testid=sign-out]");
        adaWaits.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("[data-testid=sign-in-form]")));
        ada.close();
        ada.switchTo().window(boardTab);
        adaWaits.withMessage("the board tab noticing the sign-out")
                .until(ExpectedConditions.attributeToBe(By.id("conn"), "data-state", "closed"));
        assertThat(ada.findElement(By.cssSelector("#conn a")).getText()).isEqualTo("signed out: sign in");
        assertThat(ada.findElement(By.cssSelector("#conn a")).getAttribute("href")).endsWith("/?next=design");
        assertThat(hereIds(ada)).as("no stale people after signing out").isEmpty();
        assertThat(text(ada, "#here-count")).isEqualTo("not connected");
        screenshot(ada, "07-ada-signed-out-in-another-tab");
    }

    @Test
    void thePagesWorkOnANarrowScreen() throws Exception {
        ada = browser("narrow");
        ada.manage().window().setSize(new Dimension(390, 844));
        ada.get(server.uri().toString());
        screenshot(ada, "08-narrow-signed-out");
        signIn(ada, "Ada Lovelace");
        assertNoHorizontalScroll(ada);
        screenshot(ada, "09-narrow-home");
        click(ada, "[data-testid=board-retro]");
        awaitLive(ada);
        assertNoHorizontalScroll(ada);
        assertPlaceholderFits(ada, "#status");
        WebElement board = ada.findElement(By.id("board"));
        assertThat(board.getSize().getWidth()).as("the board uses the screen's width").isGreaterThan(300);
        assertThat(board.getSize().getHeight()).isGreaterThan(300);
        screenshot(ada, "10-narrow-board");
    }

    /**
     * Two people on a board, and one of them on the home page too, while the server stops and
     * starts again: during the outage every live part of each page says so and shows no count as
     * current; after it the pages catch up by themselves (sessions kept in the work directory,
     * META-INF/context.xml). Then a restart that loses the sessions: the pages show the people as
     * signed out, with a way to sign in, and nothing of before.
     */
    @Test
    void aRestartLeavesNoPageContradictingItselfAndThePagesCatchUpByThemselves() throws Exception {
        Path webapp = Path.of(System.getProperty("example.webapp"));
        int port = server.port();
        Path base = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "online-now-restart-");
        server.close();
        server = ExampleServer.start(webapp, port, base.resolve("kept"));

        ada = browser("ada");
        grace = browser("grace");
        signIn(ada, "Ada Lovelace");
        signIn(grace, "Grace Hopper");
        click(ada, "[data-testid=board-design]");
        awaitLive(ada);
        click(grace, "[data-testid=board-design]");
        awaitLive(grace);
        String graceBoard = grace.getWindowHandle();
        grace.switchTo().newWindow(WindowType.WINDOW);
        grace.get(server.uri().toString());
        String graceHome = grace.getWindowHandle();
        for (WebDriver d : new WebDriver[] {ada, grace}) {
            if (d == grace) {
                grace.switchTo().window(graceBoard);
            }
            waitFor(d).until(ExpectedConditions.textToBe(By.id("here-count"), "2 here"));
        }
        grace.switchTo().window(graceHome);
        waitFor(grace).until(ExpectedConditions.attributeToBe(By.cssSelector("[data-testid=board-design-here]"), "data-count", "2"));

        // the server stops
        server.close();
        boardWhileDown(ada);
        screenshot(ada, "11-restart-down-ada-board");
        grace.switchTo().window(graceBoard);
        boardWhileDown(grace);
        grace.switchTo().window(graceHome);
        homeWhileDown(grace);
        screenshot(grace, "12-restart-down-grace-home");

        // it starts again, with the sessions it saved: nobody has to do anything
        server = ExampleServer.start(webapp, port, base.resolve("kept"));
        boardAfter(ada, "Ada Lovelace");
        screenshot(ada, "13-restart-back-ada-board");
        grace.switchTo().window(graceBoard);
        boardAfter(grace, "Grace Hopper");
        grace.switchTo().window(graceHome);
        WebDriverWait graceWaits = waitFor(grace);
        graceWaits.withMessage("the home page back to current").until(d -> !isDown(d) && d.findElements(By.cssSelector("[data-stale]")).isEmpty());
        graceWaits.until(ExpectedConditions.textToBe(By.cssSelector("[data-testid=online-count]"), "2"));
        graceWaits.withMessage("both online").until(d -> onlineIds(d).containsAll(List.of("Ada Lovelace", "Grace Hopper")));
        graceWaits.until(ExpectedConditions.attributeToBe(By.cssSelector("[data-testid=board-design-here]"), "data-count", "2"));
        assertThat(text(grace, "[data-testid=me]")).isEqualTo("Grace Hopper");
        assertThat(grace.findElements(By.cssSelector("[data-testid=sign-in-form]"))).isEmpty();
        assertThat(text(grace, "h1")).isEqualTo("Hi Grace Hopper, you are online.");
        screenshot(grace, "14-restart-back-grace-home");

        // a restart that loses the sessions (another work directory): signed out, and it says so
        server.close();
        server = ExampleServer.start(webapp, port, base.resolve("lost"));
        waitFor(ada).withMessage("Ada's board: signed out")
                .until(ExpectedConditions.attributeToBe(By.id("conn"), "data-state", "closed"));
        assertThat(ada.findElement(By.cssSelector("#conn a")).getText()).isEqualTo("signed out: sign in");
        assertThat(ada.findElement(By.cssSelector("#conn a")).getAttribute("href")).endsWith("/?next=design");
        assertThat(hereIds(ada)).as("nobody shown as here").isEmpty();
        assertThat(ada.findElements(By.cssSelector("[data-stale]"))).as("nothing left to call stale").isEmpty();
        assertThat(text(ada, "#here-count")).isEqualTo("not connected");
        waitFor(ada).withMessage("no signed-in user in the top bar").until(d -> d.findElements(By.cssSelector(".me")).isEmpty());
        screenshot(ada, "15-restart-sessions-lost-ada-board");
        grace.switchTo().window(graceHome);
        graceWaits.withMessage("Grace's home page: signed out, with the sign-in form")
                .until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("[data-testid=sign-in-form]")));
        assertThat(grace.findElements(By.cssSelector("[data-testid=me]"))).as("no greeting of a signed-out user").isEmpty();
        assertThat(text(grace, "main")).doesNotContain("you are online");
        graceWaits.until(d -> !isDown(d));
        screenshot(grace, "16-restart-sessions-lost-grace-home");
        grace.switchTo().window(graceBoard);
        waitFor(grace).withMessage("Grace's board: signed out")
                .until(ExpectedConditions.attributeToBe(By.id("conn"), "data-state", "closed"));
        assertThat(hereIds(grace)).isEmpty();
    }

    /**
     * The forum's "who is online": Grace hides her online status and opens the Roadmap board; Ada,
     * a member, sees her counted but not listed; Hedy, staff, sees her listed, marked hidden, and
     * where she is; a crawler counts as one robot, by name, not as a guest; each board says how
     * many view it; the record has its date. Ada's page follows all of it through the live
     * `online` frame, without reloading and without a request that counts as activity.
     */
    @Test
    void whoIsOnlineShowsHiddenMembersToStaffRobotsByNameWhereEveryoneIsAndTheRecord() throws Exception {
        long startedAt = System.currentTimeMillis();
        grace = browser("grace");
        signIn(grace, "Grace Hopper", false, true);
        WebDriverWait graceWaits = waitFor(grace);
        // a hidden member sees herself, marked, and is told what hiding means
        graceWaits.withMessage("Grace listed to herself, marked hidden").until(d -> d.findElements(
                By.cssSelector("[data-testid=online-list] [data-user-id='Grace Hopper'] .hidden-tag")).size() == 1);
        assertThat(grace.findElement(By.cssSelector("[data-testid=hide-toggle]")).getAttribute("aria-checked")).isEqualTo("true");
        assertThat(read(grace, "[data-testid=hidden-note]")).isEqualTo("You hide your online status:");
        click(grace, "[data-testid=board-roadmap]");
        awaitLive(grace);

        ada = browser("ada");
        signIn(ada, "Ada Lovelace", false, false);
        ada.get(server.uri().resolve("who-is-online").toString());
        WebDriverWait adaWaits = waitFor(ada);
        ((org.openqa.selenium.JavascriptExecutor) ada).executeScript("window.notReloaded = true;");
        adaWaits.until(ExpectedConditions.textToBe(By.cssSelector("[data-testid=online-count]"), "2"));
        assertThat(members(ada)).as("a member does not see a hidden one").containsExactly("Ada Lovelace");
        assertThat(read(ada, "[data-testid=members]")).isEqualTo("2 members");
        assertThat(read(ada, "[data-testid=hidden-total]")).isEqualTo("1 hidden");
        assertThat(read(ada, "[data-testid=hidden-count]")).endsWith("+ 1 member hides their online status (staff see who)");
        assertThat(read(ada, "main")).as("nothing names the hidden member").doesNotContain("Grace");
        assertThat(read(ada, "[data-member-id='Ada Lovelace'] [data-testid=where]")).isEqualTo("on who is online");
        assertThat(attribute(ada, "[data-testid=board-roadmap-viewing]", "data-count"))
                .as("Grace views the Roadmap board, hidden or not").isEqualTo("1");

        // a crawler: one robot, by name, never a guest, and Ada's page shows it without a reload
        HttpClient http = HttpClient.newHttpClient();
        for (int i = 0; i < 2; i++) {
            HttpResponse<Void> r = http.send(HttpRequest.newBuilder(server.uri()).header("User-Agent", ExampleScenario.GOOGLEBOT).build(),
                    HttpResponse.BodyHandlers.discarding());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Set-Cookie")).as("no session for a robot").isEmpty();
        }
        adaWaits.withMessage("Googlebot among the robots").until(d -> robotNames(d).equals(List.of("Googlebot")));
        assertThat(read(ada, "[data-testid=robots-total]")).isEqualTo("1");
        assertThat(read(ada, "[data-testid=guests]")).as("a robot is not a guest").isEqualTo("0 guests");
        assertThat(read(ada, "[data-testid=online-count]")).isEqualTo("2");

        // staff see the hidden member, marked, and where she is
        hedy = browser("hedy");
        signIn(hedy, "Hedy Lamarr", true, false);
        assertThat(read(hedy, "[data-testid=staff-tag]")).isEqualTo("STAFF");
        waitFor(hedy).withMessage("Grace on the staff's home page, marked hidden").until(d -> d.findElements(
                By.cssSelector("[data-testid=online-list] [data-user-id='Grace Hopper'] .hidden-tag")).size() == 1);
        hedy.get(server.uri().resolve("who-is-online").toString());
        WebDriverWait hedyWaits = waitFor(hedy);
        hedyWaits.withMessage("three members for staff").until(d -> memberIds(d).size() == 3);
        assertThat(members(hedy)).containsExactlyInAnyOrder("Ada Lovelace", "Grace Hopper", "Hedy Lamarr");
        List<String> graceRow = hedyWaits.until(d -> {
            WebElement row = d.findElement(By.cssSelector("[data-member-id='Grace Hopper']"));
            return List.of(row.getAttribute("data-hidden"), row.findElement(By.cssSelector(".hidden-tag")).getText(),
                    row.findElement(By.cssSelector("[data-testid=where]")).getText());
        });
        assertThat(graceRow).as("Grace's row: hidden, marked, and where she is").containsExactly("true", "HIDDEN", "on the board Roadmap");
        assertThat(read(hedy, "[data-member-id='Ada Lovelace'] [data-testid=where]")).isEqualTo("on who is online");
        assertThat(count(hedy, "[data-testid=hidden-count]")).as("staff see every hidden member").isZero();
        screenshot(hedy, "17-who-is-online-as-staff");

        // Ada's page follows, through the live frame: Hedy came, and where she is
        adaWaits.until(ExpectedConditions.textToBe(By.cssSelector("[data-testid=online-count]"), "3"));
        adaWaits.withMessage("Hedy in Ada's list, on who is online").until(d -> memberIds(d).contains("Hedy Lamarr")
                && text(d, "[data-member-id='Hedy Lamarr'] [data-testid=where]").equals("on who is online"));
        assertThat(members(ada)).doesNotContain("Grace Hopper");

        // the record: three people at once, with its date
        assertThat(read(ada, "[data-testid=record-count]")).isEqualTo("3");
        long recordAt = java.time.Instant.parse(waitFor(ada).until(d -> d.findElement(
                By.cssSelector("[data-testid=record-date]")).getAttribute("datetime"))).toEpochMilli();
        assertThat(recordAt).isBetween(startedAt, System.currentTimeMillis());
        assertThat(read(ada, "[data-testid=record-date]")).isNotEmpty();
        screenshot(ada, "18-who-is-online-as-a-member");

        // Grace shows herself again (the toggle on her board page): Ada's page lists her, where she is
        click(grace, "[data-testid=hide-toggle]");
        graceWaits.until(ExpectedConditions.attributeToBe(By.cssSelector("[data-testid=hide-toggle]"), "aria-checked", "false"));
        awaitLive(grace);
        adaWaits.withMessage("Grace listed to Ada, on the Roadmap board").until(d -> memberIds(d).contains("Grace Hopper")
                && text(d, "[data-member-id='Grace Hopper'] [data-testid=where]").equals("on the board Roadmap"));
        assertThat(attribute(ada, "[data-member-id='Grace Hopper']", "data-hidden"))
                .isEqualTo("false");
        assertThat(count(ada, "[data-testid=hidden-total]")).isZero();

        // the home page's boards: how many view each
        hedy.get(server.uri().toString());
        waitFor(hedy).until(ExpectedConditions.attributeToBe(By.cssSelector("[data-testid=board-roadmap-viewing]"), "data-count", "1"));
        assertThat(read(hedy, "[data-testid=board-roadmap-viewing]")).isEqualTo("1 viewing");
        assertThat(hedy.findElements(By.cssSelector("[data-testid=board-design-viewing]"))).as("nobody views design").isEmpty();

        // all of it without a reload, and every request of Ada's page since was one online-now excludes
        assertThat(((org.openqa.selenium.JavascriptExecutor) ada).executeScript("return window.notReloaded === true;"))
                .as("Ada's page was never reloaded").isEqualTo(true);
        @SuppressWarnings("unchecked")
        List<String> fetched = (List<String>) ((org.openqa.selenium.JavascriptExecutor) ada).executeScript(
                "return performance.getEntriesByType('resource').filter(e => e.initiatorType === 'fetch').map(e => e.name);");
        assertThat(fetched).as("the page's own requests").isNotEmpty()
                .allSatisfy(u -> assertThat(u).contains("/parts/who-is-online"));
    }

    private static List<String> memberIds(WebDriver d) {
        return d.findElements(By.cssSelector("[data-testid=who-list] [data-member-id]")).stream()
                .map(e -> e.getAttribute("data-member-id")).toList();
    }

    private static List<String> robotNames(WebDriver d) {
        return d.findElements(By.cssSelector("[data-testid=robot]")).stream().map(e -> e.getText().trim()).toList();
    }

    private static boolean isDown(WebDriver d) {
        return "offline".equals(d.findElement(By.cssSelector("[data-testid=online-pill]")).getAttribute("data-state"))
                || d.findElement(By.id("offline-banner")).isDisplayed();
    }

    /** A board page while the server is down: it says so everywhere, and shows no count as current. */
    private static void boardWhileDown(WebDriver d) {
        WebDriverWait w = waitFor(d);
        w.withMessage("the connection says reconnecting")
                .until(ExpectedConditions.attributeToBe(By.id("conn"), "data-state", "waiting"));
        w.withMessage("no count of who is here").until(x -> !text(x, "#here-count").matches(".*\\d.*|.*only you.*"));
        w.withMessage("the people marked as not current").until(x -> "true".equals(
                x.findElement(By.cssSelector(".card:has(#here-list)")).getAttribute("data-stale")));
        w.withMessage("the top bar: offline, and the banner").until(x -> isDown(x)
                && x.findElement(By.id("offline-banner")).isDisplayed()
                && !x.findElement(By.cssSelector("[data-testid=online-count]")).isDisplayed());
        assertThat(d.findElements(By.cssSelector(".online-now-cursor"))).as("no frozen cursors").isEmpty();
    }

    private static void homeWhileDown(WebDriver d) {
        WebDriverWait w = waitFor(d);
        w.withMessage("the home page: offline, and the banner").until(x -> isDown(x)
                && x.findElement(By.id("offline-banner")).isDisplayed()
                && !x.findElement(By.cssSelector("[data-testid=online-count]")).isDisplayed());
        w.withMessage("who is online and in the boards marked as not current").until(x ->
                "true".equals(x.findElement(By.id("online")).getAttribute("data-stale"))
                        && "true".equals(x.findElement(By.cssSelector("[data-refresh=boards]")).getAttribute("data-stale")));
        assertThat(d.findElement(By.cssSelector("#online .stale-note")).getText()).startsWith("Not current: as of ");
        assertThat(text(d, "h1")).isEqualTo("Hi Grace Hopper, the server is not answering.");
    }

    /** A board page after the restart: both back, live, as the same people, nothing marked. */
    private static void boardAfter(WebDriver d, String me) {
        WebDriverWait w = waitFor(d);
        w.withMessage("live again").until(ExpectedConditions.attributeToBe(By.id("conn"), "data-state", "open"));
        w.until(ExpectedConditions.textToBe(By.id("here-count"), "2 here"));
        w.withMessage("both in the list").until(x -> hereIds(x).containsAll(List.of("Ada Lovelace", "Grace Hopper")));
        w.withMessage("nothing marked as not current").until(x -> x.findElements(By.cssSelector("[data-stale]")).isEmpty());
        w.withMessage("the top bar back").until(x -> !isDown(x));
        w.until(ExpectedConditions.textToBe(By.cssSelector("[data-testid=online-count]"), "2"));
        assertThat(text(d, "[data-testid=me]")).isEqualTo(me);
    }

    // --- steps ---------------------------------------------------------------------------

    private void signIn(WebDriver d, String name) {
        signIn(d, name, false, false);
    }

    /** Signs in through the home page's form, with the demo's options "staff" and "hide my online status". */
    private void signIn(WebDriver d, String name, boolean staff, boolean hide) {
        d.get(server.uri().toString());
        WebElement input = d.findElement(By.id("name"));
        input.sendKeys(name);
        if (staff) {
            d.findElement(By.cssSelector("[data-testid=sign-in-staff]")).click();
        }
        if (hide) {
            d.findElement(By.cssSelector("[data-testid=sign-in-hide]")).click();
        }
        input.submit();
        waitFor(d).withMessage("signed in as " + name)
                .until(ExpectedConditions.attributeToBe(By.cssSelector("[data-testid=me]"), "textContent", name));
    }

    private static void awaitLive(WebDriver d) {
        waitFor(d).withMessage("the live connection")
                .until(ExpectedConditions.attributeToBe(By.id("conn"), "data-state", "open"));
        waitFor(d).withMessage("the room's first state")
                .until(x -> !x.findElements(By.cssSelector("#here-list [data-user-id]")).isEmpty());
    }

    /**
     * Moves Grace's pointer to (dx, dy) from the board's centre and waits until Ada's drawing of
     * Grace's cursor arrives at the same place relative to Ada's board (within 2 px).
     */
    private void moveAndExpect(WebElement graceBoard, int dx, int dy) {
        new Actions(grace).moveToElement(graceBoard, dx, dy).perform();
        double fx = (graceBoard.getSize().getWidth() / 2.0 + dx) / graceBoard.getSize().getWidth();
        double fy = (graceBoard.getSize().getHeight() / 2.0 + dy) / graceBoard.getSize().getHeight();
        waitFor(ada).withMessage(() -> "Grace's cursor at " + fx + ", " + fy).until(d -> {
            List<WebElement> c = d.findElements(By.cssSelector(".online-now-cursor[data-id='Grace Hopper']"));
            if (c.isEmpty()) {
                return false;
            }
            Matcher m = TRANSLATE.matcher(c.get(0).getAttribute("style"));
            if (!m.find()) {
                return false;
            }
            WebElement board = d.findElement(By.id("board"));
            double x = Double.parseDouble(m.group(1));
            double y = Double.parseDouble(m.group(2));
            return Math.abs(x - fx * board.getSize().getWidth()) <= 3 && Math.abs(y - fy * board.getSize().getHeight()) <= 3;
        });
    }

    /** Clicks an element of a part of the page that may be re-rendered meanwhile. */
    private static void click(WebDriver d, String css) {
        waitFor(d).withMessage("clicking " + css).until(x -> {
            x.findElement(By.cssSelector(css)).click();
            return true;
        });
    }

    /* Pages re-render parts of themselves (the home list every few seconds, the board on every
     * event): an element read between two renders is stale, which only means "look again". */
    private static WebDriverWait waitFor(WebDriver d) {
        WebDriverWait w = new WebDriverWait(d, WAIT);
        w.ignoring(StaleElementReferenceException.class);
        return w;
    }

    /**
     * Measures the contrast of the text of every element matching {@code css} (at least
     * {@code atLeast} of them) on its own background, from the colours the browser computed.
     */
    private static void assertReadable(WebDriver d, String css, int atLeast) {
        @SuppressWarnings("unchecked")
        List<List<String>> painted = (List<List<String>>) ((org.openqa.selenium.JavascriptExecutor) d).executeScript(
                "return Array.from(document.querySelectorAll(arguments[0])).map(e => {"
                        + " const s = getComputedStyle(e); return [e.textContent, s.color, s.backgroundColor]; });", css);
        assertThat(painted).as("elements " + css).hasSizeGreaterThanOrEqualTo(atLeast);
        for (List<String> p : painted) {
            double ratio = contrast(rgb(p.get(1)), rgb(p.get(2)));
            assertThat(ratio).as("contrast of \"" + p.get(0) + "\": " + p.get(1) + " on " + p.get(2))
                    .isGreaterThanOrEqualTo(4.5);
        }
    }

    private static final Pattern RGB = Pattern.compile("rgba?\\((\\d+), (\\d+), (\\d+)(, ([0-9.]+))?\\)");

    private static int[] rgb(String css) {
        Matcher m = RGB.matcher(css);
        assertThat(m.matches()).as("a computed colour: " + css).isTrue();
        assertThat(m.group(5) == null || Double.parseDouble(m.group(5)) == 1).as("opaque: " + css).isTrue();
        return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))};
    }

    /** WCAG 2.2's contrast ratio of two sRGB colours. */
    static double contrast(int[] a, int[] b) {
        double la = luminance(a);
        double lb = luminance(b);
        return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
    }

    private static double luminance(int[] rgb) {
        double[] w = {0.2126, 0.7152, 0.0722};
        double l = 0;
        for (int i = 0; i < 3; i++) {
            double c = rgb[i] / 255.0;
            l += w[i] * (c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4));
        }
        return l;
    }

    /** The input's placeholder is not cut off: its text fits the input's content box. */
    private static void assertPlaceholderFits(WebDriver d, String css) {
        Object spare = ((org.openqa.selenium.JavascriptExecutor) d).executeScript(
                "const i = document.querySelector(arguments[0]); const s = getComputedStyle(i);"
                        + " const c = document.createElement('canvas').getContext('2d'); c.font = s.font;"
                        + " return i.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight)"
                        + " - c.measureText(i.placeholder).width;", css);
        assertThat(((Number) spare).doubleValue()).as("room left by the placeholder of " + css + " in px").isPositive();
    }

    private static void assertNoHorizontalScroll(WebDriver d) {
        Object overflow = ((org.openqa.selenium.JavascriptExecutor) d).executeScript(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
        assertThat(((Number) overflow).intValue()).as("horizontal overflow in px").isLessThanOrEqualTo(0);
    }

    /* Reads of parts of the page that may be re-rendered meanwhile (a stale element: look again). */

    private static List<String> members(WebDriver d) {
        return waitFor(d).until(BrowserIT::memberIds);
    }

    private static String attribute(WebDriver d, String css, String name) {
        return waitFor(d).until(x -> x.findElement(By.cssSelector(css)).getAttribute(name));
    }

    private static int count(WebDriver d, String css) {
        return waitFor(d).until(x -> x.findElements(By.cssSelector(css))).size();
    }

    /** The text of an element of a part of the page that may be re-rendered meanwhile. */
    private static String read(WebDriver d, String css) {
        return waitFor(d).until(x -> text(x, css));
    }

    private static String text(WebDriver d, String css) {
        return d.findElement(By.cssSelector(css)).getText().trim();
    }

    private static List<String> onlineIds(WebDriver d) {
        return d.findElements(By.cssSelector("[data-testid=online-list] [data-user-id]")).stream()
                .map(e -> e.getAttribute("data-user-id")).toList();
    }

    private static List<String> hereIds(WebDriver d) {
        return d.findElements(By.cssSelector("#here-list [data-user-id]")).stream()
                .map(e -> e.getAttribute("data-user-id")).toList();
    }

    private static List<String> toastTexts(WebDriver d) {
        return d.findElements(By.cssSelector("#toasts .toast")).stream().map(e -> e.getText().trim()).toList();
    }

    private void screenshot(WebDriver d, String name) throws IOException {
        byte[] png = ((TakesScreenshot) d).getScreenshotAs(OutputType.BYTES);
        Files.write(screenshots.resolve(name + ".png"), png);
    }

    private static WebDriver browser(String who) throws IOException {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        Path profile = Files.createTempDirectory("online-now-chromium-" + who + "-");
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + profile, "--window-size=1280,860",
                "--force-device-scale-factor=1", "--lang=en-US");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER))
                .usingAnyFreePort()
                .build();
        return new ChromeDriver(service, options);
    }
}
