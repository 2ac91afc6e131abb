package dev.onlinenow.internal.store;

import dev.onlinenow.store.PresenceStore;
import dev.onlinenow.store.StoreHealth;
import dev.onlinenow.OnlineNowSettings;
import dev.onlinenow.OnlineNowStats;

/**
 * Makes the stores that the {@code store} setting names. The Redis factory is loaded by name, so
 * the Redis client stays an optional dependency: without it, {@code store=redis} fails at start-up
 * with a message saying what to add.
 */
public interface StoreFactory {

    /** The in-process store: Ehcache, on the settings' threshold, maxTracked and clock. */
    StoreFactory EHCACHE = (name, s) -> new EhcachePresenceStore(name, s.threshold(), s.maxTracked(), s.clock());

    /** The class implementing {@code store=redis}; it needs Lettuce on the class path. */
    String REDIS_FACTORY = "dev.onlinenow.redis.RedisStoreFactory";

    /**
     * A store named {@code name} ({@code users} or {@code guests}) for these settings.
     *
     * @throws IllegalArgumentException or IllegalStateException when the store cannot start
     */
    PresenceStore create(String name, OnlineNowSettings settings);

    /**
     * Like {@link #create(String, OnlineNowSettings)}, for a store that reports its failures to the
     * index's {@code stats} and its ups and downs to {@code health} (both shared by the web app's
     * stores). The default ignores them: a store that cannot fail has nothing to report.
     */
    default PresenceStore create(String name, OnlineNowSettings settings, OnlineNowStats stats, StoreHealth health) {
        return create(name, settings);
    }

    /**
     * The keeper of the record beyond this server, for stores made by this factory with these
     * settings, telling {@code listener} of higher records; null when the store has none (in-process).
     */
    default RecordKeeper record(OnlineNowSettings settings, RecordKeeper.Listener listener) {
        return null;
    }

    /** The factory for {@code settings.store()}. */
    static StoreFactory forSettings(OnlineNowSettings settings) {
        switch (settings.store()) {
            case REDIS:
                return redis();
            case EHCACHE:
            default:
                return EHCACHE;
        }
    }

    private static StoreFactory redis() {
        try {
            Class<?> c = Class.forName(REDIS_FACTORY, true, StoreFactory.class.getClassLoader());
            return (StoreFactory) c.getConstructor().newInstance();
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("online-now: store=redis is not available in this build of online-now ("
                    + REDIS_FACTORY + " is missing)", e);
        } catch (NoClassDefFoundError e) {
            throw new IllegalStateException("online-now: store=redis needs the Redis client io.lettuce:lettuce-core "
                    + "on the web app's class path (WEB-INF/lib); it is an optional dependency of online-now", e);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("online-now: cannot start " + REDIS_FACTORY, e);
        }
    }
}
