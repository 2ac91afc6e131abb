package dev.onlinenow.spring.boot;

import dev.onlinenow.OnlineNow;
import dev.onlinenow.store.StoreHealth;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What online-now's health contributor ({@code onlineNow} under {@code /actuator/health}) says, the
 * same for Boot 3 and Boot 4: DOWN while the store does not answer (Redis down: this server counts
 * alone, README "Several servers"), UP otherwise, with the counts and the store as details. Put it
 * in a health group of its own if a Redis outage must not take the app out of a load balancer.
 */
final class OnlineNowHealth {

    private OnlineNowHealth() {
    }

    static boolean up(OnlineNow online) {
        return !online.isClosed() && online.storeHealth().isUp();
    }

    static Map<String, Object> details(OnlineNow online) {
        StoreHealth store = online.storeHealth();
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("store", store.store());
        d.put("online", online.count());
        d.put("guests", online.guestCount());
        if (!store.isUp()) {
            d.put("countingAlone", store.countingAlone());
            store.downSince().ifPresent(since -> d.put("downSince", since.toString()));
            if (store.cause() != null) {
                d.put("cause", store.cause());
            }
        }
        if (store.nodesAlive() >= 0) {
            d.put("nodesAlive", store.nodesAlive());
        }
        return d;
    }
}
