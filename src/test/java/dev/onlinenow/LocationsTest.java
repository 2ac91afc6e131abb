package dev.onlinenow;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

/** Where people are: the path or a page's label, per user and guest, never the query string. */
class LocationsTest {

    private final MutableClock clock = new MutableClock();
    private final ServletContext context = mock(ServletContext.class);
    private final Map<String, Object> contextAttributes = new HashMap<>();
    private OnlineNow online;
    private OnlineNowFilter filter;

    LocationsTest() {
        when(context.getAttribute(anyString())).thenAnswer(i -> contextAttributes.get(i.getArgument(0, String.class)));
        doAnswer(i -> contextAttributes.put(i.getArgument(0), i.getArgument(1))).when(context).setAttribute(anyString(), any());
        doAnswer(i -> contextAttributes.remove(i.getArgument(0, String.class))).when(context).removeAttribute(anyString());
        when(context.getInitParameterNames()).thenReturn(Collections.emptyEnumeration());
    }

    @AfterEach
    void close() {
        if (online != null) {
            OnlineNow.uninstall(context, online);
            online.close();
        }
    }

    /* What the requests below answer: a page, unless a test says otherwise. */
    private int responseStatus = 200;
    private String responseType = "text/html;charset=UTF-8";

    private static HttpServletResponse response(int status, String contentType) {
        HttpServletResponse r = mock(HttpServletResponse.class);
        when(r.getStatus()).thenReturn(status);
        when(r.getContentType()).thenReturn(contentType);
        return r;
    }

    private void start(Map<String, String> params) {
        online = OnlineNow.inProcess(OnlineNowSettings.builder().apply(params).clock(clock).build());
        OnlineNow.install(context, online);
        filter = new OnlineNowFilter(online);
    }

    private FakeSession session(String user) {
        FakeSession s = new FakeSession(context);
        if (user != null) {
            s.setAttribute("user", user);
        }
        return s;
    }

    /** A request to servletPath + pathInfo (with a query string the filter must never record); the page may set a label. */
    private Map<String, Object> request(FakeSession session, String servletPath, String pathInfo, String label,
                                        Set<String> roles, AtomicReference<Object> duringPage, String askedLocation)
            throws Exception {
        HttpServletRequest req = mock(HttpServletRequest.class);
        Map<String, Object> attributes = new HashMap<>();
        when(req.getServletPath()).thenReturn(servletPath);
        when(req.getPathInfo()).thenReturn(pathInfo);
        when(req.getQueryString()).thenReturn("token=s3cret");
        when(req.getRequestURI()).thenReturn("/app" + servletPath + (pathInfo == null ? "" : pathInfo));
        when(req.getSession(false)).thenReturn(session);
        when(req.getSession(true)).thenReturn(session);
        when(req.isUserInRole(anyString())).thenAnswer(i -> roles.contains(i.getArgument(0, String.class)));
        doAnswer(i -> attributes.put(i.getArgument(0), i.getArgument(1))).when(req).setAttribute(anyString(), any());
        when(req.getAttribute(anyString())).thenAnswer(i -> attributes.get(i.getArgument(0, String.class)));
        Map<String, Object> seen = new HashMap<>();
        FilterChain chain = PageSees.chain(seen, page -> {
            if (label != null) {
                page.setAttribute(OnlineNowFilter.LOCATION_ATTRIBUTE, label);
            }
            if (duringPage != null) {
                duringPage.set(List.of(OnlineNowFunctions.viewerCount(askedLocation),
                        OnlineNowFunctions.viewers(askedLocation)));
            }
        });
        filter.doFilter(req, response(responseStatus, responseType), chain);
        Map<String, Object> all = new HashMap<>(attributes); // the container's (the label), and what the page saw
        all.putAll(seen);
        return all;
    }

    private Map<String, Object> request(FakeSession session, String servletPath) throws Exception {
        return request(session, servletPath, null, null, Set.of(), null, null);
    }

