package dev.onlinenow.live;

import dev.onlinenow.MutableClock;
import dev.onlinenow.testing.Await;
import dev.onlinenow.testing.LiveServer;
import dev.onlinenow.testing.WsClient;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.servlet.ServletContainerInitializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The protocol fuzzer: thousands of generated hostile frames ({@link HostileFrames}) from one
 * client while two bystanders share a room, on a real embedded Tomcat with a real WebSocket
 * client; the subclasses run it on Tomcat's own WebSocket implementation and on Tyrus.
 *
 * <p>After every batch of frames, and at the end: no bystander was disconnected, every bystander
 * ping is answered within a second, a newcomer's {@code state} lists both bystanders and every
 * string in it is valid Unicode, what the room stores is valid, the attacker never got an
 * {@code internal} error, a flood of bad frames ends in 1008 like any flood, and the log stays
 * bounded (a few lines per attacker connection, no stack trace at all). The attacker may be closed
 * (1008 for a flood, 1009 for a huge frame, 1003 for binary); it reconnects and carries on.
 *
 * <p>The seed is printed; {@code -Dfuzz.seed=N} replays a run, {@code -Dfuzz.frames=N} sizes it.
 * Time is a {@link MutableClock}: the test moves it one second per batch, so rate limits refill
 * exactly and the run never waits for the wall clock.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class HostileInputITBase {

    static final int MAX_MESSAGES = 100;
    static final int MAX_FRAME = 16 * 1024;
    static final int BATCH = 60;
    static final String ROOM = "board";
    static final Duration PONG_WITHIN = Duration.ofSeconds(1);

    final MutableClock clock = new MutableClock();
    final ConcurrentLinkedQueue<LogRecord> log = new ConcurrentLinkedQueue<>();
    final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            // ours down to DEBUG (bad frames are logged at DEBUG, and must be bounded there too); others' from INFO
            Level from = r.getLoggerName() != null && r.getLoggerName().startsWith("dev.onlinenow") ? Level.FINE : Level.INFO;
            if (r.getLevel().intValue() >= from.intValue()) {
                log.add(r);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    LiveServer server;

    abstract ServletContainerInitializer websocketImplementation();

    abstract Set<Class<?>> handlesTypes();

    void customize(org.apache.catalina.Context ctx) {
    }

    @BeforeAll
    void startServer() throws Exception {
        server = LiveServer.builder()
                .websocket(websocketImplementation(), handlesTypes())
                .inProcess(b -> b.clock(clock).ticker(clock.ticker()).maxMessagesPerSecond(MAX_MESSAGES).maxFrameBytes(MAX_FRAME),
                        live -> live.autoTick(false))
                .customize(this::customize)
                .start();
    }

    @AfterAll
    void stopServer() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void hostileFramesFromOneClientNeverHarmTheOthers() throws Exception {
        long seed = Long.getLong("fuzz.seed", System.nanoTime());
        int frames = Integer.getInteger("fuzz.frames", 3000);
        String run = getClass().getSimpleName() + " seed " + seed + " (replay with -Dfuzz.seed=" + seed + ")";
        System.out.println("protocol fuzzer: " + run + ", " + frames + " frames");
        HostileFrames gen = new HostileFrames(seed, ROOM, MAX_FRAME);

        Logger root = Logger.getLogger("");
        Logger ours = Logger.getLogger("dev.onlinenow");
        Level oursBefore = ours.getLevel();
        ours.setLevel(Level.FINE);
        capture.setLevel(Level.ALL);
        root.addHandler(capture);
        long started = System.nanoTime();
        Attacker attacker = new Attacker();
        List<WsClient> bystanders = new ArrayList<>();
        try {
            for (String name : List.of("alice", "bob")) {
                WsClient b = server.connectAs(name);
                b.join(ROOM);
                b.next("state");
                bystanders.add(b);
            }
            attacker.connect();
            int sent = 0;
            int batch = 0;
            while (sent < frames) {
                clock.advance(Duration.ofSeconds(1));
                batch++;
                List<HostileFrames.Frame> sentNow = new ArrayList<>();
                if (batch % 10 == 0) {
                    // a flood of frames that do not parse: rate-limited, then closed, like any flood
                    int flood = 0;
                    while (!attacker.client.isClosed() && flood < 6 * MAX_MESSAGES) {
                        HostileFrames.Frame f = gen.badJson();
                        attacker.send(f);
                        sentNow.add(f);
                        flood++;
                    }
                    sent += flood;
                    WsClient.Closed closed = attacker.client.awaitClose();
                    assertThat(closed).as(run + ": a flood of " + flood + " bad frames ends like any flood")
                            .isEqualTo(new WsClient.Closed(1008, "rate limit exceeded"));
                    attacker.reconnect(false);
                } else {
                    for (int i = 0; i < BATCH && sent < frames; i++, sent++) {
                        HostileFrames.Frame f = gen.next();
                        boolean huge = f.kind().equals("huge/frame");
                        if (!attacker.send(f) || huge) {
                            attacker.reconnect(huge); // closed with 1009 for the huge one; asserted there
                        }
                        sentNow.add(f);
                    }
                    attacker.sync();
                }
                server.live().tick();
                String context = run + ", batch " + batch + " of frames " + describe(sentNow);
                checkInvariants(context, bystanders, attacker);
            }
            System.out.println("protocol fuzzer: " + run + ": " + sent + " frames in " + batch + " batches, "
                    + attacker.connections + " attacker connections, closes " + attacker.closes + ", "
                    + Duration.ofNanos(System.nanoTime() - started).toMillis() + " ms, " + log.size() + " log lines");
            checkInvariants(run + ", at the end", bystanders, attacker);
            checkLog(run, attacker);
        } finally {
            root.removeHandler(capture);
            ours.setLevel(oursBefore);
            attacker.close();
            for (WsClient b : bystanders) {
                b.close();
            }
            Await.until("every socket closed on the server", WsClient.WAIT, () -> server.live().connections() == 0);
        }
    }

    @Test
    void theOriginCheckComparesTheScheme() throws Exception {
        // the container tells the request's scheme (Tomcat in the request URI, Tyrus as isSecure)
        String cookie = server.login("eve");
        WsClient https = server.connect(server.origin().replace("http://", "https://"), cookie, "eve-https");
        try {
            assertThat(https.awaitClose()).isEqualTo(new WsClient.Closed(1008, "origin not allowed"));
        } finally {
            https.close();
        }
        WsClient same = server.connect(server.origin(), cookie, "eve-http");
        try {
            same.send("{\"type\":\"ping\"}");
            assertThat(same.next("pong")).isNotNull();
        } finally {
            same.close();
        }
    }

    private void checkInvariants(String context, List<WsClient> bystanders, Attacker attacker) {
        for (WsClient b : bystanders) {
            assertThat(b.isClosed()).as(context + ": " + b + " is still connected").isFalse();
            long t0 = System.nanoTime();
            List<JsonObject> got = b.drainUntilPong();
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            assertThat(took).as(context + ": " + b + "'s ping answered within a second").isLessThan(PONG_WITHIN);
            for (JsonObject f : got) {
                assertDeliverable(context + ": a frame " + b + " got", f);
            }
        }
        for (Presence p : server.live().list(ROOM)) {
            assertDeliverable(context + ": the stored presence of " + p.getId(), p.toJson());
        }
        assertThat(attacker.internalErrors).as(context + ": no internal error").isEmpty();

        WsClient newcomer;
        try {
            newcomer = server.connectAs("newcomer");
        } catch (Exception e) {
            throw new AssertionError(context + ": a newcomer cannot connect", e);
        }
        try {
            try {
                newcomer.join(ROOM);
            } catch (CompletionException closed) {
                throw new AssertionError(context + ": the newcomer was closed: " + newcomer.awaitClose(), closed);
            }
            JsonObject state = newcomer.next("state");
            assertDeliverable(context + ": the newcomer's state", state);
            List<String> ids = state.getJsonArray("presences").stream()
                    .map(v -> v.asJsonObject().getString("id")).collect(Collectors.toList());
            assertThat(ids).as(context + ": the newcomer sees both bystanders").contains("alice", "bob");
        } finally {
            newcomer.close();
        }
        Await.until("the newcomer left", WsClient.WAIT, () -> server.live().connectionsOf("newcomer") == 0);
    }

    private void checkLog(String run, Attacker attacker) {
        List<LogRecord> traced = log.stream().filter(r -> r.getThrown() != null
                && r.getLoggerName() != null && r.getLoggerName().startsWith("dev.onlinenow")).collect(Collectors.toList());
        assertThat(traced).as(run + ": no stack trace from the library in the log; first: "
                + traced.stream().findFirst().map(HostileInputITBase::format).orElse("")).isEmpty();
        // the container may report, with its own trace, that an attacker's socket broke while it
        // wrote to it (Tyrus: "Broken pipe" after its 1009): at most once per attacker connection
        List<LogRecord> container = log.stream().filter(r -> r.getThrown() != null && !traced.contains(r))
                .collect(Collectors.toList());
        assertThat(container).as(run + ": the container's own traces are broken attacker sockets")
                .allMatch(r -> r.getThrown() instanceof java.io.IOException)
                .hasSizeLessThanOrEqualTo(attacker.connections);
        // per attacker connection: at most one line about bad frames (the clock moves less than a minute
        // per connection), one or two about its close; plus a few about the run as a whole
        int bound = 3 * attacker.connections + 10;
        assertThat(log.size()).as(run + ": log lines " + log.stream().map(HostileInputITBase::format)
                .limit(20).collect(Collectors.toList())).isLessThanOrEqualTo(bound);
    }

    private static String format(LogRecord r) {
        return r.getLevel() + " " + r.getLoggerName() + ": " + r.getMessage()
                + (r.getThrown() == null ? "" : " [" + r.getThrown() + "]");
    }

    private static String describe(List<HostileFrames.Frame> frames) {
        Map<String, Long> kinds = frames.stream().collect(Collectors.groupingBy(f -> f.kind().replaceAll("/.*", ""),
                TreeMap::new, Collectors.counting()));
        return kinds.toString();
    }

    /** A frame is deliverable if every string in it, key or value, at any depth, is valid Unicode. */
    static void assertDeliverable(String what, JsonValue v) {
        switch (v.getValueType()) {
            case OBJECT:
                for (Map.Entry<String, JsonValue> e : v.asJsonObject().entrySet()) {
                    assertValidUnicode(what, e.getKey());
                    assertDeliverable(what, e.getValue());
                }
                break;
            case ARRAY:
                for (JsonValue e : (JsonArray) v) {
                    assertDeliverable(what, e);
                }
                break;
            case STRING:
                assertValidUnicode(what, ((JsonString) v).getString());
                break;
            default:
        }
    }

    private static void assertValidUnicode(String what, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new AssertionError(what + " has a lone surrogate at " + i + " in \"" + s.replaceAll("\\p{Cs}", "?")
                        + "\"");
            }
        }
    }

    /** The hostile client: reconnects after the server closed it, and keeps count. */
    final class Attacker {
        WsClient client;
        int connections;
        final Map<String, Integer> closes = new TreeMap<>();
        final List<JsonObject> internalErrors = new ArrayList<>();
        private final List<JsonObject> seen = new ArrayList<>();

        void connect() throws Exception {
            client = server.connectAs("mallory");
            connections++;
        }

        /** Sends a frame; false if the socket is closed (the frame was not sent). */
        boolean send(HostileFrames.Frame f) {
            if (client.isClosed()) {
                return false;
            }
            try {
                if (f.kind().equals("binary")) {
                    client.sendBinary(f.text().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                } else {
                    client.send(f.text());
                }
                return true;
            } catch (CompletionException closedMeanwhile) {
                return false;
            }
        }

        /** Waits until the server handled everything sent (its pong), or the socket closed. */
        void sync() throws Exception {
            if (!client.isClosed()) {
                try {
                    client.send("{\"type\":\"ping\"}");
                    client.next(o -> "pong".equals(o.getString("type", null)) || client.isClosed(), "pong");
                } catch (CompletionException | AssertionError closed) {
                    if (!client.isClosed()) {
                        throw closed;
                    }
                }
            }
            collect();
            if (client.isClosed()) {
                reconnect(false);
            }
        }

        private void collect() {
            seen.clear();
            client.drainReceivedTo(seen);
            for (JsonObject o : seen) {
                if ("error".equals(o.getString("type", null)) && "internal".equals(o.getString("code", null))) {
                    internalErrors.add(o);
                }
            }
        }

        /**
         * Waits for the server's close and connects again. {@code afterHugeFrame}: the server closes
         * with 1009 while the client may still be writing the frame, which the JDK client may report
         * as a broken connection (1006) instead.
         */
        void reconnect(boolean afterHugeFrame) throws Exception {
            WsClient.Closed c = client.awaitClose();
            collect();
            closes.merge(c.code() + " " + c.reason(), 1, Integer::sum);
            // after its own huge frame, Tomcat's 1009 teardown can also fail the socket's writer first,
            // which then closes it with 1001 "send failed" (seen with seed 6054795517608, the huge frame
            // first on a fresh socket); that is the attacker's socket only, the bystanders are checked below
            List<Integer> expected = afterHugeFrame ? List.of(1009, 1006, 1001) : List.of(1008, 1009, 1003);
            assertThat(c.code()).as("the attacker is closed for what it did (flood 1008, huge 1009, binary 1003), "
                    + "never because a send failed: " + c).isIn(expected);
            Await.until("the attacker's old socket is gone", WsClient.WAIT,
                    () -> server.live().connectionsOf("mallory") == 0);
            connect();
        }

        void close() {
            if (client != null) {
                client.close();
            }
        }
    }
}
