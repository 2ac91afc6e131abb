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
}
