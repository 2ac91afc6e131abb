package dev.onlinenow.spring.boot;

import dev.onlinenow.OnlineNowSettings;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.core.env.Environment;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Builds {@link OnlineNowSettings} from the {@code online-now.*} properties: each key of the
 * library ({@link OnlineNowSettings#keys()}) is read as {@code online-now.KEY} with Spring Boot's
 * relaxed binding ({@code online-now.max-count}, {@code online-now.maxCount},
 * {@code ONLINENOW_MAXCOUNT}, YAML lists for comma-separated values), handed to the library as
 * the string a web.xml would carry, and checked by the library alone: one list of keys, one
 * validation, the same messages. Durations also take Boot's form ({@code 5m}, {@code 30s},
 * {@code 500ms}) beside ISO-8601 ({@code PT5M}) and whole seconds ({@code 900}, as in web.xml).
 * A property under {@code online-now.} that is neither a library key nor one of the starter's own
 * ({@code enabled}, {@code live.*}, {@code filter.*}) stops start-up, as an unknown init-param does.
 */
public final class OnlineNowSettingsBinder {

    static final String PREFIX = "online-now";
    private static final ConfigurationPropertyName ROOT = ConfigurationPropertyName.of(PREFIX);
    /** The starter's own keys under the prefix (OnlineNowProperties), in uniform form. */
    private static final Set<String> STARTER_KEYS = Set.of("enabled", "live", "filter");
    private static final Pattern BOOT_DURATION = Pattern.compile("[+-]?\\d+(ns|us|ms|s|m|h|d)", Pattern.CASE_INSENSITIVE);

    private OnlineNowSettingsBinder() {
    }

    /** The property a library key is read from, as the docs and the IDE show it: {@code maxCount} is {@code online-now.max-count}. */
    public static String property(String key) {
        return PREFIX + "." + kebab(key);
    }

    static String kebab(String key) {
        StringBuilder out = new StringBuilder(key.length() + 4);
        for (char c : key.toCharArray()) {
            if (Character.isUpperCase(c)) {
                out.append('-').append(Character.toLowerCase(c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** True for keys whose values are durations (so {@code 5m} is accepted). */
    static boolean isDuration(String key) {
        String allowed = OnlineNowSettings.allowedValues(key);
        return allowed != null && allowed.toLowerCase(Locale.ROOT).contains("duration");
    }

    /**
     * The settings the environment gives.
     *
     * @throws OnlineNowConfigurationException naming the property, its value and where it was set
     */
    public static OnlineNowSettings bind(Environment environment) {
        rejectUnknown(environment);
        Binder binder = Binder.get(environment);
        OnlineNowSettings.Builder builder = OnlineNowSettings.builder();
        for (Map.Entry<String, String> e : values(binder).entrySet()) {
            String key = e.getKey();
            try {
                builder.set(key, e.getValue());
            } catch (IllegalArgumentException bad) {
                String property = property(key);
                throw new OnlineNowConfigurationException(bad.getMessage(), property,
                        OnlineNowSettings.redact(e.getValue()), origin(environment, property), bad);
            }
        }
        try {
            return builder.build();
        } catch (IllegalArgumentException bad) {
            throw new OnlineNowConfigurationException(bad.getMessage(), PREFIX + ".*", null, null, bad);
        }
    }

    /** The library's keys that are set, as the strings the library parses, in its key order. */
    static Map<String, String> values(Binder binder) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String key : OnlineNowSettings.keys()) {
            binder.bind(property(key), Bindable.listOf(String.class)).ifBound(list -> {
                String value = String.join(",", list).trim();
                if (isDuration(key) && BOOT_DURATION.matcher(value).matches()) {
                    value = DurationStyle.SIMPLE.parse(value).toString();
                }
                out.put(key, value);
            });
        }
        return out;
    }

    private static void rejectUnknown(Environment environment) {
        Set<String> known = new TreeSet<>(STARTER_KEYS);
        for (String key : OnlineNowSettings.keys()) {
            known.add(key.toLowerCase(Locale.ROOT));
        }
        for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
            if (!(source instanceof IterableConfigurationPropertySource iterable)) {
                continue;
            }
            for (ConfigurationPropertyName name : (Iterable<ConfigurationPropertyName>) iterable.stream()::iterator) {
                if (!ROOT.isAncestorOf(name)) {
                    continue;
                }
                String first = name.getElement(1, ConfigurationPropertyName.Form.UNIFORM);
                if (!known.contains(first)) {
                    ConfigurationProperty p = source.getConfigurationProperty(name);
                    String value = p == null || p.getValue() == null ? null : OnlineNowSettings.redact(p.getValue().toString());
                    List<String> keys = OnlineNowSettings.keys().stream().map(OnlineNowSettingsBinder::property).toList();
                    throw new OnlineNowConfigurationException("online-now: unknown property '" + name + "' (value \""
                            + value + "\"); known are " + String.join(", ", keys) + ", and online-now.enabled, "
                            + "online-now.live.enabled, online-now.filter.order", name.toString(), value,
                            p == null || p.getOrigin() == null ? null : p.getOrigin().toString(), null);
                }
            }
        }
    }

    private static String origin(Environment environment, String property) {
        ConfigurationPropertyName name = ConfigurationPropertyName.of(property);
        for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
            ConfigurationProperty p = source.getConfigurationProperty(name);
            if (p == null) {
                // a list given item by item (YAML), or another spelling the source adapts
                continue;
            }
            return p.getOrigin() == null ? null : p.getOrigin().toString();
        }
        return null;
    }
}
