package dev.onlinenow;

import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContext;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One configuration however it is written (CONTRACT section 1): the settings of a web app are the
 * init-params of its {@link OnlineNowFilter} registrations together with its {@code online-now.*}
 * context-params. The same key in two places is fine when the value is the same; two different
 * values for one key stop start-up with a message naming both places.
 *
 * <p>The live listener starts before any filter, so it cannot wait for the filter to say its
 * init-params; it reads them from the context's filter registrations, which a Servlet 3.0+
 * container lists (with their init-params) before any filter starts. The filter builds the same
 * configuration the same way, so whichever starts first, both agree.
 */
final class WebXmlSettings {

    /** One place where settings are written: a filter's init-params, or the context-params. */
    record Place(String filterName, Map<String, String> values) {

        static Place contextParams(Map<String, String> values) {
            return new Place(null, values);
        }

        static Place filter(String name, Map<String, String> values) {
            return new Place(name, values);
        }

        /** How a message names where {@code key} was written. */
        String where(String key) {
            return filterName == null ? "context-param " + OnlineNowSettings.CONTEXT_PARAM_PREFIX + key
                    : "filter " + filterName + "'s init-param";
        }
    }

    private WebXmlSettings() {
    }

    /**
     * Every place of this web app: the init-params of each {@link OnlineNowFilter} registration
     * (by filter name), then the context-params. {@code ownName}/{@code ownParams}, when {@code ownParams} is not
     * null, are a starting filter's own FilterConfig, which stand for its registration.
     */
    static List<Place> places(ServletContext context, String ownName, Map<String, String> ownParams) {
        Map<String, Map<String, String>> filters = new TreeMap<>();
        for (Map.Entry<String, ? extends FilterRegistration> e : filterRegistrations(context).entrySet()) {
            FilterRegistration r = e.getValue();
            if (r != null && isOnlineNowFilter(r.getClassName(), context)) {
                Map<String, String> params = r.getInitParameters();
                filters.put(e.getKey(), params == null ? Map.of() : params);
            }
        }
        if (ownParams != null) {
            filters.put(ownName != null ? ownName : OnlineNowFilter.class.getSimpleName(), ownParams);
        }
        List<Place> out = new ArrayList<>();
        filters.forEach((name, params) -> out.add(Place.filter(name, params)));
        out.add(Place.contextParams(OnlineNow.contextParams(context)));
        return out;
    }

    /**
     * The one configuration of these places, as named string values.
     *
     * @throws IllegalArgumentException for an unknown key or a bad value in any place, or when one
     *         key has two different values, naming both places
     */
    static Map<String, String> merge(List<Place> places) {
        for (Place place : places) {
            OnlineNowSettings.builder().apply(place.values()); // every value valid where it is written
        }
        Map<String, String> merged = new TreeMap<>();
        Map<String, Place> from = new LinkedHashMap<>();
        for (Place place : places) {
            for (Map.Entry<String, String> e : new TreeMap<>(place.values()).entrySet()) {
                String key = e.getKey();
                String value = e.getValue();
                if (value == null) {
                    continue;
                }
                Place earlier = from.get(key);
                if (earlier == null) {
                    merged.put(key, value);
                    from.put(key, place);
                } else if (!OnlineNowSettings.sameValue(key, merged.get(key), value)) {
                    throw new IllegalArgumentException("online-now: " + key + " is "
                            + OnlineNowSettings.redact(merged.get(key)) + " as " + earlier.where(key) + " but "
                            + OnlineNowSettings.redact(value) + " as " + place.where(key)
                            + "; write it once, or the same value in both places");
                }
            }
        }
        return merged;
    }

    /** The web app's configuration: {@link #merge merged} from every place. */
    static Map<String, String> of(ServletContext context) {
        return merge(places(context, null, null));
    }

    /* A listener added in code by a ServletContainerInitializer gets a context that may refuse
     * getFilterRegistrations (Servlet spec 4.4); then only the context-params are seen here, and a
     * filter with different init-params says so when it starts. */
    private static Map<String, ? extends FilterRegistration> filterRegistrations(ServletContext context) {
        try {
            Map<String, ? extends FilterRegistration> r = context.getFilterRegistrations();
            return r == null ? Map.of() : r;
        } catch (UnsupportedOperationException restricted) {
            return Map.of();
        }
    }

    /* By class name, and a subclass when the web app's loader has it (loaded, not initialized). */
    private static boolean isOnlineNowFilter(String className, ServletContext context) {
        if (className == null) {
            return false;
        }
        if (className.equals(OnlineNowFilter.class.getName())) {
            return true;
        }
        try {
            ClassLoader loader = context.getClassLoader();
            Class<?> c = Class.forName(className, false, loader != null ? loader : OnlineNowFilter.class.getClassLoader());
            return OnlineNowFilter.class.isAssignableFrom(c);
        } catch (ClassNotFoundException | LinkageError | SecurityException | UnsupportedOperationException e) {
            return false;
        }
    }
}
