package dev.onlinenow.internal;

import dev.onlinenow.OnlineNowStats;

import java.util.function.Function;

/**
 * Not an API: the write side of {@link OnlineNowStats}, for the library's own live layer and
 * stores. The stats an app reads ({@code OnlineNow.stats()}, the MBean, the Micrometer meters)
 * have no methods that change them; the parts of the library that count reach the recorder behind
 * them with {@link #of}.
 */
public interface StatsRecorder {

    /** A user entered a room (their first connection to it). */
    void joined();

    /** A user left a room. */
    void left(OnlineNowStats.LeaveReason reason);

    /** The server closed a connection (or refused it at open). */
    void dropped(OnlineNowStats.DropReason reason);

    /**
     * A client's frame was refused with this error code; anything that does not look like one of
     * the server's codes, and any code past the first 32, is counted as {@link OnlineNowStats#OTHER}.
     */
    void refused(String code);

    /** A Redis command failed (error reply, timeout, or rejected while disconnected). */
    void redisFailure();

    /** One room message was handed to this server's sockets in the room, taking this long. */
    void fanout(long nanos);

    /** A {@code cursors} frame was merged into the one still waiting for a socket that fell behind. */
    void cursorFrameMerged();

    /** One Redis command was answered, this long after it was sent. */
    void redisRoundTrip(long nanos);

    /**
     * A room message came from Redis pub/sub: for a room this server hosts, for one it does not
     * (a subscription ending), or one this server published itself (skipped unread).
     */
    void pubSubReceived(OnlineNowStats.PubSubKind kind);

    /** A room message from Redis pub/sub was dropped: the room's delivery queue was full (the room is reconciled). */
    void pubSubDropped();

    /** The recorder behind these stats; null for null. */
    static StatsRecorder of(OnlineNowStats stats) {
        return stats == null ? null : Access.reader.apply(stats);
    }

    /** Called once, by {@link OnlineNowStats} as it loads: how to reach an instance's recorder. */
    static void install(Function<OnlineNowStats, StatsRecorder> access) {
        synchronized (Access.class) {
            if (Access.reader == null) {
                Access.reader = access;
            }
        }
    }

    /** Where {@link #install} keeps it. */
    final class Access {
        static volatile Function<OnlineNowStats, StatsRecorder> reader;

        private Access() {
        }
    }
}
