package dev.onlinenow.testing;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;

import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A real WebSocket client (the JDK's) for the tests and load tools of the live endpoint: every
 * JSON frame it gets goes into a queue, and how the socket ended is kept. Waits are bounded
 * ({@link #WAIT}) and never sleep; a wait that runs out fails with an {@link AssertionError}
 * naming the client and what it got meanwhile.
 */
public final class WsClient implements WebSocket.Listener, AutoCloseable {

    /** How long any wait of a client lasts at most. */
    public static final Duration WAIT = Duration.ofSeconds(20);

    /** How a socket ended: the close code and reason the server sent (1006 if it broke). */
    public record Closed(int code, String reason) {
    }

    private final String name;
    private final BlockingQueue<JsonObject> received = new LinkedBlockingQueue<>();
    private final CompletableFuture<Closed> closed = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();
    private volatile boolean reading = true;
    private WebSocket socket;

    private WsClient(String name) {
        this.name = name;
    }

    /**
     * Opens a socket with these Origin and Cookie headers (either may be null); {@code name}
     * names the client in failures.
     */
    public static WsClient connect(HttpClient http, URI uri, String origin, String cookie, String name) {
        return connect(http, uri, origin, cookie, null, name);
    }

    /** Also sends an {@code Authorization} header (container authentication), if not null. */
    public static WsClient connect(HttpClient http, URI uri, String origin, String cookie, String authorization,
                                   String name) {
        WsClient c = new WsClient(name);
        WebSocket.Builder b = http.newWebSocketBuilder().connectTimeout(WAIT);
        if (origin != null) {
            b.header("Origin", origin);
        }
        if (cookie != null) {
            b.header("Cookie", cookie);
        }
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        c.socket = b.buildAsync(uri, c).orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
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
            String text = partial.toString();
            partial.setLength(0);
            try (JsonReader r = Json.createReader(new StringReader(text))) {
                received.add(r.readObject());
            }
        }
        if (reading) {
            webSocket.request(1);
        }
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closed.complete(new Closed(statusCode, reason));
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closed.complete(new Closed(1006, String.valueOf(error)));
    }

    /** Stops asking for frames: the client reads nothing more, as a stalled browser would. */
    public void stopReading() {
        reading = false;
    }

    /** Reads again after {@link #stopReading}. */
    public void resumeReading() {
        reading = true;
        socket.request(1);
    }

    /** Sends a text frame, waiting until it is written. */
    public void send(String text) {
        socket.sendText(text, true).orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
    }

    /** Sends one text message as several WebSocket frames (continuations), waiting for each. */
    public void sendInFrames(String... parts) {
        for (int i = 0; i < parts.length; i++) {
            socket.sendText(parts[i], i == parts.length - 1).orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
        }
    }

    /**
     * As {@link #sendInFrames}, for a message the server may close the socket on before its last
     * part: the parts after the close are not sent (the client's output is closed then).
     */
    public void sendInFramesUntilClosed(String... parts) {
        try {
            sendInFrames(parts);
        } catch (java.util.concurrent.CompletionException e) {
            if (!(e.getCause() instanceof java.io.IOException)) {
                throw e;
            }
            awaitClose(); // the output closed because the server closed the socket; fails if it did not
        }
    }

    public void send(JsonObject o) {
        send(o.toString());
    }

    public void sendBinary(byte[] data) {
        socket.sendBinary(ByteBuffer.wrap(data), true).orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
    }

    public void join(String room) {
        send(Json.createObjectBuilder().add("type", "join").add("room", room).build());
    }

    public void leave(String room) {
        send(Json.createObjectBuilder().add("type", "leave").add("room", room).build());
    }

    public void cursor(String room, double x, double y) {
        send("{\"type\":\"cursor\",\"room\":\"" + room + "\",\"x\":" + x + ",\"y\":" + y + "}");
    }

    /** The next frame, whatever it is. */
    public JsonObject next() {
        try {
            JsonObject o = received.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (o == null) {
                throw new AssertionError(name + ": no frame within " + WAIT);
            }
            return o;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The next frame of this type; frames of other types before it are skipped. */
    public JsonObject next(String type) {
        return next(o -> type.equals(o.getString("type", null)), type);
    }

    /** The next frame of this type that matches {@code p}; other frames before it are skipped. */
    public JsonObject next(String type, Predicate<JsonObject> p) {
        return next(o -> type.equals(o.getString("type", null)) && p.test(o), "matching " + type);
    }

    /** The next frame that matches {@code p} ({@code what} names it in a failure); others before it are skipped. */
    public JsonObject next(Predicate<JsonObject> p, String what) {
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
            if (p.test(o)) {
                return o;
            }
            skipped.add(o);
        }
        throw new AssertionError(name + ": no " + what + " within " + WAIT + "; got " + skipped);
    }

    /**
     * Sends a ping and returns every frame that came before its pong: since the server answers
     * in order, that is everything the server had sent this client until it read the ping.
     */
    public List<JsonObject> drainUntilPong() {
        send("{\"type\":\"ping\"}");
        List<JsonObject> before = new ArrayList<>();
        for (;;) {
            JsonObject o = next();
            if ("pong".equals(o.getString("type", null))) {
                return before;
            }
            before.add(o);
        }
    }

    /** Moves every frame received and not yet taken into {@code to}, without waiting. */
    public void drainReceivedTo(Collection<? super JsonObject> to) {
        received.drainTo(to);
    }

    /** Whether the socket has ended (either side closed it, or it broke). */
    public boolean isClosed() {
        return closed.isDone();
    }

    /** How the server closed this socket. */
    public Closed awaitClose() {
        return closed.orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
    }

    /** Closes normally (waiting a little for the server's close) and then for good. */
    @Override
    public void close() {
        try {
            if (!socket.isOutputClosed()) {
                socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
            }
            closed.get(5, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // the server is gone or slow; abort below either way
        } finally {
            socket.abort();
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
