package dev.onlinenow.live;

import dev.onlinenow.internal.live.LiveBackend;
import dev.onlinenow.OnlineNowSettings;
import dev.onlinenow.OnlineNowStats;
import dev.onlinenow.internal.RateLimitedLog;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Room operations with the in-process backend and connections whose frames land in a list: the
 * protocol's room logic without a container or a socket.
 */
class RoomOpsTest {

    final List<String> heard = new CopyOnWriteArrayList<>();
    OnlineNowSettings settings = OnlineNowSettings.defaults();
    RoomOps ops;
    final AtomicInteger ids = new AtomicInteger();

    RoomOps ops() {
        if (ops == null) {
            LiveBackend backend = Backends.inProcess();
            ops = new RoomOps(settings, backend.state(), backend.bus(), false, 2, Runnable::run,
                    new RoomOps.PresenceEvents() {
                        @Override
                        public void joined(String room, Presence p) {
                            heard.add("joined " + p.getId());
                        }

                        @Override
                        public void left(String room, Presence p) {
                            heard.add("left " + p.getId());
                        }
                    }, new RateLimitedLog(System.getLogger("test")),
                    dev.onlinenow.internal.StatsRecorder.of(new OnlineNowStats()));
            backend.bus().subscribe(ops::deliver);
        }
        return ops;
    }

    @AfterEach
    void stop() {
        if (ops != null) {
            ops.close();
        }
    }

    /** A connection whose frames are kept, parsed, in {@link #frames}. */
    final class Conn {
        final LiveConnection c;
        final List<JsonObject> frames = new CopyOnWriteArrayList<>();

        Conn(String user) {
            c = new LiveConnection("n/" + ids.incrementAndGet(), new Handshake(user, user.toUpperCase(), false, null,
                    null, null), null, 1000, 1000, 0);
            c.outbox = new Outbox((text, done) -> {
                try (JsonReader r = Json.createReader(new StringReader(text))) {
                    frames.add(r.readObject());
                }
                done.accept(null);
            }, Runnable::run, 10_000, Long.MAX_VALUE, () -> { }, e -> { });
        }

        void join(String room) {
            join(room, null);
        }

        void join(String room, JsonObject meta) {
            c.rooms.add(room);
            ops().join(c, room, meta);
            ops().drain();
        }

        void leave(String room) {
            c.rooms.remove(room);
            ops().leave(c, room, OnlineNowStats.LeaveReason.CLOSED);
            ops().drain();
            ops().drain(); // a leave is queued behind what the shard had
        }

        void meta(String room, JsonObject meta) {
            ops().meta(c, room, meta);
            ops().drain();
        }

        /** Frames of this type, and forgets every frame. */
        List<JsonObject> take(String type) {
            List<JsonObject> out = new ArrayList<>();
            for (JsonObject f : frames) {
                if (f.getString("type").equals(type)) {
                    out.add(f);
                }
            }
            frames.clear();
            return out;
        }
    }

    static List<String> ids(JsonObject state) {
        List<String> out = new ArrayList<>();
        state.getJsonArray("presences").forEach(v -> out.add(v.asJsonObject().getString("id")));
        return out;
    }

    @Test
    void aJoinerGetsTheRoomAndTheOthersGetTheJoiner() {
        Conn ann = new Conn("ann");
        Conn bob = new Conn("bob");
        ann.join("r");
        assertThat(ids(ann.take("state").get(0))).containsExactly("ann");
        bob.join("r");
        assertThat(ids(bob.take("state").get(0))).containsExactly("ann", "bob");
        List<JsonObject> joins = ann.take("join");
        assertThat(joins).hasSize(1);
        assertThat(joins.get(0).getJsonObject("presence").getString("id")).isEqualTo("bob");
        assertThat(ops().presences("r")).extracting(Presence::getId).containsExactly("ann", "bob");
        assertThat(heard).containsExactly("joined ann", "joined bob");
    }

    @Test
    void aSecondTabIsNoJoinAndItsLeaveNoLeave() {
        Conn ann = new Conn("ann");
        Conn bob = new Conn("bob");
        Conn bob2 = new Conn("bob");
        ann.join("r");
        bob.join("r");
        ann.take("join");
        bob2.join("r");
        assertThat(ann.take("join")).isEmpty();
        assertThat(ops().presence("r", "bob").getConnections()).isEqualTo(2);
        bob.leave("r");
        assertThat(ann.take("leave")).isEmpty();
        bob2.leave("r");
        assertThat(ann.take("leave")).extracting(f -> f.getString("id")).containsExactly("bob");
        assertThat(ops().presences("r")).extracting(Presence::getId).containsExactly("ann");
        assertThat(heard).containsExactly("joined ann", "joined bob", "left bob");
    }

