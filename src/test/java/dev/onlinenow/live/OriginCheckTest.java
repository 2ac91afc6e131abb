package dev.onlinenow.live;

import dev.onlinenow.OnlineNow;
import dev.onlinenow.OnlineNowSettings;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

class OriginCheckTest {

    static boolean allowed(UnaryOperator<OnlineNowSettings.Builder> s, String origin, String host) {
        try (OnlineNow online = OnlineNow.inProcess(s.apply(OnlineNowSettings.builder()).build());
             LivePresence live = LivePresence.builder(online).autoTick(false).build()) {
            return live.originAllowed(origin, host);
        }
    }

    @Test
    void defaultIsTheRequestsOwnOrigin() {
        UnaryOperator<OnlineNowSettings.Builder> d = b -> b;
        assertThat(allowed(d, "https://shop.example", "shop.example")).isTrue();
        assertThat(allowed(d, "https://Shop.Example", "shop.example")).isTrue();
        assertThat(allowed(d, "http://shop.example:8080", "shop.example:8080")).isTrue();
        assertThat(allowed(d, "http://shop.example", "shop.example:80")).isTrue();
        assertThat(allowed(d, "https://shop.example:443", "shop.example")).isTrue();
        assertThat(allowed(d, "https://evil.example", "shop.example")).isFalse();
        assertThat(allowed(d, "https://shop.example.evil.example", "shop.example")).isFalse();
        assertThat(allowed(d, "http://shop.example:8081", "shop.example:8080")).isFalse();
        assertThat(allowed(d, "null", "shop.example")).isFalse();
        assertThat(allowed(d, null, "shop.example")).as("no Origin header").isFalse();
        assertThat(allowed(d, "https://shop.example", null)).isFalse();
    }

    @Test
    void configuredOriginsOnly() {
        UnaryOperator<OnlineNowSettings.Builder> list =
                b -> b.allowedOrigins(List.of("https://a.example", "http://b.example:8080"));
        assertThat(allowed(list, "https://a.example", "internal:8080")).isTrue();
        assertThat(allowed(list, "HTTP://B.EXAMPLE:8080", "internal:8080")).isTrue();
        assertThat(allowed(list, "https://internal:8080", "internal:8080")).as("own origin not implied").isFalse();
        assertThat(allowed(list, null, "internal:8080")).isFalse();
    }

    @Test
    void starAllowsAny() {
        UnaryOperator<OnlineNowSettings.Builder> any = b -> b.allowedOrigins(List.of("*"));
        assertThat(allowed(any, "https://anything.example", "shop.example")).isTrue();
        assertThat(allowed(any, null, "shop.example")).isTrue();
    }
}
