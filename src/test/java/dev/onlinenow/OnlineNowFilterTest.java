package dev.onlinenow;

import dev.onlinenow.internal.store.EhcachePresenceStore;
import dev.onlinenow.store.PresenceStore;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyBoolean;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.spy;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

class OnlineNowFilterTest {

    private final MutableClock clock = new MutableClock();
    private final ServletContext context = mock(ServletContext.class);
    private final Map<String, Object> contextAttributes = new HashMap<>();
    private OnlineNow online;

    OnlineNowFilterTest() {
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

    /** One request; returns the attributes its page sees. */
    private Map<String, Object> request(OnlineNowFilter filter, String remoteUser, FakeSession session, String path)
            throws Exception {
        return request(filter, remoteUser, session, path, r -> { });
    }

    /** One request whose page does {@code page}; returns the attributes it sees. */
    private Map<String, Object> request(OnlineNowFilter filter, String remoteUser, FakeSession session, String path,
                                        Consumer<HttpServletRequest> page) throws Exception {
        HttpServletRequest req = mock(HttpServletRequest.class);
        Map<String, Object> attributes = new HashMap<>();
        when(req.getRemoteUser()).thenReturn(remoteUser);
        when(req.getRequestURI()).thenReturn("/app" + path);
        when(req.getContextPath()).thenReturn("/app");
        when(req.getServletPath()).thenReturn(path);
        when(req.getSession(false)).thenReturn(session);
        when(req.getSession(true)).thenReturn(session);
        when(req.getSession()).thenReturn(session);
        Map<String, Object> container = new HashMap<>(); // the container's request attributes
        doAnswer(i -> container.put(i.getArgument(0), i.getArgument(1))).when(req).setAttribute(anyString(), any());
        when(req.getAttribute(anyString())).thenAnswer(i -> container.get(i.getArgument(0, String.class)));
        FilterChain chain = mock(FilterChain.class);
        FilterChain pageSees = PageSees.chain(attributes, page);
        doAnswer(i -> {
            pageSees.doFilter(i.getArgument(0), i.getArgument(1));
            return null;
        }).when(chain).doFilter(any(), any());
        filter.doFilter(req, mock(HttpServletResponse.class), chain);
        verify(chain).doFilter(any(), any());
        lastRequest = req;
        return attributes;
    }

    private HttpServletRequest lastRequest;

    private Map<String, Object> request(OnlineNowFilter filter, String remoteUser) throws Exception {
        return request(filter, remoteUser, null, "/");
    }

    @SuppressWarnings("unchecked")
    private static List<String> ids(Map<String, Object> attributes) {
        return List.copyOf((List<String>) attributes.get(OnlineNowFilter.IDS_ATTRIBUTE));
    }

    @Test
    void exposesIdsMostRecentFirstAndAnExactCount() throws Exception {
        OnlineNowFilter filter = filter(OnlineNowSettings.builder().maxCount(3));
        for (int i = 0; i < 10; i++) {
            request(filter, "u" + i);
            clock.advance(Duration.ofSeconds(2));
        }
        Map<String, Object> attrs = request(filter, "u4");
        assertThat(ids(attrs)).containsExactly("u4", "u9", "u8");
        assertThat(attrs.get(OnlineNowFilter.COUNT_ATTRIBUTE)).isEqualTo(10L);
        assertThat(attrs.get(OnlineNowFilter.GUEST_COUNT_ATTRIBUTE)).isEqualTo(0L);
    }

    @Test
    @SuppressWarnings("unchecked")
    void onlineNowIsResolvedLazilyInOneBatch() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        online = OnlineNow.create(OnlineNowSettings.builder().clock(clock).build(),
                new EhcachePresenceStore("u", Duration.ofMinutes(15), 1000, clock),
                new EhcachePresenceStore("g", Duration.ofMinutes(15), 1000, clock),
                ids -> {
                    calls.incrementAndGet();
                    return ids.stream().collect(Collectors.toMap(id -> id, id -> new UserInfo(id.toUpperCase())));
                });
        OnlineNowFilter filter = new OnlineNowFilter(online);
        request(filter, "ann");
        clock.advance(Duration.ofSeconds(5));
        Map<String, Object> attrs = request(filter, "bob");
        assertThat(calls).hasValue(0);
        List<OnlineUser> users = (List<OnlineUser>) attrs.get(OnlineNowFilter.USERS_ATTRIBUTE);
        assertThat(users).extracting(OnlineUser::getId).containsExactly("bob", "ann");
        assertThat(users).extracting(OnlineUser::getName).containsExactly("BOB", "ANN");
        assertThat(users.get(0).getLastSeen()).isEqualTo(clock.instant());
        assertThat(users.size()).isEqualTo(2);
        assertThat(calls).hasValue(1);
    }

