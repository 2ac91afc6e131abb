package dev.onlinenow.spring.boot;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The starter's own properties. The library's settings ({@code online-now.threshold},
 * {@code online-now.max-count}, ... every key of README.md's settings table) are bound by
 * {@link OnlineNowSettingsBinder} from the same prefix, generically, so a key the library adds
 * needs no change here; their IDE metadata is in
 * {@code META-INF/additional-spring-configuration-metadata.json}.
 */
@ConfigurationProperties(prefix = "online-now")
public class OnlineNowProperties {

    /** Whether online-now is configured at all (the filter, the index, its meters and health). */
    private boolean enabled = true;

    private final Live live = new Live();

    private final Filter filter = new Filter();

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public Live getLive() {
        return live;
    }

    public Filter getFilter() {
        return filter;
    }

    public static class Live {

        /**
         * Whether to register the live WebSocket endpoint (presence and cursors, at wsPath, default
         * /online-now/ws). Needs a Jakarta WebSocket server: spring-boot-starter-websocket.
         */
        private boolean enabled;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }
    }

    public static class Filter {

        /**
         * Order of online-now's filter registration. The default puts it after Spring Security's
         * chain (spring.security.filter.order, -100 by default) and Spring Session's filter, so
         * every way of signing in is seen, and before the app's own filters of default order.
         */
        private int order = OnlineNowAutoConfiguration.DEFAULT_FILTER_ORDER;

        public int getOrder() {
            return order;
        }

        public void setOrder(int order) {
            this.order = order;
        }
    }
}
