package dev.onlinenow.bench;

import dev.onlinenow.live.Presence;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import org.openjdk.jol.info.GraphLayout;

import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Issue 10: the heap one member's meta takes in a room, for a meta of about 1 KB (the default
 * {@code maxMetaBytes}) read from a client's frame. JOL's {@link GraphLayout} of one
 * {@link Presence}: every object reachable from it (id, name, meta), exact for this JVM's layout.
 *
 * <p>Two metas: many small members (the worst case for parsed JSON: an entry, a key and a value
 * object per member) and a few long strings (the best case).
 *
 * <p>Run: {@code mvn -q -B -Pbench test-compile exec:exec -Dbench.main=dev.onlinenow.bench.MetaMemory}
 */
public final class MetaMemory {

    private MetaMemory() {
    }

    public static void main(String[] args) {
        System.out.printf(Locale.ROOT, "JVM %s %s%n", System.getProperty("java.vm.name"), System.getProperty("java.version"));
        StringBuilder many = new StringBuilder("{\"color\":\"teal\",\"away\":false");
        for (int i = 0; many.length() < 1000; i++) {
            many.append(",\"k").append(i).append("\":").append(i % 3 == 0 ? "true" : i % 3 == 1 ? String.valueOf(i * 7) : "\"v" + i + "\"");
        }
        many.append('}');
        String few = "{\"color\":\"teal\",\"away\":false,\"status\":\"" + "s".repeat(480) + "\",\"bio\":\"" + "b".repeat(470) + "\"}";
        for (String[] meta : new String[][] {{"many small members", many.toString()}, {"a few long strings", few}}) {
            JsonObject parsed;
            try (JsonReader r = Json.createReader(new StringReader(meta[1]))) {
                parsed = r.readObject();
            }
            Presence p = new Presence("user-1234567", "User 1234567", parsed, 1, 1763850000000L);
            parsed = null; // only the presence keeps what it keeps
            long presence = GraphLayout.parseInstance(p).totalSize();
            long empty = GraphLayout.parseInstance(new Presence("user-1234567", "User 1234567", null, 1, 1763850000000L))
                    .totalSize();
            System.out.printf(Locale.ROOT, "%-20s meta %5d bytes as UTF-8 JSON: presence %6d bytes, of which meta %6d"
                            + " (%.1f x its JSON size)%n", meta[0], meta[1].getBytes(StandardCharsets.UTF_8).length,
                    presence, presence - empty, (presence - empty) / (double) meta[1].getBytes(StandardCharsets.UTF_8).length);
        }
    }
}