    @Test
    void sessionAttributeIdentityAndLogoutByInvalidation() throws Exception {
        OnlineNowFilter filter = filter(OnlineNowSettings.builder().userId(UserIdSource.parse("session:user")));
        FakeSession ann = new FakeSession(context);
        ann.setAttribute("user", "ann");
        FakeSession bob = new FakeSession(context);
        bob.setAttribute("user", "bob");
        request(filter, null, ann, "/");
        request(filter, null, bob, "/");
        assertThat(online.count()).isEqualTo(2);

        ann.invalidate();
        assertThat(online.count()).isEqualTo(1);
        assertThat(online.isOnline("ann")).isFalse();
        assertThat(ids(request(filter, null, bob, "/"))).containsExactly("bob");
    }

    @Test
    void aUserLeavesOnlyWhenTheirLastSessionEnds() throws Exception {
        OnlineNowFilter filter = filter(OnlineNowSettings.builder().userId(UserIdSource.parse("session:user")));
        FakeSession laptop = new FakeSession(context);
        laptop.setAttribute("user", "ann");
        FakeSession phone = new FakeSession(context);
        phone.setAttribute("user", "ann");
        request(filter, null, laptop, "/");
        request(filter, null, phone, "/");

        laptop.invalidate();
        assertThat(online.isOnline("ann")).isTrue();
        phone.invalidate();
        assertThat(online.isOnline("ann")).isFalse();
    }

    @Test
    void signingOutByRemovingTheAttributeLeavesOnTheNextRequest() throws Exception {
        OnlineNowFilter filter = filter(OnlineNowSettings.builder().userId(UserIdSource.parse("session:user")));
        FakeSession session = new FakeSession(context);
        session.setAttribute("user", "ann");
        request(filter, null, session, "/");
        assertThat(online.isOnline("ann")).isTrue();

        session.removeAttribute("user");
        Map<String, Object> attrs = request(filter, null, session, "/");
        assertThat(online.isOnline("ann")).isFalse();
        assertThat(attrs.get(OnlineNowFilter.COUNT_ATTRIBUTE)).isEqualTo(0L);
    }

    @Test
    void sessionPropertyIdentity() throws Exception {
        OnlineNowFilter filter = filter(OnlineNowSettings.builder().userId(UserIdSource.parse("session:account.login")));
        FakeSession session = new FakeSession(context);
        session.setAttribute("account", new Account("ann.lee"));
        assertThat(ids(request(filter, null, session, "/"))).containsExactly("ann.lee");
    }

    /** A classic app's session bean. */
    public static final class Account {
        private final String login;

        public Account(String login) {
            this.login = login;
        }

        public String getLogin() {
            return login;
        }
    }

    @Test
    void guestsAreCountedBySessionWhenTracked() throws Exception {
        OnlineNowFilter filter = filter(OnlineNowSettings.builder().trackAnonymous(true)
                .userId(UserIdSource.parse("session:user")));
        FakeSession g1 = new FakeSession(context);
        FakeSession g2 = new FakeSession(context);
        request(filter, null, g1, "/");
        request(filter, null, g1, "/other");
        Map<String, Object> attrs = request(filter, null, g2, "/");
        assertThat(attrs.get(OnlineNowFilter.GUEST_COUNT_ATTRIBUTE)).isEqualTo(2L);
        assertThat(attrs.get(OnlineNowFilter.COUNT_ATTRIBUTE)).isEqualTo(0L);

        // g1 signs in: one user, one guest
        g1.setAttribute("user", "ann");
        attrs = request(filter, null, g1, "/");
        assertThat(attrs.get(OnlineNowFilter.COUNT_ATTRIBUTE)).isEqualTo(1L);
        assertThat(attrs.get(OnlineNowFilter.GUEST_COUNT_ATTRIBUTE)).isEqualTo(1L);

        g2.invalidate();
        assertThat(online.guestCount()).isZero();
    }