    @Test
    @SuppressWarnings("unchecked")
    void thePathWithoutTheQueryStringOrThePagesLabelIsWhereEachPersonIs() throws Exception {
        start(Map.of("userId", "session:user", "trackAnonymous", "true"));
        FakeSession ann = session("ann");
        FakeSession bob = session("bob");
        FakeSession guest = session(null);
        request(ann, "/board", "/roadmap", null, Set.of(), null, null);
        request(bob, "/topic.jsp", null, "topic:42", Set.of(), null, null);
        request(guest, "/board", "/roadmap", null, Set.of(), null, null);
        request(guest, "/board", "/roadmap", null, Set.of(), null, null); // counts from its second request

        assertThat(online.viewerCount("/board/roadmap")).isEqualTo(2);
        assertThat(online.viewerCount("topic:42")).isEqualTo(1);
        assertThat(online.viewerCount("/topic.jsp")).isZero();
        AtomicReference<Object> seen = new AtomicReference<>();
        Map<String, Object> attrs = request(bob, "/topic.jsp", null, "topic:42", Set.of(), seen, "/board/roadmap");
        List<Object> during = (List<Object>) seen.get();
        assertThat(during.get(0)).isEqualTo(2L);
        assertThat((List<OnlineUser>) during.get(1)).extracting(OnlineUser::getId).containsExactly("ann");
        assertThat((List<OnlineUser>) during.get(1)).extracting(OnlineUser::getLocation).containsExactly("/board/roadmap");
        List<OnlineUser> users = (List<OnlineUser>) attrs.get(OnlineNowFilter.USERS_ATTRIBUTE);
        assertThat(users).extracting(OnlineUser::getId, OnlineUser::getLocation)
                .contains(org.assertj.core.groups.Tuple.tuple("ann", "/board/roadmap"));
        for (OnlineUser u : users) {
            assertThat(u.getLocation()).doesNotContain("s3cret").doesNotContain("?");
        }

        // moving takes them off the old place at once; leaving and expiring too
        request(ann, "/board", "/other", null, Set.of(), null, null);
        assertThat(online.viewerCount("/board/roadmap")).isEqualTo(1);
        assertThat(online.viewerCount("/board/other")).isEqualTo(1);
        ann.invalidate();
        assertThat(online.viewerCount("/board/other")).isZero();
        clock.advance(Duration.ofMinutes(15));
        assertThat(online.viewerCount("/board/roadmap")).isZero();
        assertThat(online.viewerCount("topic:42")).isZero();
    }

    @Test
    void onlyAPageMovesItsUserNotWhatThePageFetchesNorTheLiveHandshake() throws Exception {
        start(Map.of("userId", "session:user"));
        FakeSession ann = session("ann");
        request(ann, "/board", "/roadmap", null, Set.of(), null, null);
        Object[][] notPages = {
                {200, "text/css"}, {200, "application/javascript;charset=UTF-8"}, {200, "image/png"},
                {200, "application/json"}, {101, null}, {302, null}, {304, null}, {404, "text/html"},
                {500, "text/html;charset=UTF-8"}};
        for (Object[] r : notPages) {
            responseStatus = (Integer) r[0];
            responseType = (String) r[1];
            request(ann, "/online-now", "/ws", null, Set.of(), null, null);
            assertThat(online.viewerCount("/board/roadmap")).as(r[0] + " " + r[1]).isEqualTo(1);
            assertThat(online.viewerCount("/online-now/ws")).as(r[0] + " " + r[1]).isZero();
        }
        // a page's own label moves its user whatever the response
        responseStatus = 200;
        responseType = "application/json";
        request(ann, "/api", "/topics", "topic:9", Set.of(), null, null);
        assertThat(online.viewerCount("topic:9")).isEqualTo(1);
        // an XHTML page, and a 2xx that named no type (an old servlet) are pages
        responseType = "application/xhtml+xml";
        request(ann, "/faces", "/board.xhtml", null, Set.of(), null, null);
        assertThat(online.viewerCount("/faces/board.xhtml")).isEqualTo(1);
        responseType = null;
        request(ann, "/legacy", null, null, Set.of(), null, null);
        assertThat(online.viewerCount("/legacy")).isEqualTo(1);
        assertThat(online.viewerCount("/faces/board.xhtml")).isZero();
    }

