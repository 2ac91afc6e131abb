package dev.onlinenow.example;

import jakarta.json.JsonObject;
import jakarta.json.JsonValue;

import java.net.URI;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The protocol's bad-input rules (docs/protocol.md), checked through the container's own
 * WebSocket with real sockets: one signed-in user sends a hostile frame into a room where a
 * bystander is; the sender gets what the protocol says (an {@code error}, or a close with its
 * code), and the bystander stays connected, answers ping with pong and never receives what was
 * refused. Run on every stock container by {@link ContainersIT}; each check uses its own users
 * and room, so they run in any order on one web app.
 */
final class HostileFrames {

    /** A 1 MiB text frame: over the default maxFrameBytes (16 KiB) and the most it may be set to. */
    static final int ONE_MIB = 1 << 20;

    private static final AtomicInteger SEQ = new AtomicInteger();

    private HostileFrames() {
    }

    /**
     * A text message over maxFrameBytes in one frame, as a browser sends it, is closed with 1009,
     * whether or not the container enforces the limit; the bystander sees the sender leave.
     */
    static void aTextFrameOverMaxFrameBytesIsClosedWith1009(URI app) throws Exception {
        try (Room r = Room.open(app)) {
            String name = "Big " + r.room.substring(r.room.indexOf('-') + 1);
            try (RawWebSocket raw = RawWebSocket.open(new WebClient(app).signIn(name))) {
                raw.sendOneFrame("{\"type\":\"join\",\"room\":\"" + r.room + "\",\"meta\":{}}");
                assertThat(r.bystander.awaitType("join", r.room).getJsonObject("presence").getString("id"))
                        .isEqualTo(name);
                raw.sendOneFrame(oneMiBPing());
                assertThat(raw.awaitClose()).as("close code for a 1 MiB text frame").isEqualTo(1009);
            }
            r.bystanderSeesLeaveAndIsUnharmed(name);
        }
    }

    /** The same message in 16 KiB frames: the limit is on the message, not on each frame. */
    static void aTextMessageOverMaxFrameBytesInSeveralFramesIsClosedWith1009(URI app) throws Exception {
        try (Room r = Room.open(app)) {
            // a raw socket that reads the close frame even when the server closed while it wrote
            String name = "Parts " + r.room.substring(r.room.indexOf('-') + 1);
            try (RawWebSocket raw = RawWebSocket.open(new WebClient(app).signIn(name))) {
                raw.sendOneFrame("{\"type\":\"join\",\"room\":\"" + r.room + "\",\"meta\":{}}");
                assertThat(r.bystander.awaitType("join", r.room).getJsonObject("presence").getString("id"))
                        .isEqualTo(name);
                raw.sendInFrames(oneMiBPing(), 16 * 1024);
                assertThat(raw.awaitClose()).as("close code for a 1 MiB message in 16 KiB frames").isEqualTo(1009);
            }
            r.bystanderSeesLeaveAndIsUnharmed(name);
        }
    }

    private static String oneMiBPing() {
        return "{\"type\":\"ping\",\"pad\":\"" + "x".repeat(ONE_MIB) + "\"}";
    }

    /** Binary frames are not part of the protocol: closed with 1003. */
    static void aBinaryFrameIsClosedWith1003(URI app) throws Exception {
        try (Room r = Room.open(app)) {
            r.attacker.sendBinary(new byte[] {1, 2, 3});
            assertThat(r.attacker.awaitClose()).as("close code for a binary frame").isEqualTo(1003);
            r.bystanderSeesLeaveAndIsUnharmed(r.attackerName);
        }
    }

    /**
     * A meta holding a lone surrogate ({@code "\ud800"} in the JSON: valid JSON, not valid
     * Unicode, so no frame that carries it can be sent) is refused with an {@code error}, is
     * stored nowhere and never reaches the bystander, who stays connected; a newcomer's
     * {@code state} arrives and lists both.
     */
    static void aMetaWithALoneSurrogateIsRefusedAndNeverReachesABystander(URI app) throws Exception {
        try (Room r = Room.open(app)) {
            r.attacker.send("{\"type\":\"meta\",\"room\":\"" + r.room + "\",\"meta\":{\"status\":\"\\ud800\"}}");
            List<JsonObject> replies = r.attackerReplies();
            r.bystanderGotNoMetaAndAnswersPing();
            assertThat(replies).as("what the sender got for the lone surrogate")
                    .anyMatch(m -> "error".equals(m.getString("type", null)));

            try (LiveSocket newcomer = LiveSocket.open(r.signIn("Newcomer"))) {
                JsonObject state = newcomer.join(r.room).awaitType("state", r.room);
                assertThat(ids(state)).as("a newcomer's state").contains(r.bystanderName, r.attackerName);
                assertThat(state.toString()).as("the refused value is stored nowhere").doesNotContain("status");
            }
            r.bystanderGotNoMetaAndAnswersPing();
        }
    }

