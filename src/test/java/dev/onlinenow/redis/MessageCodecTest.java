package dev.onlinenow.redis;

import dev.onlinenow.live.Presence;
import dev.onlinenow.live.RoomMessage;
import jakarta.json.Json;
import jakarta.json.JsonValue;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MessageCodecTest {

    final Presence bob = new Presence("bob", "Bob", Json.createObjectBuilder().add("away", true).build(), 2, 5);

    @Test
    void everyKindComesBackAsItWasSent() {
        for (RoomMessage m : List.of(RoomMessage.join("r\"\u00e9", bob, "bob"), RoomMessage.meta("r", bob, "n1/7"),
                RoomMessage.leave("r", "bob"),
                RoomMessage.event("r", "saved", Json.createObjectBuilder().add("v", 7).build()),
                RoomMessage.event("r", "nothing", null),
                RoomMessage.cursors("r", List.of(new RoomMessage.Move("ann", 1.25, -3, false),
                        RoomMessage.Move.gone("bob"))))) {
            MessageCodec.Received back = MessageCodec.decode(MessageCodec.encode("node-a", m));
            assertThat(back.node()).isEqualTo("node-a");
            assertThat(back.message()).isEqualTo(m);
            assertThat(back.message().text()).isEqualTo(m.text());
        }
    }

    /** What nodes of the version before the typed bus published, read by this one (a rolling update). */
    @Test
    void readsTheFormatOfEarlierVersions() {
        String old = "{\"node\":\"n0\",\"message\":{\"kind\":\"JOIN\",\"room\":\"r\",\"frame\":{\"type\":\"join\",\"room\":\"r\","
                + "\"presence\":{\"id\":\"bob\",\"name\":\"Bob\",\"meta\":{\"away\":true},\"connections\":2,\"joinedAt\":5}},"
                + "\"skipUser\":\"bob\"}}";
        assertThat(MessageCodec.decode(old).message()).isEqualTo(RoomMessage.join("r", bob, "bob"));
        assertThat(MessageCodec.encode("n0", RoomMessage.join("r", bob, "bob")))
                .isEqualTo(old.replace("\"joinedAt\":5}}", "\"joinedAt\":5,\"metas\":[{\"meta\":{\"away\":true},\"joinedAt\":5}]}}"));
    }

    @Test
    void refusesWhatIsNotAMessage() {
        for (String text : List.of("{}", "nope", "{\"node\":\"n\",\"message\":{\"kind\":\"NOPE\",\"room\":\"r\",\"frame\":{}}}",
                "{\"node\":\"n\",\"message\":{\"kind\":\"LEAVE\",\"room\":\"r\",\"frame\":{\"type\":\"join\",\"room\":\"r\",\"id\":\"x\"}}}",
                "{\"node\":\"n\",\"message\":{\"kind\":\"LEAVE\",\"room\":\"r\",\"frame\":{\"type\":\"leave\",\"room\":\"other\",\"id\":\"x\"}}}")) {
            assertThatThrownBy(() -> MessageCodec.decode(text)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("not a room message");
        }
        assertThat(MessageCodec.decode("{\"node\":\"n\",\"message\":{\"kind\":\"EVENT\",\"room\":\"r\",\"frame\":"
                + "{\"type\":\"event\",\"room\":\"r\",\"event\":\"e\"}}}").message().payload()).isEqualTo(JsonValue.NULL);
    }
}
