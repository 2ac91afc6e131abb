package dev.onlinenow.spring.boot;

/**
 * A bad {@code online-now.*} property (or an unknown one), found when the starter builds the
 * {@link dev.onlinenow.OnlineNow} bean: start-up stops, and {@link OnlineNowFailureAnalyzer} shows
 * online-now's own message with the property, its value (secrets redacted) and where it was set.
 */
public class OnlineNowConfigurationException extends RuntimeException {

    private final String property;
    private final String value;
    private final String origin;

    OnlineNowConfigurationException(String message, String property, String value, String origin, Throwable cause) {
        super(message, cause);
        this.property = property;
        this.value = value;
        this.origin = origin;
    }

    /** The property, as {@code online-now.key}. */
    public String getProperty() {
        return property;
    }

    /** Its value, redacted as online-now logs values (user and password of a URI shown as ***). */
    public String getValue() {
        return value;
    }

    /** Where it was set ("class path resource [application.properties] - 3:22"), or null. */
    public String getOrigin() {
        return origin;
    }
}
