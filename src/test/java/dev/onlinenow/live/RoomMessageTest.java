package dev.onlinenow.live;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RoomMessageTest {

    @Test
    void roundTripsThroughJson() {
        JsonObject frame = Json.createObjectBuilder().add("type", "leave").add("room", "r").add("id", "bob").build();
        RoomMessage m = new RoomMessage(RoomMessage.Kind.LEAVE, "r", frame, "bob", "node/7");
        RoomMessage back = RoomMessage.fromJson(Json.createReader(new java.io.StringReader(m.toJson().toString()))
                .readObject());
        assertThat(back.kind()).isEqualTo(RoomMessage.Kind.LEAVE);
        assertThat(back.room()).isEqualTo("r");
        assertThat(back.frame()).isEqualTo(frame);
        assertThat(back.skipUser()).isEqualTo("bob");
        assertThat(back.skipConnection()).isEqualTo("node/7");

        RoomMessage plain = RoomMessage.fromJson(new RoomMessage(RoomMessage.Kind.EVENT, "r", frame, null, null).toJson());
        assertThat(plain.skipUser()).isNull();
        assertThat(plain.skipConnection()).isNull();
    }

    @Test
    void refusesWhatIsNotAMessage() {
        assertThatThrownBy(() -> RoomMessage.fromJson(Json.createObjectBuilder().add("kind", "NOPE").build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a room message");
    }
}
