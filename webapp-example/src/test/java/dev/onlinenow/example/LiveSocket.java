package dev.onlinenow.example;

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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A real WebSocket to the example's live endpoint, opened as the visitor's browser would: with
 * its session cookie and the page's Origin. Received messages are queued; tests wait on them.
 */
final class LiveSocket implements WebSocket.Listener, AutoCloseable {

    private final BlockingQueue<JsonObject> messages = new LinkedBlockingQueue<>();
    private final List<JsonObject> seen = new ArrayList<>();
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();
    private WebSocket socket;

    static LiveSocket open(WebClient visitor) throws Exception {
        return open(visitor, visitor.origin());
    }

    static LiveSocket open(WebClient visitor, String origin) throws Exception {
        URI app = visitor.app();
        URI ws = URI.create("ws://" + app.getAuthority() + app.getPath() + "online-now/ws");
        LiveSocket live = new LiveSocket();
        live.socket = HttpClient.newHttpClient().newWebSocketBuilder()
                .header("Cookie", visitor.cookieHeader())
                .header("Origin", origin)
                .connectTimeout(WebClient.TIMEOUT)
                .buildAsync(ws, live)
                .get(WebClient.TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        return live;
    }

    LiveSocket send(String json) {
        socket.sendText(json, true).join();
        return this;
    }

    LiveSocket sendBinary(byte[] data) {
        socket.sendBinary(java.nio.ByteBuffer.wrap(data), true).join();
        return this;
    }

    /**
     * Sends a ping and waits for its pong; returns every other message that came first. Fails if
     * no pong comes within the timeout or the socket is closed.
     */
    List<JsonObject> ping() throws InterruptedException {
        if (closed.isDone()) {
            throw new AssertionError("the socket is closed: " + closed.handle((code, e) -> e != null ? e : code).join()
                    + "; received " + seen());
        }
        send("{\"type\":\"ping\"}");
        List<JsonObject> before = new ArrayList<>();
        long deadline = System.nanoTime() + WebClient.TIMEOUT.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            JsonObject m = left <= 0 ? null : messages.poll(left, TimeUnit.NANOSECONDS);
            if (m == null) {
                throw new AssertionError("no pong within " + WebClient.TIMEOUT + "; received " + seen()
                        + (closed.isDone() ? "; closed with " + closed.handle((code, e) -> e != null ? e : code).join() : ""));
            }
            if ("pong".equals(m.getString("type", null))) {
                return before;
            }
            before.add(m);
        }
    }

    boolean isClosed() {
        return closed.isDone();
    }

    private List<JsonObject> seen() {
        synchronized (seen) {
            return new ArrayList<>(seen);
        }
    }

    LiveSocket join(String room) {
        return send("{\"type\":\"join\",\"room\":\"" + room + "\",\"meta\":{}}");
    }

    /** The next message that matches, skipping others; fails after the timeout. */
    JsonObject await(String what, Predicate<JsonObject> wanted) throws InterruptedException {
        long deadline = System.nanoTime() + WebClient.TIMEOUT.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            JsonObject m = left <= 0 ? null : messages.poll(left, TimeUnit.NANOSECONDS);
            if (m == null) {
                throw new AssertionError("no " + what + " within " + WebClient.TIMEOUT + "; received " + seen()
                        + (closed.isDone() ? "; closed with " + closed.join() : ""));
            }
            if (wanted.test(m)) {
                return m;
            }
        }
    }

    JsonObject awaitType(String type, String room) throws InterruptedException {
        return await(type + " for " + room, m -> type.equals(m.getString("type", null))
                && room.equals(m.getString("room", null)));
    }

    /** The close code, once the server closed the socket. */
    int awaitClose() throws Exception {
        return closed.get(WebClient.TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    static Duration timeout() {
        return WebClient.TIMEOUT;
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
                JsonObject m = r.readObject();
                synchronized (seen) {
                    seen.add(m);
                }
                messages.add(m);
            }
            partial.setLength(0);
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closed.complete(statusCode);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closed.completeExceptionally(error);
    }

    @Override
    public void close() {
        if (!socket.isOutputClosed()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").orTimeout(5, TimeUnit.SECONDS).exceptionally(e -> null);
        }
        socket.abort();
    }
}