    @Test
    void aMetaChangeGoesToEveryConnectionButTheOneThatMadeIt() {
        Conn ann = new Conn("ann");
        Conn ann2 = new Conn("ann");
        Conn bob = new Conn("bob");
        ann.join("r");
        ann2.join("r");
        bob.join("r");
        ann.frames.clear();
        ann2.frames.clear();
        bob.frames.clear();
        JsonObject away = Json.createObjectBuilder().add("away", true).build();
        ann.meta("r", away);
        assertThat(ann.take("meta")).isEmpty();
        assertThat(ann2.take("meta")).hasSize(1);
        JsonObject p = bob.take("meta").get(0).getJsonObject("presence");
        // one meta per tab; version 1's meta is away only while every tab is
        assertThat(p.getJsonArray("metas")).extracting(v -> v.asJsonObject().getJsonObject("meta"))
                .containsExactly(away, Json.createObjectBuilder().build());
        assertThat(p.getJsonObject("meta")).isEqualTo(Json.createObjectBuilder().add("away", false).build());
        ann2.meta("r", away);
        assertThat(bob.take("meta").get(0).getJsonObject("presence").getJsonObject("meta")).isEqualTo(away);
        assertThat(ann.take("meta").get(0).getJsonObject("presence").getJsonArray("metas")).hasSize(2);
    }

    static JsonObject meta(String json) {
        return Json.createReader(new StringReader(json)).readObject();
    }

    /** A version 1 client sees one meta per user: the latest tab's, away only while every tab is away. */
    @Test
    void versionOneSeesOneMetaAwayOnlyWhenEveryTabIs() {
        Conn ann = new Conn("ann");
        Conn ann2 = new Conn("ann");
        Conn bob = new Conn("bob");
        bob.join("r");
        ann.join("r", meta("{\"color\":\"teal\",\"away\":false}"));
        ann2.join("r", meta("{\"color\":\"red\",\"away\":false}"));
        assertThat(bob.take("meta").get(0).getJsonObject("presence").getJsonObject("meta"))
                .as("a tab that joins with a meta is the latest").isEqualTo(meta("{\"color\":\"red\",\"away\":false}"));
        ann.meta("r", meta("{\"color\":\"teal\",\"away\":true}"));
        assertThat(bob.take("meta").get(0).getJsonObject("presence").getJsonObject("meta"))
                .as("the hidden tab is the latest, but the other is in use").isEqualTo(meta("{\"color\":\"teal\",\"away\":false}"));
        ann2.meta("r", meta("{\"color\":\"red\",\"away\":true}"));
        assertThat(bob.take("meta").get(0).getJsonObject("presence").getJsonObject("meta"))
                .isEqualTo(meta("{\"color\":\"red\",\"away\":true}"));
        assertThat(ops().presence("r", "ann").getMeta().getBoolean("away")).isTrue();
        ann2.meta("r", meta("{\"color\":\"red\",\"away\":false}"));
        bob.frames.clear();
        // the tab in use closes: the one left is away, and everybody hears it
        ann2.leave("r");
        List<JsonObject> metas = bob.take("meta");
        assertThat(metas).hasSize(1);
        assertThat(metas.get(0).getJsonObject("presence").getJsonObject("meta").getBoolean("away")).isTrue();
        assertThat(metas.get(0).getJsonObject("presence").getInt("connections")).isEqualTo(1);
    }

    @Test
    void cursorsGoToOthersNotToTheirMover() {
        Conn ann = new Conn("ann");
        Conn bob = new Conn("bob");
        ann.join("r");
        bob.join("r");
        ann.frames.clear();
        bob.frames.clear();
        ops().move("r", "bob", 3, 4, true);
        ops().flushCursors();
        ops().drain();
        assertThat(bob.take("cursors")).isEmpty();
        JsonObject f = ann.take("cursors").get(0);
        assertThat(f.getJsonArray("cursors").getJsonObject(0).getString("id")).isEqualTo("bob");
        assertThat(ops().cursors("r")).extracting(Cursor::getId).containsExactly("bob");
        bob.leave("r");
        assertThat(ops().cursors("r")).as("a leave takes the cursor").isEmpty();
    }

