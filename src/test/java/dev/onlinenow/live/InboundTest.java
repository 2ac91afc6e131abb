package dev.onlinenow.live;

import dev.onlinenow.OnlineNow;
import dev.onlinenow.OnlineNowSettings;
import dev.onlinenow.OnlineNowStats;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.websocket.CloseReason;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.StringReader;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyBoolean;
import static org.mockito.ArgumentMatchers.anyDouble;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;

/** What a socket sends, decoded, limited and handed to the rooms; no container. */
class InboundTest {

    final OnlineNow online = OnlineNow.create(OnlineNowSettings.builder().maxRoomsPerConnection(2)
            .maxMessagesPerSecond(5).build());
    final RoomOps rooms = mock(RoomOps.class);
    final Connections connections = mock(Connections.class);
    final Inbound inbound = new Inbound(online, rooms, connections, (user, room) -> !room.equals("secret"));
    final List<JsonObject> sent = new CopyOnWriteArrayList<>();
    final LiveConnection c = new LiveConnection("n/1", new Handshake("ann", "Ann", false, null, null, null), null,
            5, 5, online.settings().ticker().nanos());

    {
        c.outbox = new Outbox((text, done) -> {
            try (JsonReader r = Json.createReader(new StringReader(text))) {
                sent.add(r.readObject());
            }
            done.accept(null);
        }, Runnable::run, 1000, Long.MAX_VALUE, () -> { }, e -> { });
    }

    @AfterEach
    void close() {
        online.close();
    }

    String lastError() {
        JsonObject f = sent.get(sent.size() - 1);
        assertThat(f.getString("type")).isEqualTo("error");
        return f.getString("code");
    }

    @Test
    void aJoinClaimsTheRoomAndGoesToTheRooms() {
        inbound.received(c, "{\"type\":\"join\",\"room\":\"r\",\"meta\":{\"away\":false}}");
        assertThat(c.rooms).containsExactly("r");
        verify(rooms).join(eq(c), eq("r"), eq(Json.createObjectBuilder().add("away", false).build()));
        inbound.received(c, "{\"type\":\"leave\",\"room\":\"r\"}");
        assertThat(c.rooms).isEmpty();
        verify(rooms).leave(c, "r", OnlineNowStats.LeaveReason.CLOSED);
    }

    @Test
    void refusalsCostTheSenderAnErrorAndNothingElse() {
        inbound.received(c, "{\"type\":\"join\",\"room\":\"secret\"}");
        assertThat(lastError()).isEqualTo(Protocol.FORBIDDEN);
        inbound.received(c, "{\"type\":\"leave\",\"room\":\"r\"}");
        assertThat(lastError()).isEqualTo(Protocol.NOT_JOINED);
        inbound.received(c, "{\"type\":\"meta\",\"room\":\"r\",\"meta\":{}}");
        assertThat(lastError()).isEqualTo(Protocol.NOT_JOINED);
        inbound.received(c, "{\"type\":\"cursor\",\"room\":\"r\",\"x\":1,\"y\":2}");
        assertThat(lastError()).isEqualTo(Protocol.NOT_JOINED);
        inbound.received(c, "not json");
        assertThat(lastError()).isEqualTo(Protocol.BAD_JSON);
        verify(rooms, never()).join(any(), anyString(), any());
        verify(rooms, never()).move(anyString(), anyString(), anyDouble(), anyDouble(), anyBoolean());
    }

    @Test
    void aConnectionHasARoomLimit() {
        inbound.received(c, "{\"type\":\"join\",\"room\":\"a\"}");
        inbound.received(c, "{\"type\":\"join\",\"room\":\"b\"}");
        inbound.received(c, "{\"type\":\"join\",\"room\":\"c\"}");
        assertThat(lastError()).isEqualTo(Protocol.TOO_MANY_ROOMS);
        assertThat(c.rooms).containsExactlyInAnyOrder("a", "b");
        inbound.received(c, "{\"type\":\"join\",\"room\":\"a\"}");
        assertThat(sent).hasSize(1); // joining a room again is no error
    }

    @Test
    void pingsArePongedAndAFloodCloses() {
        inbound.received(c, "{\"type\":\"ping\"}");
        assertThat(sent.get(0).getString("type")).isEqualTo("pong");
        for (int i = 0; i < 40; i++) {
            inbound.received(c, "{\"type\":\"ping\"}");
        }
        assertThat(sent).extracting(f -> f.getString("type")).contains("error");
        verify(connections, org.mockito.Mockito.atLeastOnce()).drop(c, CloseReason.CloseCodes.VIOLATED_POLICY,
                "rate limit exceeded"); // a mock does not mark it dropped, so later pings drop it again
    }

    @Test
    void onlineFramesAreAnsweredAndRateLimitedLikeAnyOther() {
        inbound.received(c, "{\"type\":\"online\"}");
        assertThat(sent.get(0).getString("type")).isEqualTo("online");
        assertThat(sent.get(0).getJsonArray("users").getJsonObject(0).getString("id")).isEqualTo("ann");
        for (int i = 0; i < 10; i++) {
            inbound.received(c, "{\"type\":\"online\"}");
        }
        assertThat(sent).extracting(f -> f.getString("type")).contains("error");
        assertThat(sent.stream().filter(f -> f.getString("type").equals("online")).count())
                .as("at most the burst of maxMessagesPerSecond").isLessThanOrEqualTo(5);
    }

    @Test
    void aDroppedConnectionIsNotHeard() {
        c.dropped.set(true);
        inbound.received(c, "{\"type\":\"join\",\"room\":\"r\"}");
        assertThat(sent).isEmpty();
        assertThat(c.rooms).isEmpty();
    }
}
