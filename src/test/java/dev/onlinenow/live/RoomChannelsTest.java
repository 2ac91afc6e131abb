package dev.onlinenow.live;

import dev.onlinenow.OnlineNowSettings;
import dev.onlinenow.OnlineNowStats;
import dev.onlinenow.internal.RateLimitedLog;
import dev.onlinenow.internal.StatsRecorder;
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
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A server on a shared store whose bus carries a room only while the server holds it (as Redis's
 * one channel per room): it asks for a room's messages when it makes the room and stops when it
 * forgets it, and what it may have missed before the bus carried the room is read from the store
 * again. "The store" is a second, in-process server's rooms ({@link LocalRoomState}), which the
 * test also changes directly, as another server would; "the bus" is in the test's hands, so the
 * race between a subscription and another server's join is played in a fixed order.
 */
class RoomChannelsTest {

    final List<String> watched = new CopyOnWriteArrayList<>();
    final List<String> unwatched = new CopyOnWriteArrayList<>();
    final AtomicInteger ids = new AtomicInteger();
    final OnlineNowSettings settings = OnlineNowSettings.defaults();
    RoomOps store;
    RoomOps server;
    RoomState shared;
    Consumer<String> missed;
    Consumer<RoomMessage> receiver;

    /** The server under test, on the shared store and the test's bus. */
    RoomOps server() {
        if (server == null) {
            LiveBackend storeBackend = LiveBackend.inProcess();
            store = new RoomOps(settings, storeBackend.state(), storeBackend.bus(), false, 2, Runnable::run,
                    noEvents(), new RateLimitedLog(System.getLogger("test")), StatsRecorder.of(new OnlineNowStats()));
            RoomState storeState = storeBackend.state();
            // not the store's own type: the server must not take the store's rooms for its own shards'
            shared = (RoomState) java.lang.reflect.Proxy.newProxyInstance(RoomState.class.getClassLoader(),
                    new Class<?>[] {RoomState.class}, (proxy, method, args) -> {
                        try {
                            return method.invoke(storeState, args);
                        } catch (java.lang.reflect.InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
            RoomBus bus = new RoomBus() {
                @Override
                public void publish(RoomMessage message) {
                    receiver.accept(message); // this server's own, at once (as the Redis bus does)
                }

                @Override
                public void subscribe(Consumer<RoomMessage> r) {
                    receiver = r;
                }

                @Override
                public void watch(String room) {
                    watched.add(room);
                }

                @Override
                public void unwatch(String room) {
                    unwatched.add(room);
                }

                @Override
                public void onMissed(Consumer<String> room) {
                    missed = room;
                }
            };
            server = new RoomOps(settings, shared, bus, true, 2, Runnable::run, noEvents(),
                    new RateLimitedLog(System.getLogger("test")), StatsRecorder.of(new OnlineNowStats()));
            bus.subscribe(server::deliver);
        }
        return server;
    }

    private static RoomOps.PresenceEvents noEvents() {
        return new RoomOps.PresenceEvents() {
            @Override
            public void joined(String room, Presence p) {
            }

            @Override
            public void left(String room, Presence p) {
            }
        };
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
            store.close();
        }
    }

    /** Waits for both servers' shards, several times: a store answer hops from one to the other. */
    void settle() {
        for (int i = 0; i < 4; i++) {
            store.drain();
            server().drain();
        }
    }

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
            c.rooms.add(room);
            server().join(c, room, null);
            settle();
        }

        void leave(String room) {
            c.rooms.remove(room);
            server().leave(c, room, OnlineNowStats.LeaveReason.CLOSED);
            settle();
        }

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
    void aJoinRacingTheSubscriptionIsToldOnceTheBusCarriesTheRoom() {
        Conn alice = new Conn("alice");
        alice.join("board");
        assertThat(watched).containsExactly("board");
        assertThat(ids(alice.take("state").get(0))).containsExactly("alice");

        // another server's join lands in the store after this server read the room, and its
        // message goes out before the bus carries the room here: nobody here hears it
        shared.join("board", "carol", "other/1", "Carol", null, settings.clock().millis());
        settle();
        assertThat(alice.take("join")).isEmpty();

        // the subscription is confirmed: the bus says the room may have missed something
        missed.accept("board");
        settle();
        List<JsonObject> joins = alice.take("join");
        assertThat(joins).hasSize(1);
        assertThat(joins.get(0).getJsonObject("presence").getString("id")).isEqualTo("carol");
        assertThat(server().presences("board")).extracting(Presence::getId).containsExactly("alice", "carol");
    }

    @Test
    void aRoomIsCarriedWhileHeldAndAMessageInFlightAfterTheLastLeaveIsDropped() {
        Conn alice = new Conn("alice");
        alice.join("board");
        alice.take("state");
        shared.join("board", "bob", "other/1", "Bob", null, settings.clock().millis());
        shared.putCursor("board", new Cursor("bob", 1, 1, settings.clock().millis()));

        alice.leave("board");
        server().sweep();
        settle();
        assertThat(unwatched).containsExactly("board");

        // a message for the room published before the unsubscribe took effect arrives now
        receiver.accept(RoomMessage.cursors("board", List.of(new RoomMessage.Move("bob", 5, 5, false))));
        receiver.accept(RoomMessage.leave("board", "bob"));
        settle();
        assertThat(alice.frames).isEmpty();
        assertThat(server().localRooms()).isZero();

        // alice comes back: the room is carried again and read from the store (bob is still there
        // as far as the store knows: the stale leave changed nothing)
        alice.join("board");
        assertThat(watched).containsExactly("board", "board");
        assertThat(ids(alice.take("state").get(0))).containsExactlyInAnyOrder("bob", "alice");
    }

    @Test
    void otherServersCursorsDoNotKeepARoomNobodyHereHolds() {
        Conn alice = new Conn("alice");
        alice.join("board");
        receiver.accept(RoomMessage.cursors("board", List.of(new RoomMessage.Move("bob", 5, 5, false))));
        settle();
        assertThat(alice.take("cursors")).hasSize(1); // the view has bob's cursor now
        alice.leave("board");
        server().sweep();
        settle();
        assertThat(unwatched).containsExactly("board");
    }
}