    /**
     * A frame the JSON parser cannot read (here an exponent that does not fit a BigDecimal's
     * scale, which Parsson throws ArithmeticException for rather than a JsonException) is an
     * ordinary bad frame: {@code error} with code {@code bad_json}; the socket and the bystander
     * carry on.
     */
    static void aNumberTheParserCannotReadIsBadJson(URI app) throws Exception {
        malformedFrameIsBadJson(app, "{\"type\":\"cursor\",\"room\":\"%s\",\"x\":1e-2147483648,\"y\":0}");
    }

    /** Nesting deeper than any frame of the protocol needs is an ordinary bad frame too. */
    static void deepNestingIsBadJson(URI app) throws Exception {
        malformedFrameIsBadJson(app, "{\"type\":\"meta\",\"room\":\"%s\",\"meta\":{\"a\":"
                + "[".repeat(5000) + "]".repeat(5000) + "}}");
    }

    private static void malformedFrameIsBadJson(URI app, String frame) throws Exception {
        try (Room r = Room.open(app)) {
            r.attacker.send(String.format(frame, r.room));
            List<JsonObject> replies = r.attackerReplies();
            r.bystanderGotNoMetaAndAnswersPing();
            assertThat(replies).as("what the sender got").singleElement()
                    .satisfies(m -> assertThat(m.getString("type", null)).isEqualTo("error"))
                    .satisfies(m -> assertThat(m.getString("code", null)).as("the error: %s", m).isEqualTo("bad_json"));
        }
    }

    private static List<String> ids(JsonObject state) {
        return state.getJsonArray("presences").stream().map(JsonValue::asJsonObject)
                .map(p -> p.getString("id")).collect(Collectors.toList());
    }

    /** Two signed-in users in one fresh room: the one who attacks and the one who must not notice. */
    private static final class Room implements AutoCloseable {

        final URI app;
        final String room;
        final String bystanderName;
        final String attackerName;
        final LiveSocket bystander;
        final LiveSocket attacker;

        private Room(URI app, String room, String bystanderName, String attackerName,
                     LiveSocket bystander, LiveSocket attacker) {
            this.app = app;
            this.room = room;
            this.bystanderName = bystanderName;
            this.attackerName = attackerName;
            this.bystander = bystander;
            this.attacker = attacker;
        }

        static Room open(URI app) throws Exception {
            int n = SEQ.incrementAndGet();
            String room = "hostile-" + n;
            String bystanderName = "Bystander " + n;
            String attackerName = "Mallory " + n;
            LiveSocket bystander = LiveSocket.open(new WebClient(app).signIn(bystanderName));
            LiveSocket attacker = null;
            try {
                bystander.join(room).awaitType("state", room);
                attacker = LiveSocket.open(new WebClient(app).signIn(attackerName));
                attacker.join(room).awaitType("state", room);
                JsonObject joined = bystander.awaitType("join", room);
                assertThat(joined.getJsonObject("presence").getString("id")).isEqualTo(attackerName);
                return new Room(app, room, bystanderName, attackerName, bystander, attacker);
            } catch (Exception | AssertionError e) {
                bystander.close();
                if (attacker != null) {
                    attacker.close();
                }
                throw e;
            }
        }

        WebClient signIn(String name) throws Exception {
            return new WebClient(app).signIn(name + " " + room.substring(room.indexOf('-') + 1));
        }

        /*
         * The attacker's pings are handled in order after its frame, and whatever that frame sent
         * to the room was queued to the bystander before, so: what the attacker got in reply
         * comes before its pong, and anything fanned out comes before the bystander's pong.
         */

        /** What the attacker received between its last frame and the pong for a ping sent after it. */
        List<JsonObject> attackerReplies() throws InterruptedException {
            return attacker.ping();
        }

        void bystanderGotNoMetaAndAnswersPing() throws InterruptedException {
            assertThat(bystander.ping()).as("frames the bystander got before its pong")
                    .noneMatch(m -> "meta".equals(m.getString("type", null)));
            assertThat(bystander.isClosed()).as("the bystander's socket").isFalse();
        }

        /** After a sender was closed: the bystander hears it leave, stays open and gets its pong. */
        void bystanderSeesLeaveAndIsUnharmed(String who) throws Exception {
            JsonObject left = bystander.awaitType("leave", room);
            assertThat(left.getString("id")).isEqualTo(who);
            assertThat(bystander.ping()).as("what the bystander got before its pong")
                    .noneMatch(m -> "error".equals(m.getString("type", null)));
            assertThat(bystander.isClosed()).as("the bystander's socket").isFalse();
        }

        @Override
        public void close() {
            attacker.close();
            bystander.close();
        }
    }
}
