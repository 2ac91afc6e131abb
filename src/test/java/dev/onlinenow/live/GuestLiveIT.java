package dev.onlinenow.live;

import dev.onlinenow.MutableClock;
import dev.onlinenow.OnlineNow;
import dev.onlinenow.testing.LiveServer;
import dev.onlinenow.testing.WsClient;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** With {@code trackAnonymous=true} a visitor without a user id is a guest, one per HttpSession. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GuestLiveIT {

    LiveServer server;
    final List<WsClient> clients = new ArrayList<>();

    @BeforeAll
    void start() throws Exception {
        server = LiveServer.builder()
                .inProcess(b -> b.clock(new MutableClock()).trackAnonymous(true), live -> live.autoTick(false))
                .start();
    }

    @AfterAll
    void stop() throws Exception {
        clients.forEach(WsClient::close);
        server.close();
    }

    WsClient connect(String cookie, String name) {
        WsClient c = server.connect(cookie, name);
        clients.add(c);
        return c;
    }

    @Test
    void guestsAreOnePresencePerSessionAndNeverSeeSessionIds() throws Exception {
        String visitor = server.anonymousSession();
        WsClient tab1 = connect(visitor, "tab1");
        tab1.join("lobby");
        JsonObject state = tab1.next("state");
        String guestId = state.getString("self");
        assertThat(guestId).startsWith(OnlineNow.GUEST_PREFIX);
        assertThat(visitor).doesNotContain(guestId.substring(OnlineNow.GUEST_PREFIX.length()));
        JsonObject me = state.getJsonArray("presences").getJsonObject(0);
        assertThat(me.getString("name")).startsWith("Guest ");

        WsClient tab2 = connect(visitor, "tab2");
        tab2.join("lobby");
        assertThat(tab2.next("state").getString("self")).as("same session, same guest").isEqualTo(guestId);
        assertThat(server.live().presence("lobby", guestId).getConnections()).isEqualTo(2);

        WsClient other = connect(server.anonymousSession(), "other");
        other.join("lobby");
        JsonObject otherState = other.next("state");
        assertThat(otherState.getString("self")).startsWith(OnlineNow.GUEST_PREFIX).isNotEqualTo(guestId);
        assertThat(tab1.next("join").getJsonObject("presence").getString("id")).isEqualTo(otherState.getString("self"));
        assertThat(server.live().count("lobby")).isEqualTo(2);

        WsClient noSession = connect(null, "no-session");
        assertThat(noSession.awaitClose()).as("a guest needs a session to be one person across tabs")
                .isEqualTo(new WsClient.Closed(1008, "no identity"));

        // someone signs in with the guest's id as their user id: a guest of their own, no merge
        WsClient impostor = connect(server.login(guestId), "impostor");
        impostor.join("lobby");
        String impostorId = impostor.next("state").getString("self");
        assertThat(impostorId).isNotEqualTo(guestId).startsWith(OnlineNow.GUEST_PREFIX);
        assertThat(tab1.next("join").getJsonObject("presence").getString("id")).isEqualTo(impostorId);
        assertThat(server.live().presence("lobby", guestId).getConnections()).isEqualTo(2);
        assertThat(server.online().isOnline(guestId)).isFalse();

        server.logout(visitor);
        assertThat(tab1.awaitClose()).isEqualTo(new WsClient.Closed(1008, "session ended"));
        assertThat(other.next("leave").getString("id")).isEqualTo(guestId);
    }
}
