package dev.onlinenow.live;

import dev.onlinenow.OnlineNow;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import org.junit.jupiter.api.Test;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

/** Start-up failures of the listener say what to fix and leave nothing running. */
class OnlineNowLiveTest {

    static ServletContext context(Map<String, String> params) {
        ServletContext ctx = mock(ServletContext.class);
        Map<String, Object> attributes = new HashMap<>();
        when(ctx.getAttribute(anyString())).thenAnswer(i -> attributes.get(i.getArgument(0, String.class)));
        doAnswer(i -> attributes.put(i.getArgument(0), i.getArgument(1))).when(ctx).setAttribute(anyString(), any());
        doAnswer(i -> attributes.remove(i.getArgument(0, String.class))).when(ctx).removeAttribute(anyString());
        when(ctx.getInitParameterNames()).thenAnswer(i -> Collections.enumeration(params.keySet()));
        when(ctx.getInitParameter(anyString())).thenAnswer(i -> params.get(i.getArgument(0, String.class)));
        when(ctx.getContextPath()).thenReturn("/app");
        return ctx;
    }

    @Test
    void withoutAWebSocketServerStartUpFailsAndSaysWhy() {
        ServletContext ctx = context(Map.of());
        OnlineNowLive listener = new OnlineNowLive();
        assertThatThrownBy(() -> listener.contextInitialized(new ServletContextEvent(ctx)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("needs a Jakarta WebSocket server")
                .hasMessageContaining("jakarta.websocket.server.ServerContainer");
        assertThat(LivePresence.get(ctx)).as("nothing left behind").isNull();
        assertThat(OnlineNow.get(ctx)).isNull();
    }

    @Test
    void aBadAuthorizerNamesKeyAndValue() {
        ServletContext ctx = context(Map.of("online-now.authorizer", "com.example.NoSuchAuthorizer"));
        assertThatThrownBy(() -> new OnlineNowLive().contextInitialized(new ServletContextEvent(ctx)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'authorizer'")
                .hasMessageContaining("com.example.NoSuchAuthorizer");
        assertThat(OnlineNow.get(ctx)).isNull();
    }

    @Test
    void aBadLiveSettingNamesKeyValueAndWhatIsAllowed() {
        ServletContext ctx = context(Map.of("online-now.cursorTick", "5 minutes"));
        assertThatThrownBy(() -> new OnlineNowLive().contextInitialized(new ServletContextEvent(ctx)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'cursorTick'")
                .hasMessageContaining("5 minutes")
                .hasMessageContaining("from 10 ms to 1 s");
    }

    /** An authorizer a web app names by class; it may take the ServletContext. */
    public static final class OnlyLobby implements RoomAuthorizer {
        public OnlyLobby(ServletContext ctx) {
        }

        @Override
        public boolean mayJoin(String userId, String room) {
            return room.equals("lobby");
        }
    }

    @Test
    void theAuthorizerSettingLoadsTheClass() {
        ServletContext ctx = context(Map.of("online-now.authorizer", OnlyLobby.class.getName()));
        try (OnlineNow online = OnlineNow.getOrCreate(ctx);
             LivePresence live = LivePresence.builder(online).context(ctx).autoTick(false).build()) {
            assertThat(live.authorizer()).isInstanceOf(OnlyLobby.class);
            assertThat(live.authorizer().mayJoin("alice", "lobby")).isTrue();
            assertThat(live.authorizer().mayJoin("alice", "vault")).isFalse();
        }
    }

    /* The filter's init-params, written as the README's first snippet writes them, plus the
     * listener line: the listener starts first (as containers start listeners before filters),
     * finds the filter's registration, and the filter then joins the same index. */
    @Test
    void theListenerSeesTheFiltersInitParamsAndTheFilterJoinsItsIndex() throws Exception {
        Map<String, String> init = Map.of("threshold", "PT5M", "maxCount", "7");
        ServletContext ctx = context(Map.of());
        jakarta.servlet.FilterRegistration reg = mock(jakarta.servlet.FilterRegistration.class);
        when(reg.getClassName()).thenReturn(dev.onlinenow.OnlineNowFilter.class.getName());
        when(reg.getInitParameters()).thenReturn(init);
        doAnswer(i -> Map.of("onlineNow", reg)).when(ctx).getFilterRegistrations();
        jakarta.websocket.server.ServerContainer ws = mock(jakarta.websocket.server.ServerContainer.class);
        ctx.setAttribute(jakarta.websocket.server.ServerContainer.class.getName(), ws);

        OnlineNowLive listener = new OnlineNowLive();
        listener.contextInitialized(new ServletContextEvent(ctx));
        try {
            OnlineNow online = OnlineNow.get(ctx);
            assertThat(online.settings().threshold()).hasMinutes(5);
            assertThat(online.settings().maxCount()).isEqualTo(7);

            dev.onlinenow.OnlineNowFilter filter = new dev.onlinenow.OnlineNowFilter();
            filter.init(filterConfig(ctx, "onlineNow", init));
            assertThat(filter.online()).as("one index").isSameAs(online);
            filter.destroy();
        } finally {
            listener.contextDestroyed(new ServletContextEvent(ctx));
        }
        assertThat(OnlineNow.get(ctx)).isNull();
    }

    @Test
    void theSameKeyTwiceWithTwoValuesStopsTheListenerNamingBothPlaces() {
        ServletContext ctx = context(Map.of("online-now.threshold", "PT15M"));
        jakarta.servlet.FilterRegistration reg = mock(jakarta.servlet.FilterRegistration.class);
        when(reg.getClassName()).thenReturn(dev.onlinenow.OnlineNowFilter.class.getName());
        when(reg.getInitParameters()).thenReturn(Map.of("threshold", "PT5M"));
        doAnswer(i -> Map.of("onlineNow", reg)).when(ctx).getFilterRegistrations();
        assertThatThrownBy(() -> new OnlineNowLive().contextInitialized(new ServletContextEvent(ctx)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("online-now: threshold is PT5M as filter onlineNow's init-param "
                        + "but PT15M as context-param online-now.threshold");
        assertThat(OnlineNow.get(ctx)).isNull();
    }

    static jakarta.servlet.FilterConfig filterConfig(ServletContext ctx, String name, Map<String, String> init) {
        return new jakarta.servlet.FilterConfig() {
            @Override
            public String getFilterName() {
                return name;
            }

            @Override
            public ServletContext getServletContext() {
                return ctx;
            }

            @Override
            public String getInitParameter(String key) {
                return init.get(key);
            }

            @Override
            public java.util.Enumeration<String> getInitParameterNames() {
                return Collections.enumeration(init.keySet());
            }
        };
    }
}
