package dev.onlinenow.store;

import dev.onlinenow.internal.HealthRecorder;

import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Whether the presence store of one web app is up: the one place the store reports to, and that
 * the JMX bean ({@code StoreHealthy}), the metrics and an app's own health endpoint read.
 *
 * <pre>{@code
 * StoreHealth h = OnlineNow.get(getServletContext()).storeHealth();
 * if (!h.isUp()) { ... h.downSince(), h.cause() ... }
 * }</pre>
 *
 * <p>The in-process store ({@code store=ehcache}) is always up. With {@code store=redis} the store
 * is down while Redis does not answer; it then keeps counting this server's users alone
 * ({@link #countingAlone()}), and requests are not affected. Thread-safe; reads see one consistent
 * state.
 *
 * <p>An app only reads: the library's stores report through a recorder of its own.
 */
public final class StoreHealth {

    private final String store;
    private final Clock clock;
    private volatile State state = new State(true, null, null, -1);
    private final HealthRecorder recorder = new HealthRecorder() {
        @Override
        public void up() {
            StoreHealth.this.up();
        }

        @Override
        public void down(Throwable cause) {
            StoreHealth.this.down(cause);
        }

        @Override
        public void nodesAlive(int n) {
            StoreHealth.this.nodesAlive(n);
        }
    };

    static {
        HealthRecorder.install(h -> h.recorder);
    }

    /**
     * @param store what the store is ({@code ehcache}, {@code redis}), for people reading it
     * @param clock when {@link #downSince()} was
     */
    public StoreHealth(String store, Clock clock) {
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The health of a store that cannot fail: always up, one node. */
    public static StoreHealth inProcess(String store) {
        StoreHealth h = new StoreHealth(store, Clock.systemUTC());
        h.nodesAlive(1);
        return h;
    }

    /** What the store is: {@code ehcache}, {@code redis}, or the name a custom store gave. */
    public String store() {
        return store;
    }

    /** True unless the store is down and this server counts alone. */
    public boolean isUp() {
        return state.up;
    }

    /** Since when the store is down; empty while it is up. */
    public Optional<Instant> downSince() {
        return Optional.ofNullable(state.since);
    }

    /**
     * True while this server counts its own users only, because the shared store (Redis) does not
     * answer: the counts it shows are this server's, not the cluster's.
     */
    public boolean countingAlone() {
        return !state.up;
    }

    /** Why the store went down (the failure, without credentials); null while it is up. */
    public String cause() {
        return state.cause;
    }

    /**
     * How many servers of this web app are alive, as far as this one knows: 1 for an in-process
     * store and while the shared store is down; with Redis, what the live layer's last liveness
     * check saw; -1 when nobody measured it (Redis without the live layer).
     */
    public int nodesAlive() {
        State s = state;
        return s.up ? s.nodes : 1;
    }

    /** The store answers again. */
    private synchronized void up() {
        State s = state;
        if (!s.up) {
            state = new State(true, null, null, s.nodes);
        }
    }

    /** The store stopped answering; the first call of an outage sets {@link #downSince()}. */
    private synchronized void down(Throwable cause) {
        State s = state;
        if (s.up) {
            state = new State(false, clock.instant(), describe(cause), s.nodes);
        }
    }

    /** The servers alive, as the last liveness check saw them. */
    private synchronized void nodesAlive(int n) {
        State s = state;
        state = new State(s.up, s.since, s.cause, n);
    }

    private static String describe(Throwable cause) {
        if (cause == null) {
            return "unknown";
        }
        String text = cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
        // an exception's message may quote a URI: never show a password from it
        text = text.replaceAll("://[^/@\\s]*@", "://");
        return text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }

    @Override
    public String toString() {
        State s = state;
        return "StoreHealth[" + store + (s.up ? " up" : " down since " + s.since + ": " + s.cause) + "]";
    }

    private record State(boolean up, Instant since, String cause, int nodes) {
    }
}