    @Test
    void aDispatchWhoseResponseIsCommittedCreatesNoSession() throws Exception {
        // an include or an error page after the response was committed: a container refuses to
        // create a session then (GlassFish: IllegalStateException), so the filter must not try
        OnlineNowFilter filter = filter(OnlineNowSettings.builder().trackAnonymous(true));
        HttpServletRequest req = mock(HttpServletRequest.class);
        when(req.getServletPath()).thenReturn("/page");
        when(req.getSession(false)).thenReturn(null);
        when(req.getSession(true)).thenThrow(new IllegalStateException("Cannot create a session after the response has been committed"));
        HttpServletResponse committed = mock(HttpServletResponse.class);
        when(committed.isCommitted()).thenReturn(true);
        FilterChain chain = mock(FilterChain.class);
        filter.doFilter(req, committed, chain);
        // the page gets the request, seen through the filter's attributes
        verify(chain).doFilter(org.mockito.ArgumentMatchers.argThat(r -> r == req
                || r instanceof jakarta.servlet.ServletRequestWrapper w && w.getRequest() == req), org.mockito.ArgumentMatchers.eq(committed));
        verify(req, org.mockito.Mockito.never()).getSession(true);
    }

    @Test
    void cookielessRequestsNeverCountAndBindNothing() throws Exception {
        OnlineNowFilter filter = filter(OnlineNowSettings.builder().trackAnonymous(true));
        for (int i = 0; i < 100; i++) {
            // no session yet: the filter makes one (so that a next request could show it was kept)
            Map<String, Object> attrs = request(filter, null, null, "/health");
            verify(lastRequest).getSession(true);
            assertThat(attrs.get(OnlineNowFilter.GUEST_COUNT_ATTRIBUTE)).isEqualTo(0L);
        }
        // the session such a request got is new: the client never came back with it
        FakeSession fresh = new FakeSession(context).asNew();
        request(filter, null, fresh, "/health");
        assertThat(fresh.getAttributeNames().hasMoreElements()).as("nothing bound in a new session").isFalse();
        assertThat(online.guestCount()).isZero();
    }

    @Test
    void aVisitorCountsFromTheRequestThatShowsItKeptItsSession() throws Exception {
        OnlineNowFilter filter = filter(OnlineNowSettings.builder().trackAnonymous(true));
        FakeSession visitor = new FakeSession(context).asNew();
        Map<String, Object> first = request(filter, null, visitor, "/");
        assertThat(first.get(OnlineNowFilter.GUEST_COUNT_ATTRIBUTE)).isEqualTo(0L);
        visitor.kept(); // the second request came with the cookie
        Map<String, Object> second = request(filter, null, visitor, "/");
        assertThat(second.get(OnlineNowFilter.GUEST_COUNT_ATTRIBUTE)).isEqualTo(1L);
        for (int i = 0; i < 5; i++) {
            clock.advance(Duration.ofSeconds(10));
            request(filter, null, visitor, "/page" + i);
        }
        assertThat(online.guestCount()).as("one person, however many requests").isEqualTo(1);
        verify(lastRequest, never()).getSession(true);
        clock.advance(Duration.ofMinutes(15));
        assertThat(online.guestCount()).isZero();
    }

    @Test
    void aGuestWhoSignsInStopsBeingAGuestAtOnce() throws Exception {
        OnlineNowFilter filter = filter(OnlineNowSettings.builder().trackAnonymous(true)
                .userId(UserIdSource.parse("session:user")));
        FakeSession visitor = new FakeSession(context);
        request(filter, null, visitor, "/");
        assertThat(online.guestCount()).isEqualTo(1);
        // the sign-in page sets the user during the request
        request(filter, null, visitor, "/signin", r -> visitor.setAttribute("user", "ann"));
        assertThat(online.guestCount()).as("right after the sign-in's request").isZero();
        assertThat(online.isOnline("ann")).isTrue();
        assertThat(online.sessionsOf("ann")).isEqualTo(1);
    }

    @Test
    void noSignedInIdCanEqualAGuestId() throws Exception {
        OnlineNowFilter filter = filter(OnlineNowSettings.builder().trackAnonymous(true)
                .userId(UserIdSource.parse("session:user")));
        FakeSession guest = new FakeSession(context);
        request(filter, null, guest, "/");
        String guestId = online.guestOf(guest);
        assertThat(guestId).startsWith(OnlineNow.GUEST_PREFIX).hasSize(OnlineNow.GUEST_PREFIX.length() + 16);

        // someone signs in (in the app's own login) with that very string as their id
        FakeSession impostor = new FakeSession(context);
        impostor.setAttribute("user", guestId);
        Map<String, Object> attrs = request(filter, null, impostor, "/");
        assertThat(ids(attrs)).isEmpty();
        assertThat(attrs.get(OnlineNowFilter.COUNT_ATTRIBUTE)).isEqualTo(0L);
        assertThat(online.isOnline(guestId)).isFalse();
        assertThat(online.guestOf(impostor)).as("counted as a guest of their own").isNotEqualTo(guestId)
                .startsWith(OnlineNow.GUEST_PREFIX);
        assertThat(online.guestCount()).isEqualTo(2);
        assertThat(UserIdSource.parse("session:user").userId(null, impostor)).isNull();
        assertThat(UserIdSource.principal().userId(() -> guestId, null)).isNull();
    }

