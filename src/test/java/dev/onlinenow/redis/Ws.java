package dev.onlinenow.redis;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;

import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A real WebSocket client (the JDK's) that queues the frames it gets; waits are bounded, never sleeps. */
public final class Ws implements WebSocket.Listener, AutoCloseable {

    static final Duration WAIT = Duration.ofSeconds(20);

    final String name;
    final BlockingQueue<JsonObject> received = new LinkedBlockingQueue<>();
    private final StringBuilder partial = new StringBuilder();
    private WebSocket socket;

    private Ws(String name) {
        this.name = name;
    }

    static Ws connect(HttpClient http, URI uri, String origin, String cookie, String name) {
        Ws c = new Ws(name);
        c.socket = http.newWebSocketBuilder().connectTimeout(WAIT).header("Origin", origin).header("Cookie", cookie)
                .buildAsync(uri, c).orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
        return c;
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            try (JsonReader r = Json.createReader(new StringReader(partial.toString()))) {
                received.add(r.readObject());
            }
            partial.setLength(0);
        }
        webSocket.request(1);
        return null;
    }

    void send(String text) {
        socket.sendText(text, true).orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
    }

    public void join(String room) {
        send(Json.createObjectBuilder().add("type", "join").add("room", room).build().toString());
    }

    public void leave(String room) {
        send(Json.createObjectBuilder().add("type", "leave").add("room", room).build().toString());
    }

    /** The next frame of this type matching {@code p}; other frames before it are skipped. */
    JsonObject next(String type, Predicate<JsonObject> p) {
        List<JsonObject> skipped = new ArrayList<>();
        long end = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < end) {
            JsonObject o;
            try {
                o = received.poll(end - System.nanoTime(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
            if (o == null) {
                break;
            }
            if (type.equals(o.getString("type", null)) && p.test(o)) {
                return o;
            }
            skipped.add(o);
        }
        throw new AssertionError(name + ": no matching " + type + " within " + WAIT + "; got " + skipped);
    }

    public JsonObject next(String type) {
        return next(type, o -> true);
    }

    /** Everything the server sent before answering a ping now (the server answers in order). */
    public List<JsonObject> drain() {
        send("{\"type\":\"ping\"}");
        List<JsonObject> before = new ArrayList<>();
        for (;;) {
            JsonObject o;
            try {
                o = received.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
            if (o == null) {
                throw new AssertionError(name + ": no pong within " + WAIT);
            }
            if ("pong".equals(o.getString("type", null))) {
                return before;
            }
            before.add(o);
        }
    }

    @Override
    public void close() {
        try {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // gone already
        } finally {
            socket.abort();
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
