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

/** Hidden users: counted everywhere, listed only to the seeHidden roles and to themselves. */
class HiddenUsersTest {

    private final MutableClock clock = new MutableClock();
    private final ServletContext context = mock(ServletContext.class);
    private final Map<String, Object> contextAttributes = new HashMap<>();
    private OnlineNow online;
    private OnlineNowFilter filter;

    HiddenUsersTest() {
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

    private void start(Map<String, String> params) {
        online = OnlineNow.inProcess(OnlineNowSettings.builder().apply(params).clock(clock).build());
        OnlineNow.install(context, online);
        filter = new OnlineNowFilter(online);
    }

    private void start() {
        start(Map.of("userId", "session:user", "hidden", "session:hide", "seeHidden", "role:admin, role:mod"));
    }

    private FakeSession session(String user, Object hide) {
        FakeSession s = new FakeSession(context);
        s.setAttribute("user", user);
        if (hide != null) {
            s.setAttribute("hide", hide);
        }
        return s;
    }

    /** What a page saw: the attributes, and what the EL functions said about {@code asked} during it. */
    record Page(Map<String, Object> attributes, boolean askedOnline, Object askedLastSeen) {
        @SuppressWarnings("unchecked")
        List<String> ids() {
            return List.copyOf((List<String>) attributes.get(OnlineNowFilter.IDS_ATTRIBUTE));
        }

        @SuppressWarnings("unchecked")
        List<OnlineUser> users() {
            return List.copyOf((List<OnlineUser>) attributes.get(OnlineNowFilter.USERS_ATTRIBUTE));
        }

        Object count() {
            return attributes.get(OnlineNowFilter.COUNT_ATTRIBUTE);
        }

        Object hiddenCount() {
            return attributes.get(OnlineNowFilter.HIDDEN_COUNT_ATTRIBUTE);
        }
    }

    private Page request(FakeSession session, Set<String> roles, String asked) throws Exception {
        HttpServletRequest req = mock(HttpServletRequest.class);
        Map<String, Object> attributes = new HashMap<>();
        when(req.getServletPath()).thenReturn("/");
        when(req.getSession(false)).thenReturn(session);
        when(req.getSession(true)).thenReturn(session);
        when(req.getSession()).thenReturn(session);
        when(req.isUserInRole(anyString())).thenAnswer(i -> roles.contains(i.getArgument(0, String.class)));
        AtomicReference<Boolean> isOnline = new AtomicReference<>();
        AtomicReference<Object> lastSeen = new AtomicReference<>();
        FilterChain chain = PageSees.chain(attributes, page -> {
            isOnline.set(OnlineNowFunctions.isOnline(asked));
            lastSeen.set(OnlineNowFunctions.lastSeen(asked));
        });
        filter.doFilter(req, mock(HttpServletResponse.class), chain);
        return new Page(attributes, isOnline.get(), lastSeen.get());
    }

    @Test
    void aHiddenUserIsCountedButListedOnlyToStaffAndToThemself() throws Exception {
        start();
        FakeSession ann = session("ann", Boolean.TRUE);
        FakeSession bob = session("bob", null);
        FakeSession sue = session("sue", false);
        request(ann, Set.of(), "x");
        clock.advance(Duration.ofSeconds(5));
        request(sue, Set.of("admin"), "x");
        clock.advance(Duration.ofSeconds(5));

        Page byBob = request(bob, Set.of(), "ann");
        assertThat(byBob.count()).isEqualTo(3L);
        assertThat(byBob.hiddenCount()).isEqualTo(1L);
        assertThat(byBob.ids()).containsExactly("bob", "sue");
        assertThat(byBob.users()).extracting(OnlineUser::getId).containsExactly("bob", "sue");
        assertThat(byBob.users()).noneMatch(OnlineUser::isHidden);
        assertThat(byBob.askedOnline()).isFalse();
        assertThat(byBob.askedLastSeen()).isNull();

        Page bySue = request(sue, Set.of("admin"), "ann");
        assertThat(bySue.ids()).containsExactly("sue", "bob", "ann");
        assertThat(bySue.users()).filteredOn(OnlineUser::isHidden).extracting(OnlineUser::getId).containsExactly("ann");
        assertThat(bySue.askedOnline()).isTrue();
        assertThat(bySue.askedLastSeen()).isNotNull();

        Page byAnn = request(ann, Set.of(), "ann");
        assertThat(byAnn.ids()).containsExactly("ann", "sue", "bob");
        assertThat(byAnn.users().get(0).isHidden()).isTrue();
        assertThat(byAnn.askedOnline()).isTrue();
        assertThat(byAnn.count()).isEqualTo(3L);

        // the Java API answers as anyone may know it, unless given the viewer
        assertThat(online.isOnline("ann")).isFalse();
        assertThat(online.lastSeen("ann")).isEmpty();
        assertThat(online.onlineIds()).containsExactlyInAnyOrder("sue", "bob");
        assertThat(online.onlineUsers()).extracting(OnlineUser::getId).doesNotContain("ann");
        assertThat(online.count()).isEqualTo(3);
        assertThat(online.hiddenCount()).isEqualTo(1);
    }

    @Test
    void aModeratorOfAnyListedRoleSeesThemAndOutsideARequestNobodyDoes() throws Exception {
        start();
        FakeSession ann = session("ann", "TRUE ");
        request(ann, Set.of(), "x");
        Page byMod = request(session("max", null), Set.of("mod"), "ann");
        assertThat(byMod.ids()).containsExactly("max", "ann");
        assertThat(byMod.askedOnline()).isTrue();
        // no request on this thread: the EL functions know no viewer and show nobody hidden
        assertThat(OnlineNowFunctions.isOnline("ann")).isFalse();
        assertThat(OnlineNowFunctions.lastSeen("ann")).isNull();
    }

    @Test
    void showingAgainAndHidingAgainMovesTheUserWithoutCountingThemTwice() throws Exception {
        start();
        FakeSession ann = session("ann", true);
        request(ann, Set.of(), "x");
        assertThat(online.count()).isEqualTo(1);
        assertThat(online.hiddenCount()).isEqualTo(1);

        ann.setAttribute("hide", false);
        Page shown = request(ann, Set.of(), "x");
        assertThat(shown.count()).isEqualTo(1L);
        assertThat(shown.hiddenCount()).isEqualTo(0L);
        assertThat(online.isOnline("ann")).isTrue();

        ann.setAttribute("hide", "true");
        clock.advance(Duration.ofSeconds(2));
        Page hiddenAgain = request(session("bob", null), Set.of(), "ann");
        assertThat(hiddenAgain.ids()).containsExactly("bob", "ann"); // ann has not been back yet
        request(ann, Set.of(), "x");
        assertThat(online.count()).isEqualTo(2);
        assertThat(online.hiddenCount()).isEqualTo(1);
        assertThat(request(session("bob", null), Set.of(), "ann").ids()).containsExactly("bob");
    }

    @Test
    void aHiddenUserLeavesOnLogoutAndAtTheThreshold() throws Exception {
        start();
        FakeSession ann = session("ann", true);
        request(ann, Set.of(), "x");
        ann.invalidate();
        assertThat(online.count()).isZero();
        assertThat(online.hiddenCount()).isZero();

        request(session("cat", true), Set.of(), "x");
        assertThat(online.hiddenCount()).isEqualTo(1);
        clock.advance(Duration.ofMinutes(15));
        assertThat(online.hiddenCount()).isZero();
        assertThat(online.count()).isZero();
    }

    @Test
    void activityWithoutARequestKeepsAHiddenUserHidden() throws Exception {
        start();
        request(session("ann", true), Set.of(), "x");
        clock.advance(Duration.ofSeconds(30));
        online.touch("ann"); // the live endpoint's activity
        assertThat(online.isOnline("ann")).isFalse();
        assertThat(online.hiddenCount()).isEqualTo(1);
        assertThat(online.count()).isEqualTo(1);
    }

    @Test
    void staffSeeAtMostMaxCountInOneListByTime() throws Exception {
        start(Map.of("userId", "session:user", "hidden", "session:hide", "seeHidden", "role:admin", "maxCount", "3"));
        for (int i = 0; i < 6; i++) {
            request(session("u" + i, i % 2 == 0), Set.of(), "x");
            clock.advance(Duration.ofSeconds(2));
        }
        Page admin = request(session("root", null), Set.of("admin"), "u4");
        assertThat(admin.ids()).containsExactly("root", "u5", "u4");
        assertThat(admin.users()).filteredOn(OnlineUser::isHidden).extracting(OnlineUser::getId).containsExactly("u4");
        assertThat(admin.count()).isEqualTo(7L);
        assertThat(admin.hiddenCount()).isEqualTo(3L);
    }

    @Test
    void withoutTheSettingNobodyIsHidden() throws Exception {
        start(Map.of("userId", "session:user"));
        Page p = request(session("ann", true), Set.of(), "ann");
        assertThat(p.ids()).containsExactly("ann");
        assertThat(p.hiddenCount()).isEqualTo(0L);
        assertThat(online.isOnline("ann")).isTrue();
        assertThat(p.users().get(0).isHidden()).isFalse();
    }

    @Test
    void theSettingsSayWhatTheyAccept() {
        assertThat(OnlineNowSettings.defaults().hidden()).isNull();
        assertThat(OnlineNowSettings.defaults().seeHidden()).isEmpty();
        assertThat(OnlineNowSettings.parse(Map.of("seeHidden", "role:admin,ROLE:staff")).seeHidden())
                .containsExactly("admin", "staff");
        assertThat(OnlineNowSettings.parse(Map.of("hidden", "session:prefs.hidden")).hidden())
                .hasToString("session:prefs.hidden");
        assertThatThrownBy(() -> OnlineNowSettings.parse(Map.of("hidden", "principal")))
                .hasMessageContaining("'hidden'").hasMessageContaining("\"principal\"").hasMessageContaining("session:NAME");
        assertThatThrownBy(() -> OnlineNowSettings.parse(Map.of("hidden", "session:a,principal")))
                .hasMessageContaining("'hidden'");
        assertThatThrownBy(() -> OnlineNowSettings.parse(Map.of("seeHidden", "admin")))
                .hasMessageContaining("'seeHidden'").hasMessageContaining("role:NAME");
        assertThatThrownBy(() -> OnlineNowSettings.parse(Map.of("seeHidden", "role:")))
                .hasMessageContaining("'seeHidden'");
    }

    /** A JavaBean property as the flag, as userId reads one. */
    public static final class Prefs {
        private final boolean hidden;

        public Prefs(boolean hidden) {
            this.hidden = hidden;
        }

        public boolean isHidden() {
            return hidden;
        }
    }

    @Test
    void theFlagMayBeAPropertyOfASessionAttribute() throws Exception {
        start(Map.of("userId", "session:user", "hidden", "session:prefs.hidden"));
        FakeSession ann = session("ann", null);
        ann.setAttribute("prefs", new Prefs(true));
        request(ann, Set.of(), "x");
        assertThat(online.hiddenCount()).isEqualTo(1);
        assertThat(online.isOnline("ann")).isFalse();
    }
}
