package dev.onlinenow.spring.boot;

import dev.onlinenow.OnlineNowSettings;
import org.junit.jupiter.api.Test;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class OnlineNowSettingsBinderTest {

    private static StandardEnvironment environment(Object... keyValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            map.put((String) keyValues[i], keyValues[i + 1]);
        }
        StandardEnvironment env = new StandardEnvironment();
        env.getPropertySources().addFirst(new MapPropertySource("application.properties", map));
        return env;
    }

    @Test
    void durationsTakeBootsFormIsoAndWholeSeconds() {
        assertThat(OnlineNowSettingsBinder.bind(environment("online-now.threshold", "5m")).threshold())
                .isEqualTo(Duration.ofMinutes(5));
        assertThat(OnlineNowSettingsBinder.bind(environment("online-now.threshold", "PT5M")).threshold())
                .isEqualTo(Duration.ofMinutes(5));
        assertThat(OnlineNowSettingsBinder.bind(environment("online-now.threshold", "900")).threshold())
                .isEqualTo(Duration.ofSeconds(900));
        assertThat(OnlineNowSettingsBinder.bind(environment("online-now.redis-timeout", "750ms")).redisTimeout())
                .isEqualTo(Duration.ofMillis(750));
    }

    @Test
    void relaxedNamesAndListsBindToTheLibrarysKeys() {
        OnlineNowSettings s = OnlineNowSettingsBinder.bind(environment(
                "online-now.max-count", "20",
                "online-now.trackAnonymous", "true",
                "online-now.user-id", "session:SPRING_SECURITY_CONTEXT.authentication.name, principal",
                "online-now.exclude[0]", "/static/*",
                "online-now.exclude[1]", "*.css"));
        assertThat(s.maxCount()).isEqualTo(20);
        assertThat(s.trackAnonymous()).isTrue();
        assertThat(s.userId()).hasToString("session:SPRING_SECURITY_CONTEXT.authentication.name,principal");
        assertThat(s.source()).containsEntry("exclude", "/static/*,*.css");
        // the starter's own keys are not the library's
        assertThat(OnlineNowSettingsBinder.bind(environment("online-now.live.enabled", "true",
                "online-now.filter.order", "5", "online-now.enabled", "true")).source()).isEmpty();
    }

    @Test
    void aBadValueNamesThePropertyTheValueAndWhereItWasSet() {
        OnlineNowConfigurationException e = catchThrowableOfType(OnlineNowConfigurationException.class,
                () -> OnlineNowSettingsBinder.bind(environment("online-now.threshold", "soon")));
        assertThat(e.getMessage()).startsWith("online-now: bad value for 'threshold': \"soon\"");
        assertThat(e.getProperty()).isEqualTo("online-now.threshold");
        assertThat(e.getValue()).isEqualTo("soon");
        assertThat(e.getOrigin()).contains("application.properties");

        FailureAnalysis analysis = new OnlineNowFailureAnalyzer().analyze(new IllegalStateException("Unable to start web server",
                new RuntimeException("Error creating bean with name 'onlineNow'", e)));
        assertThat(analysis.getDescription()).startsWith("online-now: bad value for 'threshold'")
                .contains("Property: online-now.threshold", "Value: \"soon\"", "Origin: ");
        assertThat(analysis.getAction()).contains("online-now.threshold");
    }

    @Test
    void anUnknownPropertyStopsStartUpListingTheKnownOnes() {
        assertThatThrownBy(() -> OnlineNowSettingsBinder.bind(environment("online-now.max-cont", "5")))
                .isInstanceOf(OnlineNowConfigurationException.class)
                .hasMessageContaining("online-now.max-cont").hasMessageContaining("online-now.max-count");
    }

    @Test
    void secretsAreRedactedInTheFailure() {
        OnlineNowConfigurationException e = catchThrowableOfType(OnlineNowConfigurationException.class,
                () -> OnlineNowSettingsBinder.bind(environment("online-now.store", "redis",
                        "online-now.redis-uri", "ftp://user:s3cret@host")));
        assertThat(e.getValue()).doesNotContain("s3cret");
        assertThat(new OnlineNowFailureAnalyzer().analyze(e).getDescription()).doesNotContain("s3cret");
    }

    @Test
    void everyLibraryKeyIsReadFromItsKebabProperty() {
        for (String key : OnlineNowSettings.keys()) {
            assertThat(OnlineNowSettingsBinder.property(key)).startsWith("online-now.").doesNotContainPattern("[A-Z]");
        }
        assertThat(OnlineNowSettingsBinder.property("maxMessagesPerSecond")).isEqualTo("online-now.max-messages-per-second");
        assertThat(List.of(OnlineNowSettingsBinder.isDuration("threshold"), OnlineNowSettingsBinder.isDuration("maxCount")))
                .containsExactly(true, false);
    }

    @Test
    void aFailureWithOnlineNowsOwnMessageIsToldAsItIs() {
        FailureAnalysis a = new OnlineNowFailureAnalyzer().analyze(new RuntimeException("Unable to start web server",
                new IllegalStateException("online-now: the live endpoint needs a Jakarta WebSocket server, and this web app has none")));
        assertThat(a.getDescription()).startsWith("online-now: the live endpoint needs");
        assertThat(a.getAction()).contains("spring-boot-starter-websocket");
        assertThat(new OnlineNowFailureAnalyzer().analyze(new IllegalStateException("something else"))).isNull();
    }
}
