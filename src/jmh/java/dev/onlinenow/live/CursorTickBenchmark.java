package dev.onlinenow.live;

import jakarta.json.JsonArray;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonValue;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One cursor tick of one room, from the coalesced moves to the text every recipient gets (each
 * mover without their own entry) and the view kept from it: what the typed bus does
 * ({@code typed}) against what the JSON bus did before it ({@code json}: a JSON-P frame built,
 * then cut back into entries and parsed for the view, as RoomOps and CursorFrame did up to
 * 4950563). Run with {@code -prof gc}: {@code gc.alloc.rate.norm} is the bytes allocated per tick.
 *
 * <pre>
 * mvn -q -B -Pbench test-compile exec:exec -Dbench.args="CursorTick -prof gc -f 1 -wi 3 -i 5 -w 1s -r 1s"
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CursorTickBenchmark {

    /** Users in the room who moved in the tick. */
    @Param({"1", "20"})
    int movers;

    List<CursorCoalescer.Entry> entries;
    List<String> recipients;

    @Setup
    public void setup() {
        entries = new ArrayList<>();
        recipients = new ArrayList<>();
        for (int i = 0; i < movers; i++) {
            entries.add(new CursorCoalescer.Entry("user-" + i, 0.1 + i / 97.0, 0.9 - i / 89.0, 1000 + i, false, true));
        }
        for (int i = 0; i < 20; i++) {
            recipients.add("user-" + i);
        }
    }

    @Benchmark
    public void typed(Blackhole bh) {
        List<RoomMessage.Move> moves = new ArrayList<>(entries.size());
        for (CursorCoalescer.Entry e : entries) {
            moves.add(new RoomMessage.Move(e.id(), e.x(), e.y(), false));
        }
        RoomMessage m = RoomMessage.cursors("board-42", moves);
        // the view (Room.apply)
        for (RoomMessage.Move mv : m.moves()) {
            bh.consume(new Cursor(mv.id(), mv.x(), mv.y(), 1000));
        }
        fanOut(m.cursorFrame(), bh);
    }

    @Benchmark
    public void json(Blackhole bh) {
        // Protocol.cursors as it was: the frame as a JSON-P object
        JsonArrayBuilder cs = Protocol.JSON.createArrayBuilder();
        for (CursorCoalescer.Entry e : entries) {
            JsonObjectBuilder b = Protocol.JSON.createObjectBuilder().add("id", e.id());
            b.add("x", e.x()).add("y", e.y());
            cs.add(b);
        }
        JsonObject frame = Protocol.JSON.createObjectBuilder().add("type", "cursors").add("room", "board-42")
                .add("cursors", cs).build();
        // RoomOps.apply as it was: the view read back from the frame
        JsonArray arr = frame.getJsonArray("cursors");
        for (JsonValue v : arr) {
            JsonObject e = v.asJsonObject();
            bh.consume(new Cursor(e.getString("id"), e.getJsonNumber("x").doubleValue(),
                    e.getJsonNumber("y").doubleValue(), 1000));
        }
        // CursorFrame(room, JsonObject) as it was: each entry serialized from the object
        String head = "{\"type\":\"cursors\",\"room\":" + Protocol.PROVIDER.createValue("board-42") + ",\"cursors\":[";
        String[] ids = new String[arr.size()];
        String[] parts = new String[arr.size()];
        for (int i = 0; i < parts.length; i++) {
            JsonObject e = arr.getJsonObject(i);
            ids[i] = e.getString("id");
            parts[i] = e.toString();
        }
        fanOut(new CursorFrame(head, ids, parts), bh);
    }

    /* what Fanout does per recipient: the frame without their own entry, made once per user */
    private void fanOut(CursorFrame f, Blackhole bh) {
        String all = f.without(null);
        Map<String, String> perUser = new HashMap<>();
        for (String r : recipients) {
            bh.consume(f.has(r) ? perUser.computeIfAbsent(r, f::without) : all);
        }
    }
}
