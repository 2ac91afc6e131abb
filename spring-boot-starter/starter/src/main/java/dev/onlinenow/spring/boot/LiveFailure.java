package dev.onlinenow.spring.boot;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The live listener's last start-up failure not yet reported, for {@link OnlineNowFailureAnalyzer}.
 * A class of its own, without WebSocket types, so the analyzer loads in apps without
 * {@code jakarta.websocket}.
 */
final class LiveFailure {

    static final AtomicReference<RuntimeException> LAST = new AtomicReference<>();

    private LiveFailure() {
    }
}
