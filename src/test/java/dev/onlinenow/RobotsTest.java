package dev.onlinenow;

import jakarta.servlet.FilterChain;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

/** Robots: recognised by uap-core's patterns, counted by name, never users or guests, never given a session. */
class RobotsTest {

    static final String GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
    static final String BINGBOT = "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; "
            + "+http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36";
    static final String CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            + "Chrome/120.0.0.0 Safari/537.36";

    private final MutableClock clock = new MutableClock();
    private OnlineNow online;

    @AfterEach
    void close() {
        if (online != null) {
            online.close();
        }
    }

    @Test
    void theMaintainedPatternsNameTheRobots() {
        Robots robots = Robots.uapCore(clock.ticker());
        assertThat(robots.nameOf(GOOGLEBOT)).isEqualTo("Googlebot");
        assertThat(robots.nameOf(BINGBOT)).isEqualTo("bingbot");
        assertThat(robots.nameOf("Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; "
                + "+https://openai.com/gptbot)")).isEqualTo("GPTBot");
        assertThat(robots.nameOf(CHROME)).isNull();
        assertThat(robots.nameOf("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
                + "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1")).isNull();
        assertThat(robots.nameOf(null)).isNull();
        assertThat(robots.nameOf("")).isNull();
    }

    @Test
    void eachDistinctUserAgentIsClassifiedOnceInABoundedTable() {
        AtomicInteger calls = new AtomicInteger();
        Robots robots = new Robots(ua -> {
            calls.incrementAndGet();
            return ua.contains("bot") ? "Somebot" : null;
        }, clock.ticker());
        for (int i = 0; i < 100; i++) {
            assertThat(robots.nameOf("a bot")).isEqualTo("Somebot");
            assertThat(robots.nameOf(new String("a browser"))).isNull();
        }
        assertThat(calls).hasValue(2);
        for (int i = 0; i < Robots.CACHE_SIZE * 2; i++) {
            robots.nameOf("agent " + i);
            if (i % Robots.CLASSIFY_PER_SECOND == 0) {
                clock.advance(Duration.ofSeconds(1));
            }
        }
        assertThat(robots.remembered()).isLessThanOrEqualTo(Robots.CACHE_SIZE);
        // a User-Agent longer than MAX_AGENT_CHARS is looked at (and remembered) by its beginning
        String longBot = "bot" + "x".repeat(10_000);
        calls.set(0);
        robots.nameOf(longBot);
        robots.nameOf(longBot + "y");
        assertThat(calls).hasValue(1);
    }

    @Test
    void aFloodOfMadeUpUserAgentsCostsAtMostTheBudgetASecond() {
        AtomicInteger calls = new AtomicInteger();
        Robots robots = new Robots(ua -> {
            calls.incrementAndGet();
            return "Floodbot";
        }, clock.ticker());
        int robotsSeen = 0;
        for (int i = 0; i < 10_000; i++) {
            if (robots.nameOf("made up " + i) != null) {
                robotsSeen++;
            }
        }
        assertThat(calls).hasValue(Robots.CLASSIFY_PER_SECOND);
        assertThat(robotsSeen).isEqualTo(Robots.CLASSIFY_PER_SECOND);
        clock.advance(Duration.ofSeconds(1));
        assertThat(robots.nameOf("made up 9999")).isEqualTo("Floodbot"); // classified when it comes again
    }

    @Test
    void withoutItsDependenciesNobodyIsARobotAndNoRequestFails() {
        AtomicInteger calls = new AtomicInteger();
        Robots robots = new Robots(ua -> {
            calls.incrementAndGet();
            throw new NoClassDefFoundError("ua_parser/Parser");
        }, clock.ticker());
        assertThat(robots.nameOf(GOOGLEBOT)).isNull();
        assertThat(robots.nameOf(BINGBOT)).isNull();
        assertThat(calls).as("tried once, then known to be unavailable").hasValue(1);
    }

    @Test
    void aUserAgentThePatternsChokeOnIsNoRobot() {
        AtomicInteger calls = new AtomicInteger();
        Robots robots = new Robots(ua -> {
            calls.incrementAndGet();
            throw new StackOverflowError();
        }, clock.ticker());
        assertThat(robots.nameOf("(((((")).isNull();
        assertThat(robots.nameOf("(((((")).isNull();
        assertThat(calls).as("remembered as no robot").hasValue(1);
    }

