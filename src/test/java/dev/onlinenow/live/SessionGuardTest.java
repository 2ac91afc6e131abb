package dev.onlinenow.live;

import jakarta.servlet.http.HttpSession;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

/** Keeping an active user's HttpSession alive while they work on a socket, on the Servlet API alone. */
class SessionGuardTest {

    private static final long T0 = 1_700_000_000_000L;

    private final Map<String, Object> attributes = new HashMap<>();
    private final AtomicInteger interval = new AtomicInteger(1800);
    private final AtomicLong lastAccessed = new AtomicLong(T0);
    private final HttpSession session = mock(HttpSession.class);

    SessionGuardTest() {
        when(session.getAttribute(anyString())).thenAnswer(i -> attributes.get((String) i.getArgument(0)));
        doAnswer(i -> attributes.put(i.getArgument(0), i.getArgument(1))).when(session).setAttribute(anyString(), any());
        when(session.getMaxInactiveInterval()).thenAnswer(i -> interval.get());
        doAnswer(i -> {
            interval.set(i.getArgument(0));
            return null;
        }).when(session).setMaxInactiveInterval(anyInt());
        when(session.getLastAccessedTime()).thenAnswer(i -> lastAccessed.get());
    }

    private static long minutes(long m) {
        return TimeUnit.MINUTES.toMillis(m);
    }

    @Test
    void anActiveUserSessionEndsItsOwnTimeoutAfterTheirLastActionNotTheirLastRequest() {
        SessionGuard.of(session);
        SessionGuard.keepAlive(session, T0 + minutes(25));
        assertThat(lastAccessed.get() + interval.get() * 1000L).as("expires 30 min after the last action")
                .isEqualTo(T0 + minutes(25) + minutes(30));

        SessionGuard.keepAlive(session, T0 + minutes(50));
        assertThat(lastAccessed.get() + interval.get() * 1000L).isEqualTo(T0 + minutes(80));

        // a page load: the container's own clock restarts, and the next call brings the timeout back
        lastAccessed.set(T0 + minutes(60));
        SessionGuard.keepAlive(session, T0 + minutes(61));
        assertThat(interval.get()).isEqualTo(60 + 1800);
        SessionGuard.keepAlive(session, T0 + minutes(60));
        assertThat(interval.get()).as("never below the session's own timeout").isEqualTo(1800);
    }

    @Test
    void aSessionThatNeverExpiresOrHasNoGuardIsLeftAlone() {
        SessionGuard.keepAlive(session, T0 + minutes(25));
        assertThat(interval.get()).as("no live connection ever used it").isEqualTo(1800);

        SessionGuard.of(session);
        interval.set(-1);
        SessionGuard.keepAlive(session, T0 + minutes(25));
        assertThat(interval.get()).isEqualTo(-1);
    }
}
