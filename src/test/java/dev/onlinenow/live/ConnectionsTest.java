package dev.onlinenow.live;

import dev.onlinenow.MutableClock;
import dev.onlinenow.OnlineNowSettings;
import dev.onlinenow.OnlineNowStats;
import dev.onlinenow.internal.RateLimitedLog;
import dev.onlinenow.internal.StatsRecorder;
import jakarta.websocket.CloseReason;
import jakarta.websocket.RemoteEndpoint;
import jakarta.websocket.Session;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

/** The sockets of one server: limits at open, drops, heartbeats, sign-outs; no container. */
class ConnectionsTest {

    final MutableClock clock = new MutableClock();
    final OnlineNowSettings settings = OnlineNowSettings.builder().clock(clock).ticker(clock.ticker())
            .maxConnections(3).maxConnectionsPerUser(2).heartbeatTimeout(Duration.ofSeconds(90)).build();
    final RoomOps rooms = mock(RoomOps.class);
    final OnlineNowStats stats = new OnlineNowStats();
    final List<String> heard = new CopyOnWriteArrayList<>();
    final Connections connections = new Connections(settings, "n", rooms, Runnable::run, Runnable::run,
            new RateLimitedLog(System.getLogger("test")), StatsRecorder.of(stats));

    {
        connections.inbound((c, text) -> heard.add(c.userId + ": " + text));
    }

    static Session session() throws Exception {
        Session s = mock(Session.class);
        Map<String, Object> props = new HashMap<>();
        when(s.getUserProperties()).thenReturn(props);
        when(s.isOpen()).thenReturn(true);
        when(s.getAsyncRemote()).thenReturn(mock(RemoteEndpoint.Async.class));
        return s;
    }

    static Handshake user(String id) {
        return new Handshake(id, id, false, null, null, null);
    }

    static CloseReason closedWith(Session s) throws Exception {
        ArgumentCaptor<CloseReason> reason = ArgumentCaptor.forClass(CloseReason.class);
        verify(s).close(reason.capture());
        return reason.getValue();
    }

    static LiveConnection connection(Session s) {
        return (LiveConnection) s.getUserProperties().get(LiveConnection.class.getName());
    }

    @Test
    void aRefusedHandshakeClosesWithItsReason() throws Exception {
        Session s = session();
        connections.opened(s, Handshake.refused("origin not allowed"));
        CloseReason r = closedWith(s);
        assertThat(r.getCloseCode()).isEqualTo(CloseReason.CloseCodes.VIOLATED_POLICY);
        assertThat(r.getReasonPhrase()).isEqualTo("origin not allowed");
        assertThat(connections.open()).isZero();
        Session none = session();
        connections.opened(none, null);
        assertThat(closedWith(none).getReasonPhrase()).isEqualTo("no identity");
    }

    @Test
    void aUserHasAConnectionLimitAndTheServerOne() throws Exception {
        Session a1 = session();
        Session a2 = session();
        Session a3 = session();
        connections.opened(a1, user("ann"));
        connections.opened(a2, user("ann"));
        connections.opened(a3, user("ann"));
        assertThat(closedWith(a3).getReasonPhrase()).isEqualTo("too many connections");
        assertThat(connections.connectionsOf("ann")).isEqualTo(2);
        Session b = session();
        Session c = session();
        connections.opened(b, user("bob"));
        connections.opened(c, user("cid"));
        assertThat(closedWith(c).getReasonPhrase()).isEqualTo(LivePresence.SERVER_FULL);
        assertThat(connections.open()).isEqualTo(3);
        assertThat(stats.drops(OnlineNowStats.DropReason.LIMITS)).isEqualTo(2);
        verify(a1, never()).close(any());
    }

