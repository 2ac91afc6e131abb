package dev.onlinenow.internal.live;

import dev.onlinenow.OnlineNowSettings;

/**
 * Where the live layer keeps rooms and how it reaches the other nodes: a {@link RoomState} and
 * a {@link RoomBus}. This is the one seam between the live layer and a multi-node transport.
 *
 * <p>The live layer keeps rooms in its own memory, or, with {@code store=redis}, loads
 * {@value #REDIS_BACKEND} by name ({@link #redis}) (it must have a public constructor taking the
 * {@link OnlineNowSettings}). That class implements this interface with the room state kept in
 * Redis hashes and the bus on Redis pub/sub; nothing else in the live layer changes.
 */
public interface LiveBackend extends AutoCloseable {

    /** The class that implements the backend for {@code store=redis}. */
    String REDIS_BACKEND = "dev.onlinenow.redis.RedisLiveBackend";

    /** The rooms. */
    RoomState state();

    /** The bus between nodes. */
    RoomBus bus();

    /** This node's id, unique in the cluster; it prefixes connection ids. */
    String nodeId();

    /**
     * Whether other servers share the rooms (a {@link RoomState} in Redis): then the live layer
     * fetches a room's state when it first sees the room and reconciles its view every
     * {@link #reconcileInterval()}. False for the in-process backend, whose state is this server's.
     */
    default boolean shared() {
        return false;
    }

    /** How often a shared backend's rooms are compared with the live layer's view; zero for never. */
    default java.time.Duration reconcileInterval() {
        return java.time.Duration.ZERO;
    }

    /**
     * Sets what to run when the bus may have lost messages (a pub/sub reconnect): the live layer
     * reconciles every room then. Called once, at start.
     */
    default void onMissedMessages(Runnable reconcile) {
    }

    /**
     * Whether a member missing from the store means they left. False for a while after the store
     * lost data, until every node has put its members back.
     */
    default boolean trustAbsences() {
        return true;
    }

    /** Releases connections and threads; the live layer calls it when the web app stops. */
    @Override
    void close();

    /**
     * The Redis backend ({@value #REDIS_BACKEND}, loaded by name) for {@code store=redis}. The
     * live layer uses it when the settings call for it, and keeps rooms in its own memory otherwise.
     *
     * @throws IllegalStateException if the Redis backend or its client is missing, or cannot start
     */
    static LiveBackend redis(OnlineNowSettings settings) {
        try {
            Class<?> c = Class.forName(REDIS_BACKEND, true, LiveBackend.class.getClassLoader());
            return (LiveBackend) c.getConstructor(OnlineNowSettings.class).newInstance(settings);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("online-now: store=redis with the live endpoint needs " + REDIS_BACKEND
                    + ", which this build of online-now does not have", e);
        } catch (NoClassDefFoundError e) {
            throw new IllegalStateException("online-now: store=redis needs the Redis client io.lettuce:lettuce-core "
                    + "on the web app's class path (WEB-INF/lib)", e);
        } catch (java.lang.reflect.InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            throw new IllegalStateException("online-now: cannot start " + REDIS_BACKEND + ": " + cause, cause);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("online-now: cannot start " + REDIS_BACKEND, e);
        }
    }
}
