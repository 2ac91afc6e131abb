package dev.onlinenow.live;

import dev.onlinenow.testing.Await;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import org.junit.jupiter.api.Test;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link Outbox#offerCursors}: a socket that fell behind gets the newest positions, not a queue of stale frames. */
class OutboxCursorsTest {

    final AtomicInteger overflows = new AtomicInteger();
    final AtomicReference<Throwable> failure = new AtomicReference<>();
    final OutboxTest.ManualSender sender = new OutboxTest.ManualSender();

    /** A room's cursors frame with these moves: "id", x, "id", x, ... (y = -x). */
    static CursorFrame frame(String room, Object... moves) {
        List<CursorCoalescer.Entry> entries = new ArrayList<>();
        for (int i = 0; i < moves.length; i += 2) {
            double x = ((Number) moves[i + 1]).doubleValue();
            entries.add(x < 0 ? new CursorCoalescer.Entry((String) moves[i], 0, 0, 0, true, false)
                    : new CursorCoalescer.Entry((String) moves[i], x, -x, 0, false, true));
        }
        return new CursorFrame(room, Protocol.cursors(room, entries));
    }

    /** Offers a frame to the recipient as RoomOps does: without their own entry. */
    static Outbox.Offered offer(Outbox o, String room, CursorFrame f, String recipient) {
        return o.offerCursors(room, f, f.without(recipient), recipient);
    }

    /** A sent cursors frame as id -> x ("gone" for a removal), in the frame's order. */
    static Map<String, String> moves(String text) {
        JsonObject o = Json.createReader(new StringReader(text)).readObject();
        assertThat(o.getString("type")).isEqualTo("cursors");
        Map<String, String> m = new LinkedHashMap<>();
        for (JsonValue v : o.getJsonArray("cursors")) {
            JsonObject e = v.asJsonObject();
            String was = m.put(e.getString("id"), e.getBoolean("gone", false) ? "gone"
                    : String.valueOf(e.getJsonNumber("x").intValue()));
            assertThat(was).as("one entry per mover").isNull();
        }
        return m;
    }

    static String room(String text) {
        return Json.createReader(new StringReader(text)).readObject().getString("room");
    }

    Outbox outbox(int frames, long chars) {
        return new Outbox(sender, Runnable::run, frames, chars, overflows::incrementAndGet, failure::set);
    }

    @Test
    void withNothingWaitingAFrameGoesOutAsGiven() {
        Outbox o = outbox(10, Long.MAX_VALUE);
        CursorFrame f = frame("r", "ann", 1, "bob", 2);
        String text = f.without("bob");
        assertThat(o.offerCursors("r", f, text, "bob")).isEqualTo(Outbox.Offered.QUEUED);
        assertThat(sender.sent).hasSize(1);
        assertThat(sender.sent.get(0)).isSameAs(text);
    }

    @Test
    void framesOfARoomWaitingBehindASlowSendBecomeOneWithEachMoversNewestEntry() {
        Outbox o = outbox(10, Long.MAX_VALUE);
        o.offer("in flight");
        assertThat(offer(o, "r", frame("r", "ann", 1, "bob", 1), "bob")).isEqualTo(Outbox.Offered.QUEUED);
        assertThat(offer(o, "r", frame("r", "bob", 2, "cid", 2), "bob")).isEqualTo(Outbox.Offered.MERGED);
        assertThat(offer(o, "r", frame("r", "ann", 3, "dan", -1), "bob")).isEqualTo(Outbox.Offered.MERGED);
        assertThat(o.queued()).as("one frame waits").isEqualTo(1);

        sender.completeOne();
        assertThat(sender.sent).hasSize(2);
        String merged = sender.sent.get(1);
        assertThat(room(merged)).isEqualTo("r");
        assertThat(moves(merged)).as("newest per mover, first-seen order, never the recipient's own")
                .containsExactly(Map.entry("ann", "3"), Map.entry("cid", "2"), Map.entry("dan", "gone"));
        assertThat(o.queuedChars()).isZero();
        sender.completeOne();

        assertThat(offer(o, "r", frame("r", "ann", 4), "bob")).as("sent frames take no more merges")
                .isEqualTo(Outbox.Offered.QUEUED);
        assertThat(moves(sender.sent.get(2))).containsExactly(Map.entry("ann", "4"));
    }

    @Test
    void aFrameQueuedAfterACursorsFrameSealsIt() {
        Outbox o = outbox(10, Long.MAX_VALUE);
        o.offer("in flight");
        offer(o, "r", frame("r", "ann", 1), "bob");
        o.offer("{\"type\":\"leave\",\"room\":\"r\",\"id\":\"ann\"}");
        assertThat(offer(o, "r", frame("r", "cid", 2), "bob")).as("no move overtakes the leave")
                .isEqualTo(Outbox.Offered.QUEUED);
        assertThat(offer(o, "r", frame("r", "cid", 3), "bob")).isEqualTo(Outbox.Offered.MERGED);
        for (int i = 0; i < 3; i++) {
            sender.completeOne();
        }
        assertThat(sender.sent).hasSize(4);
        assertThat(moves(sender.sent.get(1))).containsExactly(Map.entry("ann", "1"));
        assertThat(sender.sent.get(2)).contains("\"leave\"");
        assertThat(moves(sender.sent.get(3))).containsExactly(Map.entry("cid", "3"));
    }