    @Test
    void aSessionAttributeChangedToAnotherUserCountsThatUserAtOnce() throws Exception {
        OnlineNowFilter filter = filter(OnlineNowSettings.builder().userId(UserIdSource.parse("session:user")));
        FakeSession session = new FakeSession(context);
        session.setAttribute("user", "ann");
        request(filter, null, session, "/");
        assertThat(ids(request(filter, null, session, "/"))).as("the marker's own id, taken as it is").containsExactly("ann");

        session.setAttribute("user", "bob"); // the app's login, in the same session
        assertThat(ids(request(filter, null, session, "/"))).containsExactly("bob");
        assertThat(online.isOnline("ann")).as("her marker went with her").isFalse();
        session.setAttribute("user", new String("bob")); // the same id, another object: checked, same user
        assertThat(ids(request(filter, null, session, "/"))).containsExactly("bob");
        session.setAttribute("user", " ");
        assertThat(ids(request(filter, null, session, "/"))).as("a blank id is checked, not taken").isEmpty();
        assertThat(online.isOnline("bob")).isFalse();
    }

    @Test
    void aGuestsOwnIdObjectPutInTheSessionIsStillNoUserId() throws Exception {
        OnlineNowFilter filter = filter(OnlineNowSettings.builder().trackAnonymous(true)
                .userId(UserIdSource.parse("session:user")));
        FakeSession session = new FakeSession(context);
        request(filter, null, session, "/");
        request(filter, null, session, "/");
        String guestId = online.guestOf(session); // the very String the guest's marker holds
        assertThat(guestId).startsWith(OnlineNow.GUEST_PREFIX);

        session.setAttribute("user", guestId);
        Map<String, Object> attrs = request(filter, null, session, "/");
        assertThat(ids(attrs)).isEmpty();
        assertThat(online.count()).isZero();
    }

    @Test
    void aPrincipalIsTakenOnEveryRequestWhateverObjectTheContainerHandsOut() throws Exception {
        OnlineNowFilter filter = filter(OnlineNowSettings.builder());
        FakeSession session = new FakeSession(context);
        request(filter, "ann", session, "/");
        assertThat(ids(request(filter, new String("ann"), session, "/"))).containsExactly("ann");
        assertThat(ids(request(filter, "guest:ann", session, "/"))).as("the reserved prefix, as ever").isEmpty();
    }

    @Test
    void theGuestRuleForTheLiveHandshake() {
        filter(OnlineNowSettings.builder().trackAnonymous(true));
        assertThat(online.guestOf(null)).as("cookieless: no session").isNull();
        FakeSession fresh = new FakeSession(context).asNew();
        assertThat(online.guestOf(fresh)).as("a session the client did not come back with").isNull();
        assertThat(online.guestCount()).isZero();
        fresh.kept();
        String id = online.guestOf(fresh);
        assertThat(id).startsWith(OnlineNow.GUEST_PREFIX);
        assertThat(online.guestOf(fresh)).as("one guest per session").isEqualTo(id);
        assertThat(id).doesNotContain(fresh.getId());
        assertThat(online.guestCount()).isEqualTo(1);
        fresh.invalidate();
        assertThat(online.guestOf(fresh)).isNull();
        assertThat(online.guestCount()).isZero();

        try (OnlineNow untracked = OnlineNow.inProcess(OnlineNowSettings.builder().clock(clock).build())) {
            assertThat(untracked.guestOf(new FakeSession(context))).as("trackAnonymous off").isNull();
        }
    }

    @Test
    void excludedPathsDoNotCountAsActivity() throws Exception {
        OnlineNowFilter filter = filter(OnlineNowSettings.builder().exclude(PathPatterns.parse("/static/*,*.css")));
        request(filter, "ann", null, "/static/app.js");
        request(filter, "ann", null, "/site.css");
        assertThat(online.isOnline("ann")).isFalse();
        request(filter, "ann", null, "/index.jsp");
        assertThat(online.isOnline("ann")).isTrue();
    }

