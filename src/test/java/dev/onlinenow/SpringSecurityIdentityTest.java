package dev.onlinenow;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.AuthorityUtils;
import org.springframework.security.core.context.SecurityContextImpl;

import java.security.Principal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

/**
 * Spring Security's signed-in users, whichever filter runs first: with the real SecurityContext
 * classes (test scope only; the core knows no Spring class) in a session.
 */
class SpringSecurityIdentityTest {

    private final MutableClock clock = new MutableClock();
    private final ServletContext context = mock(ServletContext.class);
    private final Map<String, Object> contextAttributes = new HashMap<>();
    private OnlineNow online;

    SpringSecurityIdentityTest() {
        when(context.getAttribute(anyString())).thenAnswer(i -> contextAttributes.get(i.getArgument(0, String.class)));
        doAnswer(i -> contextAttributes.put(i.getArgument(0), i.getArgument(1))).when(context).setAttribute(anyString(), any());
        doAnswer(i -> contextAttributes.remove(i.getArgument(0, String.class))).when(context).removeAttribute(anyString());
        when(context.getInitParameterNames()).thenReturn(Collections.emptyEnumeration());
    }

    @AfterEach
    void close() {
        if (online != null) {
            online.close();
        }
    }

    private OnlineNowFilter filter(OnlineNowSettings.Builder settings) {
        online = OnlineNow.inProcess(settings.clock(clock).build());
        OnlineNow.install(context, online);
        return new OnlineNowFilter(online);
    }

    /** A request as the filter sees it before Spring's chain: no remote user; the page may act. */
    private void request(OnlineNowFilter filter, FakeSession session, Consumer<FakeSession> chainDoes) throws Exception {
        HttpServletRequest req = mock(HttpServletRequest.class);
        when(req.getServletPath()).thenReturn("/");
        when(req.getSession(false)).thenAnswer(i -> session);
        FilterChain chain = mock(FilterChain.class);
        doAnswer(i -> {
            chainDoes.accept(session);
            return null;
        }).when(chain).doFilter(any(), any());
        filter.doFilter(req, mock(HttpServletResponse.class), chain);
    }

    private static SecurityContextImpl signedIn(String name) {
        return new SecurityContextImpl(UsernamePasswordAuthenticationToken.authenticated(name, "secret",
                AuthorityUtils.createAuthorityList("ROLE_USER")));
    }

    @Test
    void principalReadsSpringSecuritysContextInTheSessionWhenTheFilterRunsBeforeItsChain() throws Exception {
        OnlineNowFilter filter = filter(OnlineNowSettings.builder());
        FakeSession ann = new FakeSession(context);
        ann.setAttribute(UserIdSource.SPRING_SECURITY_CONTEXT, signedIn("ann"));
        request(filter, ann, s -> { });
        assertThat(online.onlineIds()).containsExactly("ann");
    }

    @Test
    void theSignedInUserCountsFromThePageTheLoginRedirectsToAndLeavesAtLogout() throws Exception {
        OnlineNowFilter filter = filter(OnlineNowSettings.builder());
        FakeSession session = new FakeSession(context);
        // the login form's POST: nobody before the chain, Spring saves the context during it
        request(filter, session, s -> s.setAttribute(UserIdSource.SPRING_SECURITY_CONTEXT, signedIn("bob")));
        // the redirect's GET, the filter before the chain
        request(filter, session, s -> { });
        assertThat(online.onlineIds()).containsExactly("bob");
        // Spring's logout invalidates the session: the user leaves at once
        session.invalidate();
        assertThat(online.onlineIds()).isEmpty();
    }

    @Test
    void anonymousOrUnauthenticatedContextsAreNobody() throws Exception {
        OnlineNowFilter filter = filter(OnlineNowSettings.builder());
        FakeSession anonymous = new FakeSession(context);
        anonymous.setAttribute(UserIdSource.SPRING_SECURITY_CONTEXT, new SecurityContextImpl(
                new AnonymousAuthenticationToken("key", "anonymousUser", AuthorityUtils.createAuthorityList("ROLE_ANONYMOUS"))));
        FakeSession unauthenticated = new FakeSession(context);
        unauthenticated.setAttribute(UserIdSource.SPRING_SECURITY_CONTEXT, new SecurityContextImpl(
                UsernamePasswordAuthenticationToken.unauthenticated("eve", "guess")));
        FakeSession empty = new FakeSession(context);
        empty.setAttribute(UserIdSource.SPRING_SECURITY_CONTEXT, new SecurityContextImpl());
        request(filter, anonymous, s -> { });
        request(filter, unauthenticated, s -> { });
        request(filter, empty, s -> { });
        assertThat(online.count()).isZero();
    }

    @Test
    void theRemoteUserComesFirstAndTheHandshakeReadsTheContextToo() {
        UserIdSource principal = UserIdSource.principal();
        FakeSession session = new FakeSession(context);
        session.setAttribute(UserIdSource.SPRING_SECURITY_CONTEXT, signedIn("ann"));
        Principal container = () -> "ann";
        assertThat(principal.userId(container, session)).isEqualTo("ann");
        assertThat(principal.userId(null, session)).isEqualTo("ann");
        assertThat(principal.userId(null, new FakeSession(context))).isNull();
        HttpServletRequest req = mock(HttpServletRequest.class);
        when(req.getRemoteUser()).thenReturn("container-ann");
        assertThat(principal.userIdOf(req, session)).isEqualTo("container-ann");
    }