    @Test
    void anExcludedRequestMovesNobody() throws Exception {
        start(Map.of("userId", "session:user", "exclude", "/static/*"));
        FakeSession ann = session("ann");
        request(ann, "/index.jsp");
        request(ann, "/static", "/app.css", null, Set.of(), null, null);
        assertThat(online.viewerCount("/index.jsp")).isEqualTo(1);
        assertThat(online.viewerCount("/static/app.css")).isZero();
    }

    @Test
    void withLocationNoneOnlyAPagesLabelIsRecorded() throws Exception {
        start(Map.of("userId", "session:user", "location", "none"));
        FakeSession ann = session("ann");
        request(ann, "/index.jsp");
        assertThat(online.viewerCount("/index.jsp")).isZero();
        request(ann, "/topic.jsp", null, "topic:7", Set.of(), null, null);
        assertThat(online.viewerCount("topic:7")).isEqualTo(1);
    }

    @Test
    void aLongLocationIsCut() throws Exception {
        start(Map.of("userId", "session:user"));
        request(session("ann"), "/x", "/" + "y".repeat(1000), null, Set.of(), null, null);
        String cut = ("/x/" + "y".repeat(1000)).substring(0, OnlineNow.MAX_LOCATION_CHARS);
        assertThat(online.viewerCount(cut)).isEqualTo(1);
    }

    @Test
    @SuppressWarnings("unchecked")
    void hiddenUsersAreCountedThereButListedOnlyAsInOnlineNow() throws Exception {
        start(Map.of("userId", "session:user", "hidden", "session:hide", "seeHidden", "role:admin"));
        FakeSession ann = session("ann");
        ann.setAttribute("hide", true);
        request(ann, "/board", "/1", null, Set.of(), null, null);
        request(session("bob"), "/board", "/1", null, Set.of(), null, null);
        AtomicReference<Object> byBob = new AtomicReference<>();
        request(session("bob"), "/board", "/1", null, Set.of(), byBob, "/board/1");
        assertThat(((List<Object>) byBob.get()).get(0)).isEqualTo(2L);
        assertThat((List<OnlineUser>) ((List<Object>) byBob.get()).get(1)).extracting(OnlineUser::getId).containsExactly("bob");
        AtomicReference<Object> byAdmin = new AtomicReference<>();
        request(session("root"), "/home", null, null, Set.of("admin"), byAdmin, "/board/1");
        List<OnlineUser> there = (List<OnlineUser>) ((List<Object>) byAdmin.get()).get(1);
        assertThat(there).extracting(OnlineUser::getId).containsExactlyInAnyOrder("bob", "ann");
        assertThat(there).filteredOn(OnlineUser::isHidden).extracting(OnlineUser::getId).containsExactly("ann");
        AtomicReference<Object> byAnn = new AtomicReference<>();
        request(ann, "/board", "/1", null, Set.of(), byAnn, "/board/1");
        assertThat((List<OnlineUser>) ((List<Object>) byAnn.get()).get(1)).extracting(OnlineUser::getId)
                .containsExactlyInAnyOrder("ann", "bob");
    }

    @Test
    void theSettingIsPathOrNone() {
        assertThat(OnlineNowSettings.defaults().location()).isEqualTo(OnlineNowSettings.Location.PATH);
        assertThat(OnlineNowSettings.parse(Map.of("location", "NONE")).location()).isEqualTo(OnlineNowSettings.Location.NONE);
        assertThatThrownBy(() -> OnlineNowSettings.parse(Map.of("location", "uri")))
                .hasMessageContaining("'location'").hasMessageContaining("\"uri\"").hasMessageContaining("path or none");
    }
}
