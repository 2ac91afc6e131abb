package dev.onlinenow.live;

import jakarta.json.Json;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The view a room keeps from the messages it hears: no threads, no sockets. */
class RoomTest {

    final Room room = new Room("r");
    final Presence ann = new Presence("ann", "Ann", null, 1, 1);
    final Presence bob = new Presence("bob", "Bob", null, 1, 2);

    @Test
    void joinsMetasAndLeavesMakeTheView() {
        room.apply(RoomMessage.join("r", ann, "ann"), 0);
        room.apply(RoomMessage.join("r", bob, "bob"), 0);
        Presence away = ann.withMeta(Json.createObjectBuilder().add("away", true).build());
        room.apply(RoomMessage.meta("r", away, null), 0);
        assertThat(room.presences()).containsExactly(away, bob);
        room.apply(RoomMessage.leave("r", "ann"), 0);
        assertThat(room.presences()).containsExactly(bob);
    }

    @Test
    void cursorsMoveGoAndLeaveWithTheirUser() {
        room.apply(RoomMessage.cursors("r", List.of(new RoomMessage.Move("ann", 1, 2, false),
                new RoomMessage.Move("bob", 3, 4, false))), 50);
        assertThat(room.cursors()).containsExactly(new Cursor("ann", 1, 2, 50), new Cursor("bob", 3, 4, 50));
        room.apply(RoomMessage.cursors("r", List.of(RoomMessage.Move.gone("ann"))), 60);
        assertThat(room.cursors()).containsExactly(new Cursor("bob", 3, 4, 50));
        room.apply(RoomMessage.leave("r", "bob"), 70);
        assertThat(room.cursors()).isEmpty();
    }

    @Test
    void aFetchOnItsWayLearnsWhoMessagesChanged() {
        room.apply(RoomMessage.join("r", ann, null), 0);
        assertThat(room.touchedDuringFetch).isNull();
        room.startFetch();
        room.apply(RoomMessage.leave("r", "bob"), 0);
        room.apply(RoomMessage.event("r", "e", null), 0);
        assertThat(room.touchedDuringFetch).containsExactly("bob");
    }

    @Test
    void aRoomIsIdleWhenNothingKeepsIt() {
        assertThat(room.idle(RoomTicks.WATCH_NANOS, RoomTicks.WATCH_NANOS)).isTrue();
        assertThat(room.idle(RoomTicks.WATCH_NANOS - 1, RoomTicks.WATCH_NANOS)).isFalse(); // read recently
        room.apply(RoomMessage.cursors("r", List.of(new RoomMessage.Move("ann", 1, 2, false))), 0);
        assertThat(room.idle(RoomTicks.WATCH_NANOS, RoomTicks.WATCH_NANOS)).isFalse();
    }
}