    @Test
    void roomsMergeEachIntoTheirOwnFrame() {
        Outbox o = outbox(10, Long.MAX_VALUE);
        o.offer("in flight");
        offer(o, "a", frame("a", "ann", 1), "bob");
        offer(o, "b", frame("b", "ann", 10), "bob");
        assertThat(offer(o, "a", frame("a", "ann", 2), "bob")).isEqualTo(Outbox.Offered.MERGED);
        assertThat(offer(o, "b", frame("b", "cid", 20), "bob")).isEqualTo(Outbox.Offered.MERGED);
        assertThat(o.queued()).isEqualTo(2);
        sender.completeOne();
        sender.completeOne();
        assertThat(sender.sent).hasSize(3);
        assertThat(room(sender.sent.get(1))).isEqualTo("a");
        assertThat(moves(sender.sent.get(1))).containsExactly(Map.entry("ann", "2"));
        assertThat(room(sender.sent.get(2))).isEqualTo("b");
        assertThat(moves(sender.sent.get(2))).containsExactly(Map.entry("ann", "10"), Map.entry("cid", "20"));
    }

    @Test
    void aMergedFrameIsCountedAtItsSizeAndStillBoundedInCharacters() {
        CursorFrame small = frame("r", "ann", 1);
        CursorFrame more = frame("r", "cid", 2, "dan", 3, "eve", 4);
        int mergedLength = frame("r", "ann", 7, "cid", 2, "dan", 3, "eve", 4).without(null).length();
        Outbox o = outbox(10, small.without(null).length() + mergedLength - 1); // one character short
        o.offer("in flight");
        o.offer("x".repeat(small.without(null).length())); // another frame waits: the bound applies
        offer(o, "r", small, "bob");
        long before = o.queuedChars();
        assertThat(offer(o, "r", frame("r", "ann", 7), "bob")).as("same size").isEqualTo(Outbox.Offered.MERGED);
        assertThat(o.queuedChars()).isEqualTo(before);
        assertThat(offer(o, "r", more, "bob")).as("over the bound merged").isEqualTo(Outbox.Offered.REFUSED);
        assertThat(overflows.get()).isEqualTo(1);
        assertThat(o.isClosed()).isTrue();
        assertThat(o.queuedChars()).isZero();
    }

    @Test
    void theOnlyWaitingFrameMayGrowPastTheCharacterBound() {
        Outbox o = outbox(10, 10);
        o.offer("in flight");
        offer(o, "r", frame("r", "ann", 1), "bob");
        assertThat(offer(o, "r", frame("r", "cid", 2, "dan", 3), "bob")).isEqualTo(Outbox.Offered.MERGED);
        assertThat(overflows.get()).isZero();
        sender.completeOne();
        assertThat(moves(sender.sent.get(1))).containsOnlyKeys("ann", "cid", "dan");
    }

    @Test
    void aClosedOutboxRefusesCursorsToo() {
        Outbox o = outbox(10, Long.MAX_VALUE);
        o.close();
        assertThat(offer(o, "r", frame("r", "ann", 1), "bob")).isEqualTo(Outbox.Offered.REFUSED);
        assertThat(sender.sent).isEmpty();
    }

    /**
     * A room's thread offering cursors frames, another thread offering other frames, sends completing on
     * a third: never two sends at once, every mover's position only moves forward in what arrives, and the
     * last position of each mover arrives.
     */
    @Test
    void concurrentlyNoMoveGoesBackAndTheLastOneArrives() throws Exception {
        ExecutorService completer = Executors.newSingleThreadExecutor();
        ExecutorService pumps = Executors.newFixedThreadPool(2);
        AtomicInteger inFlight = new AtomicInteger();
        AtomicBoolean overlap = new AtomicBoolean();
        List<String> sent = java.util.Collections.synchronizedList(new ArrayList<>());
        Outbox.Sender s = (text, done) -> {
            if (inFlight.incrementAndGet() > 1) {
                overlap.set(true);
            }
            sent.add(text);
            completer.execute(() -> {
                inFlight.decrementAndGet();
                done.accept(null);
            });
        };
        Outbox o = new Outbox(s, pumps, 100_000, Long.MAX_VALUE, overflows::incrementAndGet, failure::set);
        int ticks = 5_000;
        String[] movers = {"ann", "cid", "dan", "eve"};
        Map<String, Integer> expected = new HashMap<>();
        Thread room = new Thread(() -> {
            for (int t = 1; t <= ticks; t++) {
                Object[] moves = new Object[4];
                moves[0] = movers[t % 4];
                moves[1] = t;
                moves[2] = movers[(t + 1) % 4];
                moves[3] = t;
                expected.put(movers[t % 4], t);
                expected.put(movers[(t + 1) % 4], t);
                offer(o, "r", frame("r", moves), "bob");
            }
        });
        Thread other = new Thread(() -> {
            for (int i = 0; i < ticks / 10; i++) {
                o.offer("{\"type\":\"pong\"}");
            }
        });
        room.start();
        other.start();
        room.join();
        other.join();
        Await.until("everything is sent", Await.WAIT, () -> o.queued() == 0 && inFlight.get() == 0);
        completer.shutdown();
        pumps.shutdown();
        assertThat(completer.awaitTermination(10, TimeUnit.SECONDS)).isTrue();

        assertThat(overlap.get()).as("never two sends in flight").isFalse();
        assertThat(failure.get()).isNull();
        assertThat(overflows.get()).isZero();
        Map<String, Integer> last = new HashMap<>();
        int pongs = 0;
        synchronized (sent) {
            for (String text : sent) {
                if (text.contains("pong")) {
                    pongs++;
                    continue;
                }
                for (Map.Entry<String, String> e : moves(text).entrySet()) {
                    int x = Integer.parseInt(e.getValue());
                    Integer was = last.put(e.getKey(), x);
                    assertThat(was == null || was < x).as("%s moves forward only (%s then %s)", e.getKey(), was, x)
                            .isTrue();
                }
            }
        }
        assertThat(pongs).isEqualTo(ticks / 10);
        assertThat(last).as("each mover's last position arrived").isEqualTo(expected).hasSize(4);
    }
}
