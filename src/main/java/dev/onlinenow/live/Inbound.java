package dev.onlinenow.live;

import dev.onlinenow.internal.StatsRecorder;
import dev.onlinenow.OnlineNow;
import dev.onlinenow.OnlineNowSettings;
import dev.onlinenow.OnlineNowStats;
import dev.onlinenow.Ticker;
import jakarta.json.JsonObject;
import jakarta.websocket.CloseReason;

import java.lang.System.Logger.Level;

/**
 * One text frame from a client: decoded, checked against the protocol's limits and rate limits,
 * and handed to {@link RoomOps}. Runs on the socket's own thread and never waits; never throws:
 * bad input gets an {@code error} frame, a flood a close.
 */
final class Inbound {

    private static final System.Logger LOG = System.getLogger(Inbound.class.getName());

    private final OnlineNow online;
    private final OnlineNowSettings settings;
    private final Ticker ticker;
    private final RoomOps rooms;
    private final Connections connections;
    private final RoomAuthorizer authorizer;
    private final StatsRecorder stats;
    private final FrameDecoder decoder;
    private final OnlineFeed feed;

    Inbound(OnlineNow online, RoomOps rooms, Connections connections, RoomAuthorizer authorizer) {
        this(online, rooms, connections, authorizer, new OnlineFeed(online, Runnable::run));
    }

    Inbound(OnlineNow online, RoomOps rooms, Connections connections, RoomAuthorizer authorizer, OnlineFeed feed) {
        this.feed = feed;
        this.online = online;
        this.settings = online.settings();
        this.ticker = settings.ticker();
        this.rooms = rooms;
        this.connections = connections;
        this.authorizer = authorizer;
        this.stats = StatsRecorder.of(online.stats());
        this.decoder = new FrameDecoder(settings.maxMetaBytes());
    }

    void received(LiveConnection c, String text) {
        if (c.dropped.get()) {
            return;
        }
        long nowNanos = ticker.nanos();
        c.lastSeenNanos = nowNanos;
        try {
            handle(c, text, nowNanos);
        } catch (RuntimeException e) {
            // a bug of ours must not reach the client or other users, nor flood the log
            logBadFrame(c, "failed to handle it", e, nowNanos / 1_000_000);
            c.send(refuse(Protocol.INTERNAL, "the server could not handle this message", null));
        }
    }

    private void handle(LiveConnection c, String text, long nowNanos) {
        long now = nowNanos / 1_000_000;
        FrameDecoder.Result decoded = decoder.decode(text);
        if (decoded instanceof FrameDecoder.Refusal) {
            FrameDecoder.Refusal refusal = (FrameDecoder.Refusal) decoded;
            if (!limited(c, now)) {
                logBadFrame(c, refusal.code() + ": " + refusal.message(), null, now);
                stats.refused(refusal.code());
                c.send(refusal.frame());
            }
            return;
        }
        // the decoder checked the type, the room, the meta and the coordinates: use what it read
        FrameDecoder.Message msg = (FrameDecoder.Message) decoded;
        String type = msg.type();
        if (Protocol.CURSOR.equals(type)) {
            // cursors have their own, silent limit; a flood of them still counts as a flood
            if (!c.cursors.tryTake(now)) {
                stats.refused(Protocol.RATE_LIMITED);
                if (!c.strikes.tryTake(now)) {
                    flooded(c);
                }
                return;
            }
        } else if (limited(c, now)) {
            return;
        }
        if (!Protocol.PING.equals(type)) {
            c.lastActiveNanos = nowNanos;
        }
        if (!c.guest) {
            online.touch(c.userId);
        }
        switch (type) {
            case Protocol.PING:
                c.send(Protocol.PONG_FRAME);
                break;
            case Protocol.ONLINE:
                // subscribing again is harmless: the same subscription, and the frame once more
                feed.subscribe(c);
                break;
            case Protocol.JOIN:
                join(c, msg.room(), msg.meta());
                break;
            case Protocol.LEAVE:
                leave(c, msg.room());
                break;
            case Protocol.META:
                meta(c, msg.room(), msg.meta());
                break;
            default: // cursor: the decoder lets no other type through
                cursor(c, msg.room(), msg.x(), msg.y());
        }
    }

