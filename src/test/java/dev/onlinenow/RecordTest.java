package dev.onlinenow;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

/** The record: the most people (users and guests, not robots) online at once, and when. */
class RecordTest {

    private final MutableClock clock = new MutableClock();
    private final ServletContext context = mock(ServletContext.class);
    private OnlineNow online;
    private OnlineNowFilter filter;

    @AfterEach
    void close() {
        if (online != null) {
            online.close();
        }
    }

    private void start() {
        online = OnlineNow.inProcess(OnlineNowSettings.builder().userId(UserIdSource.sessionAttribute("user"))
                .trackAnonymous(true).clock(clock).ticker(clock.ticker()).build());
        filter = new OnlineNowFilter(online);
    }

    private FakeSession session(String user) {
        FakeSession s = new FakeSession(context);
        if (user != null) {
            s.setAttribute("user", user);
        }
        return s;
    }

    private Map<String, Object> request(FakeSession session, String userAgent) throws Exception {
        HttpServletRequest req = mock(HttpServletRequest.class);
        Map<String, Object> attributes = new HashMap<>();
        when(req.getServletPath()).thenReturn("/");
        when(req.getHeader("User-Agent")).thenReturn(userAgent);
        when(req.getSession(false)).thenReturn(session);
        when(req.getSession(true)).thenReturn(session);
        filter.doFilter(req, mock(HttpServletResponse.class), PageSees.chain(attributes));
        return attributes;
    }

    private static OnlineRecord record(Map<String, Object> attributes) {
        return (OnlineRecord) attributes.get(OnlineNowFilter.RECORD_ATTRIBUTE);
    }

    @Test
    void theRecordRisesWithThePeopleOnlineAndKeepsItsDate() throws Exception {
        start();
        OnlineRecord none = record(request(null, null));
        assertThat(none.getCount()).isZero();
        assertThat(none.getDate()).isNull();

        FakeSession ann = session("ann");
        request(ann, null);
        clock.advance(Duration.ofMinutes(1));
        FakeSession guest = session(null);
        request(guest, null);
        request(guest, null); // a guest from its second request
        java.time.Instant peak = clock.instant();
        clock.advance(Duration.ofMinutes(1));
        request(session(null), "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)");
        OnlineRecord r = record(request(ann, null));
        assertThat(r.getCount()).as("ann and the guest; the robot is not people").isEqualTo(2);
        assertThat(r.getDate()).isEqualTo(java.util.Date.from(peak));
        assertThat(record(request(ann, null))).as("the same object while it stands").isSameAs(r);

        // fewer people later: the record stands
        guest.invalidate();
        clock.advance(Duration.ofMinutes(20));
        OnlineRecord later = record(request(ann, null));
        assertThat(later).isSameAs(r);
        assertThat(online.count()).isEqualTo(1);
    }

    @Test
    void aRecordLearntFromElsewhereIsKeptOnlyIfItBeatsThisOne() {
        start();
        online.noteCount(5);
        OnlineRecord five = online.record();
        online.learnRecord(3, 1);
        assertThat(online.record()).isSameAs(five);
        online.learnRecord(5, five.getMillis() - 1000);
        assertThat(online.record().getMillis()).as("as many, earlier: the first time counts").isEqualTo(five.getMillis() - 1000);
        online.learnRecord(9, 42);
        assertThat(online.record().getCount()).isEqualTo(9);
        online.noteCount(9);
        assertThat(online.record().getMillis()).isEqualTo(42);
    }
}