    @Test
    void nestedSessionPropertiesAreReadThroughGetters() {
        FakeSession session = new FakeSession(context);
        session.setAttribute(UserIdSource.SPRING_SECURITY_CONTEXT, signedIn("ann"));
        UserIdSource source = UserIdSource.parse("session:SPRING_SECURITY_CONTEXT.authentication.name");
        assertThat(source).hasToString("session:SPRING_SECURITY_CONTEXT.authentication.name");
        assertThat(source.userId(null, session)).isEqualTo("ann");
        // a null on the way is nobody
        session.setAttribute(UserIdSource.SPRING_SECURITY_CONTEXT, new SecurityContextImpl());
        assertThat(source.userId(null, session)).isNull();
    }

    @Test
    void aPublicInterfacesGetterIsCalledOnAPrivateClass() {
        FakeSession session = new FakeSession(context);
        session.setAttribute("account", new Holder(new HiddenProfile("ann.lee")));
        assertThat(UserIdSource.parse("session:account.profile.login").userId(null, session)).isEqualTo("ann.lee");
        assertThat(UserIdSource.parse("session:account.profile.isLogin").userId(null, session)).isNull();
    }

    @Test
    void aMissingGetterIsNobodyAndSaidOncePerClass() {
        List<LogRecord> warnings = capture(UserIdSource.class);
        FakeSession session = new FakeSession(context);
        session.setAttribute("account", new Holder(new HiddenProfile("ann.lee")));
        UserIdSource source = UserIdSource.parse("session:account.profile.email");
        for (int i = 0; i < 3; i++) {
            assertThat(source.userId(null, session)).isNull();
        }
        assertThat(warnings).hasSize(1);
        assertThat(warnings.get(0).getMessage()).contains("'account'", "'email'", HiddenProfile.class.getName());
    }

    @Test
    void badPathsStopStartUpNamingTheRule() {
        for (String bad : List.of("session:", "session:.name", "session:a..b", "session:a.b.", "session:a.1b", "session:a.b-c")) {
            assertThatThrownBy(() -> OnlineNowSettings.parse(Map.of("userId", bad)))
                    .as(bad).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("userId");
        }
    }

    @Test
    void aSignInByAnotherFrameworkAfterTheFilterIsSaidOnceNamingTheFix() throws Exception {
        List<LogRecord> warnings = capture(OnlineNowFilter.class);
        OnlineNowFilter filter = filter(OnlineNowSettings.builder());
        for (int i = 0; i < 3; i++) {
            FakeSession session = new FakeSession(context);
            session.setAttribute("org.apache.shiro.subject.support.DefaultSubjectContext_PRINCIPALS_SESSION_KEY", "ann");
            request(filter, session, s -> { });
        }
        assertThat(warnings).hasSize(1);
        assertThat(warnings.get(0).getMessage()).contains("Apache Shiro", "after OnlineNowFilter", "<filter-mapping>");
    }

    @Test
    void aHandshakeThatKnowsAUserTheFilterNeverSawIsSaidOnce() throws Exception {
        List<LogRecord> warnings = capture(OnlineNow.class);
        OnlineNowFilter filter = filter(OnlineNowSettings.builder());
        filter.init(null);
        FakeSession counted = new FakeSession(context);
        counted.setAttribute(UserIdSource.SPRING_SECURITY_CONTEXT, signedIn("ann"));
        request(filter, counted, s -> { });
        online.noteHandshakeUser("ann", counted);
        assertThat(warnings).isEmpty();
        FakeSession unseen = new FakeSession(context);
        request(filter, unseen, s -> { });
        online.noteHandshakeUser("bob", unseen);
        online.noteHandshakeUser("bob", unseen);
        assertThat(warnings).hasSize(1);
        assertThat(warnings.get(0).getMessage()).contains("bob", "after OnlineNowFilter", "higher order");
    }

    private static List<LogRecord> capture(Class<?> source) {
        Logger logger = Logger.getLogger(source.getName());
        List<LogRecord> out = Collections.synchronizedList(new ArrayList<>());
        logger.addHandler(new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()) {
                    out.add(r);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        });
        HANDLERS.add(logger);
        return out;
    }

    private static final List<Logger> HANDLERS = new ArrayList<>(); // keeps the loggers (and handlers) reachable

    /** A public interface implemented by a private class, as frameworks hand out. */
    public interface Profile {
        String getLogin();
    }

    private static final class HiddenProfile implements Profile {
        private final String login;

        HiddenProfile(String login) {
            this.login = login;
        }

        @Override
        public String getLogin() {
            return login;
        }
    }

    public static final class Holder {
        private final Profile profile;

        Holder(Profile profile) {
            this.profile = profile;
        }

        public Profile getProfile() {
            return profile;
        }
    }
}
