package dev.onlinenow.live;

import dev.onlinenow.OnlineNowSettings;

import java.util.UUID;

/**
 * Where the live layer keeps rooms and how it reaches the other nodes: a {@link RoomState} and
 * a {@link RoomBus}. This is the one seam between the live layer and a multi-node transport.
 *
 * <p>{@link #forSettings} picks the in-process backend, or, with {@code store=redis}, loads
 * {@value #REDIS_BACKEND} by name (it must have a public constructor taking the
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

    /** Rooms in this JVM's memory, and a bus that delivers in the publishing thread. */
    static LiveBackend inProcess() {
        LocalRoomState state = new LocalRoomState();
        LocalRoomBus bus = new LocalRoomBus();
        String node = UUID.randomUUID().toString().substring(0, 8);
        return new LiveBackend() {
            @Override
            public RoomState state() {
                return state;
            }

            @Override
            public RoomBus bus() {
                return bus;
            }

            @Override
            public String nodeId() {
                return node;
            }

            @Override
            public void close() {
                bus.close();
            }
        };
    }

    /**
     * The backend the settings call for: in-process, or Redis when {@code store=redis}.
     *
     * @throws IllegalStateException if {@code store=redis} but the Redis backend is missing
     */
    static LiveBackend forSettings(OnlineNowSettings settings) {
        if (settings.store() != OnlineNowSettings.StoreKind.REDIS) {
            return inProcess();
        }
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
