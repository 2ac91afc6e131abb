package dev.onlinenow.live;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RoomMessageTest {

    final Presence bob = new Presence("bob", "Bob \"B\"", Json.createObjectBuilder().add("c", 1).build(), 2, 5);

    /** The text each kind gets is what JSON-P builds from the protocol's fields (as before the bus was typed). */
    @Test
    void framesAreWrittenAsTheProtocolSays() {
        assertThat(RoomMessage.join("r", bob, "bob").text()).isEqualTo(Json.createObjectBuilder().add("type", "join")
                .add("room", "r").add("presence", bob.toJson()).build().toString());
        assertThat(RoomMessage.meta("r\u00e9\"", bob, "n/1").text()).isEqualTo(Json.createObjectBuilder()
                .add("type", "meta").add("room", "r\u00e9\"").add("presence", bob.toJson()).build().toString());
        assertThat(RoomMessage.leave("r", "bob").text())
                .isEqualTo("{\"type\":\"leave\",\"room\":\"r\",\"id\":\"bob\"}");
        JsonObject payload = Json.createObjectBuilder().add("v", 7).add("s", "\n").build();
        assertThat(RoomMessage.event("r", "saved", payload).text()).isEqualTo(Json.createObjectBuilder()
                .add("type", "event").add("room", "r").add("event", "saved").add("payload", payload).build().toString());
        assertThat(RoomMessage.event("r", "ping", null).text())
                .isEqualTo("{\"type\":\"event\",\"room\":\"r\",\"event\":\"ping\",\"payload\":null}");
    }

    @Test
    void cursorsAreWrittenAsJsonPWritesNumbers() {
        RoomMessage m = RoomMessage.cursors("r", List.of(new RoomMessage.Move("ann", 1.5, 1e20, false),
                RoomMessage.Move.gone("bob"), new RoomMessage.Move("cid", -0.0, 3, false)));
        String expected = Json.createObjectBuilder().add("type", "cursors").add("room", "r").add("cursors",
                Json.createArrayBuilder()
                        .add(Json.createObjectBuilder().add("id", "ann").add("x", 1.5).add("y", 1e20))
                        .add(Json.createObjectBuilder().add("id", "bob").add("gone", true))
                        .add(Json.createObjectBuilder().add("id", "cid").add("x", -0.0).add("y", 3.0)))
                .build().toString();
        assertThat(m.text()).isEqualTo(expected);
        assertThat(m.cursorFrame().without("bob")).doesNotContain("bob").contains("ann", "cid");
    }

    @Test
    void theTextIsMadeOncePerMessage() {
        RoomMessage m = RoomMessage.join("r", bob, null);
        assertThat(m.text()).isSameAs(m.text());
        RoomMessage c = RoomMessage.cursors("r", List.of(new RoomMessage.Move("ann", 1, 2, false)));
        assertThat(c.cursorFrame()).isSameAs(c.cursorFrame());
    }

    @Test
    void skippingKeepsWhatHappened() {
        RoomMessage m = RoomMessage.event("r", "x", JsonValue.TRUE).skipping("bob", "n/7");
        assertThat(m.skipUser()).isEqualTo("bob");
        assertThat(m.skipConnection()).isEqualTo("n/7");
        assertThat(m).isEqualTo(RoomMessage.event("r", "x", JsonValue.TRUE).skipping("bob", "n/7"));
        assertThat(m.kind()).isEqualTo(RoomMessage.Kind.EVENT);
        assertThat(RoomMessage.leave("r", "bob").userId()).isEqualTo("bob");
        assertThat(RoomMessage.join("r", bob, null).presence()).isEqualTo(bob);
    }
}