    /** At most one log line per connection and minute about its bad frames, whatever it sends. */
    private static void logBadFrame(LiveConnection c, String what, RuntimeException bug, long now) {
        if (now - c.lastBadFrameLogMillis >= 60_000) {
            c.lastBadFrameLogMillis = now;
            LOG.log(bug == null ? Level.DEBUG : Level.WARNING, "online-now: a bad frame from " + c + " (" + what
                    + "); more from it in the next minute are not logged", bug);
        }
    }

    /** Applies the message rate limit; true if the message must be dropped. */
    private boolean limited(LiveConnection c, long now) {
        if (c.messages.tryTake(now)) {
            return false;
        }
        stats.refused(Protocol.RATE_LIMITED);
        if (!c.strikes.tryTake(now)) {
            flooded(c);
            return true;
        }
        if (now - c.lastRateErrorMillis >= 1000) {
            c.lastRateErrorMillis = now;
            c.send(Protocol.error(Protocol.RATE_LIMITED, "more than " + settings.maxMessagesPerSecond()
                    + " messages a second; some were dropped", null));
        }
        return true;
    }

    private void flooded(LiveConnection c) {
        LOG.log(Level.INFO, "online-now: closing " + c + ": it keeps sending far more than "
                + settings.maxMessagesPerSecond() + " messages a second");
        stats.dropped(OnlineNowStats.DropReason.RATE_LIMITED);
        connections.drop(c, CloseReason.CloseCodes.VIOLATED_POLICY, "rate limit exceeded");
    }

    private void join(LiveConnection c, String room, JsonObject meta) {
        boolean again = c.rooms.contains(room);
        if (!again && c.rooms.size() >= settings.maxRoomsPerConnection()) {
            c.send(refuse(Protocol.TOO_MANY_ROOMS, "a connection may be in at most "
                    + settings.maxRoomsPerConnection() + " rooms", Protocol.JOIN, room));
            return;
        }
        // the authorizer is the app's code and may be slow: it runs here, on this socket's thread
        if (!again && !authorized(c, room)) {
            c.send(refuse(Protocol.FORBIDDEN, "you may not join this room", Protocol.JOIN, room));
            return;
        }
        // claim the room first, then look again: forget() sets dropped before it copies c.rooms,
        // so either it sees this room and leaves it, or we see the drop here
        c.rooms.add(room);
        if (c.dropped.get()) {
            c.rooms.remove(room);
            return;
        }
        rooms.join(c, room, meta);
    }

    private void leave(LiveConnection c, String room) {
        if (!c.rooms.remove(room)) {
            c.send(refuse(Protocol.NOT_JOINED, "not in this room", Protocol.LEAVE, room));
            return;
        }
        rooms.leave(c, room, OnlineNowStats.LeaveReason.CLOSED);
    }

    private void meta(LiveConnection c, String room, JsonObject meta) {
        if (!c.rooms.contains(room)) {
            c.send(refuse(Protocol.NOT_JOINED, "join the room before setting meta", Protocol.META, room));
            return;
        }
        rooms.meta(c, room, meta);
    }

    private void cursor(LiveConnection c, String room, double x, double y) {
        if (!c.rooms.contains(room)) {
            c.send(refuse(Protocol.NOT_JOINED, "join the room before moving a cursor in it", Protocol.CURSOR, room));
            return;
        }
        rooms.move(room, c.userId, x, y, true);
    }

    /** An {@code error} frame for a refused message, counted by its code. */
    private String refuse(String code, String message, String ref) {
        stats.refused(code);
        return Protocol.error(code, message, ref);
    }

    private String refuse(String code, String message, String ref, String room) {
        stats.refused(code);
        return Protocol.error(code, message, ref, room);
    }

    private boolean authorized(LiveConnection c, String room) {
        try {
            return authorizer.mayJoin(c.userId, room);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "online-now: the room authorizer " + authorizer.getClass().getName()
                    + " failed for " + c.userId + " in room " + room + "; refusing", e);
            return false;
        }
    }

}
