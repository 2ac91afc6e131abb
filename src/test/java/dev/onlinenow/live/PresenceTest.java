package dev.onlinenow.live;

import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import org.junit.jupiter.api.Test;

import java.io.StringReader;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class PresenceTest {

    static JsonObject json(String text) {
        return Protocol.READERS.createReader(new StringReader(text)).readObject();
    }

    @Test
    void metaIsKeptAsTextAndReadBackAsJson() {
        JsonObject meta = json("{\"color\":\"teal\",\"away\":false,\"n\":[1,2.5,{\"deep\":\"\uD83D\uDE00\\n\"}]}");
        Presence p = new Presence("alice", "Alice \"A\"", meta, 2, 1763850000000L);
        assertThat(p.metaJson()).isEqualTo(meta.toString());
        assertThat(p.getMeta()).isEqualTo(meta);
        assertThat(p.toJsonString()).isEqualTo(p.toJson().toString());
        assertThat(json(p.toJsonString())).isEqualTo(p.toJson());
        assertThat(Presence.fromJson(p.toJson())).isEqualTo(p);
        assertThat(p.withConnections(3).metaJson()).as("shared, not copied").isSameAs(p.metaJson());
        assertThat(p.withMeta(json("{\"away\":true}")).getMeta().getBoolean("away")).isTrue();
    }

    @Test
    void noMetaIsTheEmptyObject() {
        Presence p = new Presence("bob", null, null, 1, 0);
        assertThat(p.getMeta()).isEqualTo(JsonValue.EMPTY_JSON_OBJECT);
        assertThat(p.getName()).isEqualTo("bob");
        assertThat(p.toJsonString()).isEqualTo("{\"id\":\"bob\",\"name\":\"bob\",\"meta\":{},\"connections\":1,\"joinedAt\":0,"
                + "\"metas\":[{\"meta\":{},\"joinedAt\":0}]}");
        assertThat(new Presence("bob", null, JsonValue.EMPTY_JSON_OBJECT, 1, 0)).isEqualTo(p);
    }

    @Test
    void theStateFrameEmbedsEachMetaAsItIs() {
        Presence a = new Presence("alice", "Alice", json("{\"color\":\"teal\"}"), 1, 5);
        Presence b = new Presence("bob", "B\u00f6b", null, 2, 6);
        String state = Protocol.state("r\"1", "alice", List.of(a, b), List.of(new Cursor("bob", 0.5, 0.25, 7),
                new Cursor("alice", 0.1, 0.1, 7)), 30_000);
        JsonObject o = json(state);
        assertThat(o.getString("type")).isEqualTo("state");
        assertThat(o.getString("room")).isEqualTo("r\"1");
        assertThat(o.getString("self")).isEqualTo("alice");
        assertThat(o.getJsonArray("presences")).containsExactly(a.toJson(), b.toJson());
        assertThat(o.getJsonArray("cursors")).hasSize(1).as("never one's own cursor");
        assertThat(o.getJsonNumber("pingInterval").longValue()).isEqualTo(30_000);
        assertThat(state).startsWith("{\"type\":\"state\",\"room\":\"r\\\"1\",\"self\":\"alice\",\"presences\":[{\"id\":\"alice\"");
    }
}
