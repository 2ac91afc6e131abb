package dev.onlinenow.live;

import jakarta.json.JsonValue;

import java.util.List;
import java.util.Objects;

/**
 * One event for the members of a room, as it travels on the {@link RoomBus}: what happened, typed
 * (a presence that joined or changed, an id that left, cursor moves, a server-side event), and who
 * among the room's members must not hear of it.
 *
 * <p>Nothing here is JSON until a socket needs it: {@link #text()} writes the protocol frame once
 * per message, the first time it is asked, and every recipient gets that same string. A bus that
 * crosses servers turns the message into bytes with its own codec (the Redis backend's sends
 * {@link #text()} inside an envelope and reads the typed fields back on the other side).
 *
 * <p>For {@link Kind#CURSORS} messages each recipient gets the frame without its own user's
 * entries (a cursor is never echoed to its owner); the receiving node does that filtering.
 */
public final class RoomMessage {

    /** What a message announces; its frame's {@code type} is the lower-case name. */
    public enum Kind { JOIN, LEAVE, META, EVENT, CURSORS }

    /** One entry of a {@link Kind#CURSORS} message: a cursor's new place, or {@code gone}. */
    public record Move(String id, double x, double y, boolean gone) {
        public Move {
            Objects.requireNonNull(id, "id");
        }

        /** A cursor that went away. */
        public static Move gone(String id) {
            return new Move(id, 0, 0, true);
        }
    }

    private final Kind kind;
    private final String room;
    private final String skipUser;
    private final String skipConnection;
    /* one of these, by kind */
    private final Presence presence;
    private final String userId;
    private final String event;
    private final JsonValue payload;
    private final List<Move> moves;

    /* made on first use (racy but idempotent: two threads would make equal strings) */
    private String text;
    private CursorFrame cursorFrame;

    private RoomMessage(Kind kind, String room, Presence presence, String userId, String event, JsonValue payload,
                        List<Move> moves, String skipUser, String skipConnection) {
        this.kind = kind;
        this.room = Objects.requireNonNull(room, "room");
        this.presence = presence;
        this.userId = userId;
        this.event = event;
        this.payload = payload;
        this.moves = moves;
        this.skipUser = skipUser;
        this.skipConnection = skipConnection;
    }

    /** {@code p} entered the room (their first connection); {@code skipUser} (the joiner) is not told. */
    public static RoomMessage join(String room, Presence p, String skipUser) {
        return new RoomMessage(Kind.JOIN, room, Objects.requireNonNull(p, "presence"), p.getId(), null, null, null,
                skipUser, null);
    }

    /** The user's last connection left the room. */
    public static RoomMessage leave(String room, String userId) {
        return new RoomMessage(Kind.LEAVE, room, null, Objects.requireNonNull(userId, "userId"), null, null, null,
                null, null);
    }

    /** The presence's meta changed; {@code skipConnection} (the connection that changed it) is not told. */
    public static RoomMessage meta(String room, Presence p, String skipConnection) {
        return new RoomMessage(Kind.META, room, Objects.requireNonNull(p, "presence"), p.getId(), null, null, null,
                null, skipConnection);
    }

    /** A server-side broadcast. */
    public static RoomMessage event(String room, String event, JsonValue payload) {
        return new RoomMessage(Kind.EVENT, room, null, null, Objects.requireNonNull(event, "event"),
                payload == null ? JsonValue.NULL : payload, null, null, null);
    }

    /** Cursor moves of one tick. */
    public static RoomMessage cursors(String room, List<Move> moves) {
        return new RoomMessage(Kind.CURSORS, room, null, null, null, null, List.copyOf(moves), null, null);
    }

    /** The same message with other members to skip (a bus that read it from the wire). */
    public RoomMessage skipping(String skipUser, String skipConnection) {
        return new RoomMessage(kind, room, presence, userId, event, payload, moves, skipUser, skipConnection);
    }

    public Kind kind() {
        return kind;
    }

    public String room() {
        return room;
    }

    /** The presence of a {@link Kind#JOIN} or {@link Kind#META}; null otherwise. */
    public Presence presence() {
        return presence;
    }

    /** The user a {@link Kind#JOIN}, {@link Kind#LEAVE} or {@link Kind#META} is about; null otherwise. */
    public String userId() {
        return userId;
    }

    /** The name of an {@link Kind#EVENT}; null otherwise. */
    public String event() {
        return event;
    }

    /** The payload of an {@link Kind#EVENT} ({@code JsonValue.NULL} if none); null otherwise. */
    public JsonValue payload() {
        return payload;
    }

    /** The entries of a {@link Kind#CURSORS}; empty otherwise. */
    public List<Move> moves() {
        return moves == null ? List.of() : moves;
    }

    public String skipUser() {
        return skipUser;
    }

    public String skipConnection() {
        return skipConnection;
    }

    /** The frame sockets get (for cursors: with every entry), written once per message. */
    public String text() {
        String t = text;
        if (t == null) {
            t = kind == Kind.CURSORS ? cursorFrame().without(null) : Protocol.frame(this);
            text = t;
        }
        return t;
    }

    /** A cursors message's frame cut into entries, made once per message. */
    CursorFrame cursorFrame() {
        CursorFrame f = cursorFrame;
        if (f == null) {
            f = new CursorFrame(room, moves());
            cursorFrame = f;
        }
        return f;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof RoomMessage)) {
            return false;
        }
        RoomMessage m = (RoomMessage) o;
        return kind == m.kind && room.equals(m.room) && Objects.equals(presence, m.presence)
                && Objects.equals(userId, m.userId) && Objects.equals(event, m.event)
                && Objects.equals(payload, m.payload) && Objects.equals(moves, m.moves)
                && Objects.equals(skipUser, m.skipUser) && Objects.equals(skipConnection, m.skipConnection);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, room, presence, userId, event, moves, skipUser, skipConnection);
    }

    @Override
    public String toString() {
        return "RoomMessage{" + kind + " " + room + " " + text() + "}";
    }
}
