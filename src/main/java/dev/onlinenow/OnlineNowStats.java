package dev.onlinenow;

import dev.onlinenow.internal.StatsRecorder;

import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * What happened in one web app's online-now since it started: joins and leaves, dropped
 * connections, refused frames, Redis failures, and how long fan-out and Redis round trips take.
 *
 * <p>One instance per {@link OnlineNow} ({@link OnlineNow#stats()}). The core, the live layer and
 * the Redis store report here through a recorder of the library's own (an app reads, it cannot
 * write); the JMX bean and {@code OnlineNowMetrics} (Micrometer) read from here, so neither the
 * code that reports nor the library as a whole depends on Micrometer. Recording is a
 * {@link LongAdder} increment: cheap enough for every frame.
 *
 * <p>The reasons are the enums below, and nowhere else; the refusal codes are the protocol's error
 * codes ({@code docs/protocol.md}, section 9) as the live layer sends them.
 */
public final class OnlineNowStats {

    /** Why a user left a room (their last connection to it). */
    public enum LeaveReason {
        /** the client left the room or closed its socket, or the server closed it (other than below) */
        CLOSED,
        /** no message within {@code heartbeatTimeout} */
        HEARTBEAT_TIMEOUT,
        /** the HttpSession behind the socket ended (logout, session timeout) */
        SESSION_ENDED,
        /** the server the user was connected to stopped refreshing its liveness key (counted by the node that reaps it) */
        NODE_DOWN;

        /** The lowercase name used as a metric tag ({@code heartbeat_timeout}). */
        public String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Why the server closed a connection on its own. */
    public enum DropReason {
        /** its send queue overflowed ({@code sendQueueSize}): close 1008 "too slow" */
        TOO_SLOW,
        /** it kept sending far over {@code maxMessagesPerSecond}: close 1008 "rate limit exceeded" */
        RATE_LIMITED,
        /** a binary frame (1003) or a frame over {@code maxFrameBytes} (1009) */
        BAD_FRAMES,
        /** refused at open: more than {@code maxConnectionsPerUser} sockets of one user */
        LIMITS;

        /** The lowercase name used as a metric tag ({@code too_slow}). */
        public String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** What a room message received from Redis pub/sub was to this server. */
    public enum PubSubKind {
        /** for a room with a member (or a server-side reader) here: read and delivered */
        HOSTED,
        /** for a room with nobody here (a subscription that was ending): dropped unread */
        NOT_HOSTED,
        /** published by this server itself (delivered to its own sockets when published): dropped unread */
        OWN;

        /** The lowercase name used as a metric tag ({@code not_hosted}). */
        public String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Codes above this many distinct ones are counted under {@value #OTHER}. */
    static final int MAX_CODES = 32;
    /** The code under which unexpected refusal codes are counted. */
    public static final String OTHER = "other";

    private final LongAdder joins = new LongAdder();
    private final LongAdder[] leaves = adders(LeaveReason.values().length);
    private final LongAdder[] drops = adders(DropReason.values().length);
    private final ConcurrentHashMap<String, LongAdder> refused = new ConcurrentHashMap<>();
    private final List<Consumer<String>> codeListeners = new CopyOnWriteArrayList<>();
    private final LongAdder redisFailures = new LongAdder();
    private final LongAdder cursorFramesMerged = new LongAdder();
    private final LongAdder[] pubSubReceived = adders(PubSubKind.values().length);
    private final LongAdder pubSubDropped = new LongAdder();
    private final Timing fanout = new Timing();
    private final Timing redis = new Timing();
    private final StatsRecorder recorder = new Recorder();

    static {
        StatsRecorder.install(s -> s.recorder);
    }

    /** The write side, reached by the library's own code only ({@link StatsRecorder#of}). */
    private final class Recorder implements StatsRecorder {
        @Override
        public void joined() {
            OnlineNowStats.this.joined();
        }

        @Override
        public void left(LeaveReason reason) {
            OnlineNowStats.this.left(reason);
        }

        @Override
        public void dropped(DropReason reason) {
            OnlineNowStats.this.dropped(reason);
        }

        @Override
        public void refused(String code) {
            OnlineNowStats.this.refused(code);
        }

        @Override
        public void redisFailure() {
            OnlineNowStats.this.redisFailure();
        }

        @Override
        public void fanout(long nanos) {
            OnlineNowStats.this.fanout(nanos);
        }

        @Override
        public void cursorFrameMerged() {
            OnlineNowStats.this.cursorFrameMerged();
        }

        @Override
        public void redisRoundTrip(long nanos) {
            OnlineNowStats.this.redisRoundTrip(nanos);
        }

        @Override
        public void pubSubReceived(PubSubKind kind) {
            pubSubReceived[kind.ordinal()].increment();
        }

        @Override
        public void pubSubDropped() {
            pubSubDropped.increment();
        }
    }

    /** A user entered a room (their first connection to it). */
    private void joined() {
        joins.increment();
    }

    /** A user left a room. */
    private void left(LeaveReason reason) {
        leaves[reason.ordinal()].increment();
    }

    /** The server closed a connection (or refused it at open). */
    private void dropped(DropReason reason) {
        drops[reason.ordinal()].increment();
    }

    /**
     * A client's frame was refused with this error code ({@code bad_json}, {@code rate_limited},
     * ...). Codes are the server's own constants; anything that does not look like one, and any
     * code past the first {@value #MAX_CODES}, is counted as {@value #OTHER}.
     */
    private void refused(String code) {
        LongAdder a = refused.get(code == null ? OTHER : code);
        if (a == null) {
            a = newCode(code);
        }
        a.increment();
    }

    private LongAdder newCode(String code) {
        String key = code != null && code.matches("[a-z][a-z0-9_]{0,31}") && refused.size() < MAX_CODES ? code : OTHER;
        LongAdder[] created = new LongAdder[1];
        LongAdder a = refused.computeIfAbsent(key, k -> created[0] = new LongAdder());
        if (created[0] == a) {
            for (Consumer<String> l : codeListeners) {
                l.accept(key);
            }
        }
        return a;
    }

    /** A Redis command failed (error reply, timeout, or rejected while disconnected). */
    private void redisFailure() {
        redisFailures.increment();
    }

    /** One room message was handed to this server's sockets in the room, taking this long. */
    private void fanout(long nanos) {
        fanout.record(nanos);
    }

    /**
     * A {@code cursors} frame was merged into the room's frame still waiting for a socket that
     * fell behind, instead of being queued behind it.
     */
    private void cursorFrameMerged() {
        cursorFramesMerged.increment();
    }

    /** One Redis command was answered, this long after it was sent. */
    private void redisRoundTrip(long nanos) {
        redis.record(nanos);
    }

    // --- reading --------------------------------------------------------------------------------

    public long joins() {
        return joins.sum();
    }

    public long leaves(LeaveReason reason) {
        return leaves[reason.ordinal()].sum();
    }

    /** Leaves for every reason. */
    public long leaves() {
        return sum(leaves);
    }

    public long drops(DropReason reason) {
        return drops[reason.ordinal()].sum();
    }

    /** Drops for every reason. */
    public long drops() {
        return sum(drops);
    }

    /** Frames refused with this code (0 for a code never seen). */
    public long refusals(String code) {
        LongAdder a = refused.get(code);
        return a == null ? 0 : a.sum();
    }

    /** Frames refused, for every code. */
    public long refusals() {
        long n = 0;
        for (LongAdder a : refused.values()) {
            n += a.sum();
        }
        return n;
    }

    /** Refused frames by code, for the codes seen so far, sorted by code. */
    public Map<String, Long> refusalsByCode() {
        Map<String, Long> out = new TreeMap<>();
        refused.forEach((k, v) -> out.put(k, v.sum()));
        return Collections.unmodifiableMap(out);
    }

    /**
     * Calls {@code listener} with every refusal code counted so far, then with each new one when it
     * is first counted (so that a metrics binder can register one meter per code).
     */
    public void onRefusalCode(Consumer<String> listener) {
        Objects.requireNonNull(listener, "listener");
        codeListeners.add(listener);
        for (String code : new TreeMap<>(refused).keySet()) {
            listener.accept(code);
        }
    }

    public long redisFailures() {
        return redisFailures.sum();
    }

    /** {@code cursors} frames merged into a waiting one for a socket that fell behind (see {@link #cursorFrameMerged}). */
    public long cursorFramesMerged() {
        return cursorFramesMerged.sum();
    }

    /**
     * Room messages this server received from Redis pub/sub, of this kind: with each server
     * subscribed to the rooms it hosts only, {@link PubSubKind#NOT_HOSTED} stays near 0 (docs/redis.md).
     */
    public long pubSubReceived(PubSubKind kind) {
        return pubSubReceived[kind.ordinal()].sum();
    }

    /** Room messages from Redis pub/sub dropped because the room's delivery queue was full (the room is reconciled). */
    public long pubSubDropped() {
        return pubSubDropped.sum();
    }

    /** Fan-outs measured. */
    public long fanouts() {
        return fanout.count.sum();
    }

    /** Time spent in fan-out, in total, in nanoseconds. */
    public long fanoutNanos() {
        return fanout.total.sum();
    }

    /** The longest fan-out so far, in nanoseconds. */
    public long fanoutMaxNanos() {
        return fanout.max.get();
    }

    /** Redis commands answered. */
    public long redisRoundTrips() {
        return redis.count.sum();
    }

    /** Time Redis commands took, in total, in nanoseconds. */
    public long redisRoundTripNanos() {
        return redis.total.sum();
    }

    /** The slowest Redis command so far, in nanoseconds. */
    public long redisRoundTripMaxNanos() {
        return redis.max.get();
    }

    @Override
    public String toString() {
        return "OnlineNowStats[joins=" + joins() + ", leaves=" + leaves() + ", drops=" + drops()
                + ", refused=" + refusals() + ", redisFailures=" + redisFailures() + "]";
    }

    private static long sum(LongAdder[] adders) {
        long n = 0;
        for (LongAdder a : adders) {
            n += a.sum();
        }
        return n;
    }

    private static LongAdder[] adders(int n) {
        LongAdder[] a = new LongAdder[n];
        for (int i = 0; i < n; i++) {
            a[i] = new LongAdder();
        }
        return a;
    }

    /** Count, total and maximum of durations; a negative one (a clock step) counts as 0. */
    private static final class Timing {
        final LongAdder count = new LongAdder();
        final LongAdder total = new LongAdder();
        final AtomicLong max = new AtomicLong();

        void record(long nanos) {
            long n = Math.max(0, nanos);
            count.increment();
            total.add(n);
            if (n > max.get()) {
                max.accumulateAndGet(n, Math::max);
            }
        }
    }
}