    @Test
    void namesAreCleanedOfControlCharactersAndBounded() {
        assertThat(Robots.clean("Evil\u0007bot\n")).isEqualTo("Evilbot");
        assertThat(Robots.clean("Other")).isEqualTo("robot");
        assertThat(Robots.clean("b".repeat(500))).hasSize(Robots.MAX_NAME_CHARS);
    }

    // --- through the filter ----------------------------------------------------------------------

    private OnlineNowFilter filter(boolean robots) {
        online = OnlineNow.inProcess(OnlineNowSettings.builder().trackAnonymous(true).robots(robots)
                .clock(clock).ticker(clock.ticker()).build());
        return new OnlineNowFilter(online);
    }

    private Map<String, Object> request(OnlineNowFilter filter, String userAgent, FakeSession session,
                                        HttpServletRequest[] out) throws Exception {
        HttpServletRequest req = mock(HttpServletRequest.class);
        Map<String, Object> attributes = new HashMap<>();
        when(req.getServletPath()).thenReturn("/");
        when(req.getHeader("User-Agent")).thenReturn(userAgent);
        when(req.getSession(false)).thenReturn(session);
        filter.doFilter(req, mock(HttpServletResponse.class), PageSees.chain(attributes));
        if (out != null) {
            out[0] = req;
        }
        return attributes;
    }

    @Test
    @SuppressWarnings("unchecked")
    void aRobotIsCountedByNameNeverAsAGuestAndGetsNoSession() throws Exception {
        OnlineNowFilter filter = filter(true);
        HttpServletRequest[] req = new HttpServletRequest[1];
        request(filter, GOOGLEBOT, null, req);
        verify(req[0], never()).getSession(true);
        verify(req[0], never()).getSession();
        request(filter, GOOGLEBOT, null, null);
        clock.advance(Duration.ofSeconds(3));
        // a robot that keeps its cookie is still no guest
        FakeSession kept = new FakeSession(mock(jakarta.servlet.ServletContext.class));
        request(filter, BINGBOT, kept, null);
        Map<String, Object> attrs = request(filter, CHROME, null, null);
        assertThat(attrs.get(OnlineNowFilter.ROBOT_COUNT_ATTRIBUTE)).isEqualTo(2L);
        assertThat(List.copyOf((List<String>) attrs.get(OnlineNowFilter.ROBOTS_ATTRIBUTE))).containsExactly("bingbot", "Googlebot");
        assertThat(attrs.get(OnlineNowFilter.COUNT_ATTRIBUTE)).isEqualTo(0L);
        assertThat(attrs.get(OnlineNowFilter.GUEST_COUNT_ATTRIBUTE)).isEqualTo(0L);
        assertThat(kept.getAttribute(SessionMarker.ATTRIBUTE)).as("no guest marker").isNull();
        assertThat(online.robotCount()).isEqualTo(2);
        clock.advance(Duration.ofMinutes(15));
        assertThat(online.robotCount()).isZero();
    }

    @Test
    void aSignedInUserIsAUserWhateverTheirUserAgent() throws Exception {
        OnlineNowFilter filter = filter(true);
        HttpServletRequest req = mock(HttpServletRequest.class);
        when(req.getServletPath()).thenReturn("/");
        when(req.getRemoteUser()).thenReturn("ann");
        when(req.getHeader("User-Agent")).thenReturn(GOOGLEBOT);
        filter.doFilter(req, mock(HttpServletResponse.class), mock(FilterChain.class));
        assertThat(online.count()).isEqualTo(1);
        assertThat(online.robotCount()).isZero();
        verify(req, never()).getHeader("User-Agent");
    }

    @Test
    void withRobotsOffACrawlerIsAnyVisitorAsBefore() throws Exception {
        OnlineNowFilter filter = filter(false);
        HttpServletRequest[] req = new HttpServletRequest[1];
        Map<String, Object> attrs = request(filter, GOOGLEBOT, null, req);
        verify(req[0]).getSession(true); // trackAnonymous's first visit, as for anyone
        assertThat(attrs.get(OnlineNowFilter.ROBOT_COUNT_ATTRIBUTE)).isEqualTo(0L);
        assertThat((List<?>) attrs.get(OnlineNowFilter.ROBOTS_ATTRIBUTE)).isEmpty();
        assertThat(online.robotCount()).isZero();
        assertThat(online.robotOf(GOOGLEBOT)).isNull();
    }
}