    @Test
    void aFullRoomRefusesTheNextUserButNotAnotherTab() {
        settings = OnlineNowSettings.builder().maxMembersPerRoom(1).build();
        Conn ann = new Conn("ann");
        Conn ann2 = new Conn("ann");
        Conn bob = new Conn("bob");
        ann.join("r");
        ann2.join("r");
        assertThat(ann2.take("state")).hasSize(1);
        bob.join("r");
        assertThat(bob.take("error").get(0).getString("code")).isEqualTo(Protocol.ROOM_FULL);
        assertThat(bob.c.rooms).isEmpty();
    }

    @Test
    void roomsWithMembersHereAreCounted() {
        Conn ann = new Conn("ann");
        Conn ann2 = new Conn("ann");
        Conn bob = new Conn("bob");
        ann.join("r1");
        bob.join("r2");
        bob.join("r1");
        ann2.join("r1");
        assertThat(ops().localRooms()).isEqualTo(2);
        bob.leave("r2");
        assertThat(ops().localRooms()).isEqualTo(1);
        assertThat(ops().presences("r2")).isEmpty();
    }

    void tick() {
        ops().flushCursors();
        ops().drain();
    }

    static int count(Conn c) {
        List<JsonObject> counts = c.take("count");
        assertThat(counts).hasSize(1);
        return counts.get(0).getInt("count");
    }

    /** A room of more than roomListLimit users is shown by count (docs/protocol.md, large rooms). */
    @Test
    void aLargeRoomListsItsFirstUsersAndCountsTheRest() {
        dev.onlinenow.MutableClock clock = new dev.onlinenow.MutableClock();
        settings = OnlineNowSettings.builder().roomListLimit(2).clock(clock).ticker(clock.ticker()).build();
        Conn ann = new Conn("ann");
        Conn bob = new Conn("bob");
        Conn cid = new Conn("cid");
        Conn dan = new Conn("dan");
        Conn dan2 = new Conn("dan");
        ann.join("r");
        bob.join("r");
        JsonObject small = bob.take("state").get(0);
        assertThat(small.getInt("count")).as("every state has count").isEqualTo(2);
        assertThat(ann.take("join")).hasSize(1);

        cid.join("r");
        JsonObject state = cid.take("state").get(0);
        assertThat(ids(state)).as("the list, the joiner's own among it").containsExactly("ann", "cid");
        assertThat(state.getInt("count")).isEqualTo(3);
        assertThat(ann.take("join")).as("a join beyond the list is counted, not announced").isEmpty();
        tick();
        assertThat(count(ann)).isEqualTo(3);
        assertThat(count(bob)).isEqualTo(3);

        dan.join("r");
        dan2.join("r");
        tick();
        assertThat(ann.take("count")).as("at most one count frame a second").isEmpty();
        clock.advance(java.time.Duration.ofSeconds(1));
        tick();
        assertThat(count(ann)).isEqualTo(4);
        assertThat(ops().presences("r")).as("the server's own view is whole").hasSize(4);

        // a meta change beyond the list reaches the user's own tabs only
        dan.meta("r", Json.createObjectBuilder().add("away", true).build());
        assertThat(ann.take("meta")).isEmpty();
        assertThat(dan2.take("meta")).hasSize(1);
        // cursors: the listed users' only
        ops().move("r", "dan", 1, 1, true);
        ops().move("r", "bob", 2, 2, true);
        tick();
        List<JsonObject> cursors = ann.take("cursors");
        assertThat(cursors).hasSize(1);
        assertThat(cursors.get(0).getJsonArray("cursors")).extracting(v -> v.asJsonObject().getString("id"))
                .containsExactly("bob");

        // leaves: a listed user's is announced, others' counted
        clock.advance(java.time.Duration.ofSeconds(1));
        cid.leave("r");
        assertThat(ann.take("leave")).isEmpty();
        bob.leave("r");
        assertThat(ann.take("leave")).extracting(f -> f.getString("id")).containsExactly("bob");
        tick();
        assertThat(count(ann)).isEqualTo(2);
        assertThat(ops().presences("r")).extracting(Presence::getId).containsExactly("ann", "dan");
    }
}