    @Test
    void theCurrentUserIsAlwaysListed() throws Exception {
        OnlineNowFilter filter = filter(OnlineNowSettings.builder().maxCount(2));
        request(filter, "ann");
        clock.advance(Duration.ofMillis(500));
        request(filter, "bob");
        request(filter, "cid");
        clock.advance(Duration.ofMillis(400));
        // ann's second touch is coalesced (her time stays 0.9 s old) behind two newer users
        Map<String, Object> attrs = request(filter, "ann");
        assertThat(ids(attrs)).hasSize(2).contains("ann");
        assertThat(attrs.get(OnlineNowFilter.COUNT_ATTRIBUTE)).isEqualTo(3L);
    }

    @Test
    void troubleInTheStoreNeverFailsTheRequest() throws Exception {
        PresenceStore broken = spy(new EhcachePresenceStore("b", Duration.ofMinutes(15), 1000, clock));
        doThrow(new IllegalStateException("store down")).when(broken).touch(anyString());
        doThrow(new IllegalStateException("store down")).when(broken).count();
        online = OnlineNow.create(OnlineNowSettings.builder().clock(clock).build(), broken,
                new EhcachePresenceStore("g", Duration.ofMinutes(15), 1000, clock), UserResolver.ID_AS_NAME);
        OnlineNowFilter filter = new OnlineNowFilter(online);
        request(filter, "ann"); // verifies that the chain went on
    }

    @Test
    void aBadInitParamStopsStartUpNamingKeyAndValue() {
        FilterConfig config = mock(FilterConfig.class);
        when(config.getServletContext()).thenReturn(context);
        when(config.getInitParameterNames()).thenReturn(Collections.enumeration(List.of("threshold")));
        when(config.getInitParameter("threshold")).thenReturn("soon");
        assertThatThrownBy(() -> new OnlineNowFilter().init(config))
                .isInstanceOf(ServletException.class)
                .hasMessageContaining("'threshold'")
                .hasMessageContaining("\"soon\"");
        assertThat(contextAttributes).doesNotContainKey(OnlineNow.CONTEXT_ATTRIBUTE);
    }

    @Test
    void aBadContextParamStopsStartUpToo() {
        FilterConfig config = mock(FilterConfig.class);
        when(config.getServletContext()).thenReturn(context);
        when(config.getInitParameterNames()).thenReturn(Collections.emptyEnumeration());
        when(context.getInitParameterNames()).thenReturn(Collections.enumeration(List.of("online-now.maxCont", "other")));
        when(context.getInitParameter("online-now.maxCont")).thenReturn("5");
        assertThatThrownBy(() -> new OnlineNowFilter().init(config))
                .isInstanceOf(ServletException.class)
                .hasMessageContaining("unknown setting 'maxCont'");
    }

    @Test
    void initParamsConflictingWithARunningConfigurationAreRefused() throws Exception {
        filter(OnlineNowSettings.builder());
        FilterConfig config = mock(FilterConfig.class);
        when(config.getServletContext()).thenReturn(context);
        when(config.getInitParameterNames()).thenReturn(Collections.enumeration(List.of("maxCount")));
        when(config.getInitParameter("maxCount")).thenReturn("10");
        assertThatThrownBy(() -> new OnlineNowFilter().init(config))
                .isInstanceOf(ServletException.class)
                .hasMessageContaining("context-params named online-now.KEY");
    }

    @Test
    void initAndDestroyOwnTheIndex() throws Exception {
        FilterConfig config = mock(FilterConfig.class);
        when(config.getServletContext()).thenReturn(context);
        when(config.getInitParameterNames()).thenReturn(Collections.enumeration(List.of("maxCount")));
        when(config.getInitParameter("maxCount")).thenReturn("10");
        OnlineNowFilter filter = new OnlineNowFilter();
        filter.init(config);
        OnlineNow started = OnlineNow.get(context);
        assertThat(started).isNotNull();
        assertThat(started.settings().maxCount()).isEqualTo(10);
        filter.destroy();
        assertThat(started.isClosed()).isTrue();
        assertThat(OnlineNow.get(context)).isNull();
    }

    @Test
    void elFunctionsAnswerForAnyUser() throws Exception {
        OnlineNowFilter filter = filter(OnlineNowSettings.builder().maxCount(1));
        request(filter, "ann");
        clock.advance(Duration.ofSeconds(3));
        request(filter, "bob");
        assertThat(OnlineNowFunctions.isOnline("ann")).isTrue();
        assertThat(OnlineNowFunctions.lastSeen("ann")).isEqualTo(java.util.Date.from(clock.instant().minusSeconds(3)));
        assertThat(OnlineNowFunctions.isOnline("zed")).isFalse();
        assertThat(OnlineNowFunctions.lastSeen("zed")).isNull();
        clock.advance(Duration.ofMinutes(15));
        assertThat(OnlineNowFunctions.isOnline("ann")).isFalse();
    }
}