    @Test
    void aDropLeavesEveryRoomOnceAndFreesItsPlace() throws Exception {
        Session s = session();
        connections.opened(s, user("ann"));
        LiveConnection c = connection(s);
        c.rooms.add("r1");
        c.rooms.add("r2");
        connections.drop(c, CloseReason.CloseCodes.VIOLATED_POLICY, LivePresence.SESSION_ENDED);
        connections.drop(c, CloseReason.CloseCodes.VIOLATED_POLICY, LivePresence.SESSION_ENDED);
        verify(rooms).leave(c, "r1", OnlineNowStats.LeaveReason.SESSION_ENDED);
        verify(rooms).leave(c, "r2", OnlineNowStats.LeaveReason.SESSION_ENDED);
        assertThat(closedWith(s).getReasonPhrase()).isEqualTo(LivePresence.SESSION_ENDED);
        assertThat(connections.open()).isZero();
        connections.closedByContainer(s, new CloseReason(CloseReason.CloseCodes.NORMAL_CLOSURE, ""));
        assertThat(connections.open()).as("counted out once").isZero();
    }

    @Test
    void tomcatGetsTimeToSendTheCloseFrameOfALiveSocketButNotOfOneThatDoesNotRead() throws Exception {
        Session s = session();
        connections.opened(s, user("ann"));
        assertThat(s.getUserProperties()).as("Tomcat's 50 ms for a close frame that is not 1000, raised")
                .containsEntry(Connections.TOMCAT_CLOSE_SEND_TIMEOUT, Connections.CLOSE_SEND_TIMEOUT_MILLIS);
        connections.drop(connection(s), CloseReason.CloseCodes.VIOLATED_POLICY, LivePresence.SESSION_ENDED);
        assertThat(closedWith(s).getReasonPhrase()).isEqualTo(LivePresence.SESSION_ENDED);
        assertThat(s.getUserProperties().get(Connections.TOMCAT_CLOSE_SEND_TIMEOUT)).isEqualTo(Connections.CLOSE_SEND_TIMEOUT_MILLIS);

        Session slow = session();
        connections.opened(slow, user("bob"));
        connections.drop(connection(slow), CloseReason.CloseCodes.VIOLATED_POLICY, LivePresence.TOO_SLOW);
        assertThat(closedWith(slow).getReasonPhrase()).isEqualTo(LivePresence.TOO_SLOW);
        assertThat(slow.getUserProperties().get(Connections.TOMCAT_CLOSE_SEND_TIMEOUT))
                .isEqualTo(Connections.UNREAD_CLOSE_SEND_TIMEOUT_MILLIS);
    }

    @Test
    void aSilentSocketIsDroppedOnTheTickerAndASignOutDropsEveryTab() throws Exception {
        Session quiet = session();
        Session talks = session();
        connections.opened(quiet, user("ann"));
        connections.opened(talks, user("bob"));
        clock.advance(Duration.ofSeconds(60));
        connection(talks).lastSeenNanos = clock.ticker().nanos();
        clock.advance(Duration.ofSeconds(30));
        connections.sweep();
        assertThat(closedWith(quiet).getReasonPhrase()).isEqualTo(LivePresence.HEARTBEAT_TIMEOUT);
        verify(talks, never()).close(any());

        Session tab2 = session();
        connections.opened(tab2, user("bob"));
        connections.loggedOut("bob");
        assertThat(closedWith(talks).getCloseCode()).isEqualTo(CloseReason.CloseCodes.VIOLATED_POLICY);
        assertThat(closedWith(tab2).getReasonPhrase()).isEqualTo(closedWith(talks).getReasonPhrase());
        assertThat(connections.open()).isZero();
    }

    @Test
    void textGoesToTheInboundHandler() throws Exception {
        Session s = session();
        connections.opened(s, user("ann"));
        @SuppressWarnings("unchecked")
        ArgumentCaptor<jakarta.websocket.MessageHandler.Partial<String>> handler =
                ArgumentCaptor.forClass(jakarta.websocket.MessageHandler.Partial.class);
        verify(s).addMessageHandler(eq(String.class), handler.capture());
        handler.getValue().onMessage("{\"type\":\"ping\"}", true);
        assertThat(heard).containsExactly("ann: {\"type\":\"ping\"}");
    }
}
