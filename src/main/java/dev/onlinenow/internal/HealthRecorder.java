package dev.onlinenow.internal;

import dev.onlinenow.store.StoreHealth;

import java.util.function.Function;

/**
 * Not an API: the write side of {@link StoreHealth}, for the library's own stores. An app reads
 * the health ({@code OnlineNow.storeHealth()}, the MBean, the meters); the stores report through
 * the recorder behind it, reached with {@link #of}.
 */
public interface HealthRecorder {

    /** The store answers again. */
    void up();

    /** The store stopped answering; the first call of an outage sets the time it went down. */
    void down(Throwable cause);

    /** The servers alive, as the last liveness check saw them. */
    void nodesAlive(int n);

    /** The recorder behind this health. */
    static HealthRecorder of(StoreHealth health) {
        return health == null ? null : Access.reader.apply(health);
    }

    /** Called once, by {@link StoreHealth} as it loads: how to reach an instance's recorder. */
    static void install(Function<StoreHealth, HealthRecorder> access) {
        synchronized (Access.class) {
            if (Access.reader == null) {
                Access.reader = access;
            }
        }
    }

    /** Where {@link #install} keeps it. */
    final class Access {
        static volatile Function<StoreHealth, HealthRecorder> reader;

        private Access() {
        }
    }
}
