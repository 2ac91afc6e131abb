package dev.onlinenow.live;

import dev.onlinenow.OnlineNowSettings;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class OriginCheckTest {

    static final OriginPolicy SAME_ORIGIN = OriginPolicy.of(OnlineNowSettings.builder().build());

    /** Headers of a handshake, as name/value pairs. */
    static Map<String, List<String>> headers(String... nameValue) {
        Map<String, List<String>> h = new LinkedHashMap<>();
        for (int i = 0; i < nameValue.length; i += 2) {
            h.computeIfAbsent(nameValue[i], k -> new java.util.ArrayList<>()).add(nameValue[i + 1]);
        }
        return h;
    }

    @Test
    void defaultIsTheRequestsOwnOrigin() {
        OriginPolicy d = SAME_ORIGIN;
        assertThat(d.allows("https://shop.example", "shop.example", "wss")).isTrue();
        assertThat(d.allows("https://Shop.Example", "shop.example", "wss")).isTrue();
        assertThat(d.allows("http://shop.example:8080", "shop.example:8080", "ws")).isTrue();
        assertThat(d.allows("http://shop.example", "shop.example:80", "ws")).isTrue();
        assertThat(d.allows("https://shop.example:443", "shop.example", "wss")).isTrue();
        assertThat(d.allows("https://shop.example", "shop.example:443", "wss")).isTrue();
        assertThat(d.allows("https://evil.example", "shop.example", "wss")).isFalse();
        assertThat(d.allows("https://shop.example.evil.example", "shop.example", "wss")).isFalse();
        assertThat(d.allows("http://shop.example:8081", "shop.example:8080", "ws")).isFalse();
        assertThat(d.allows("null", "shop.example", "wss")).isFalse();
        assertThat(d.allows(null, "shop.example", "wss")).as("no Origin header").isFalse();
        assertThat(d.allows("https://shop.example", null, "wss")).isFalse();
    }

    @Test
    void theSchemeMustMatchTheRequests() {
        OriginPolicy d = SAME_ORIGIN;
        assertThat(d.allows("http://shop.example", "shop.example", "wss")).as("an http page for a wss request").isFalse();
        assertThat(d.allows("https://shop.example", "shop.example", "ws")).as("an https page for a ws request").isFalse();
        assertThat(d.allows("https://shop.example:80", "shop.example:80", "ws")).isFalse();
        assertThat(d.allows("http://shop.example", "shop.example", "http")).as("a container that says http").isTrue();
        assertThat(d.allows("https://shop.example", "shop.example", "https")).isTrue();
        assertThat(d.allows("ftp://shop.example", "shop.example", "ws")).isFalse();
        assertThat(d.allows("https://shop.example", "shop.example", null)).as("scheme unknown: host and port only")
                .isTrue();
        assertThat(d.allows("http://shop.example", "shop.example:443", null)).isFalse();
    }

    @Test
    void configuredOriginsOnly() {
        OriginPolicy list = new OriginPolicy(List.of("https://a.example", "http://b.example:8080"), false);
        assertThat(list.allows("https://a.example", "internal:8080", "ws")).isTrue();
        assertThat(list.allows("https://a.example:443", "internal:8080", "ws")).isTrue();
        assertThat(list.allows("HTTP://B.EXAMPLE:8080", "internal:8080", "ws")).isTrue();
        assertThat(list.allows("https://internal:8080", "internal:8080", "wss")).as("own origin not implied").isFalse();
        assertThat(list.allows(null, "internal:8080", "ws")).isFalse();
    }

    @Test
    void starAllowsAny() {
        OriginPolicy any = new OriginPolicy(List.of("*"), false);
        assertThat(any.allows("https://anything.example", "shop.example", "ws")).isTrue();
        assertThat(any.allows(null, "shop.example", "ws")).isTrue();
        assertThat(any.allows(headers(), null)).isTrue();
    }

    @Test
    void forwardedHeadersAreIgnoredUnlessTrusted() {
        Map<String, List<String>> h = headers("Origin", "https://shop.example", "Host", "app-1:8080",
                "X-Forwarded-Host", "shop.example", "X-Forwarded-Proto", "https");
        assertThat(SAME_ORIGIN.allows(h, "ws")).as("off by default").isFalse();
        OriginPolicy trusting = new OriginPolicy(List.of(), true);
        assertThat(trusting.allows(h, "ws")).isTrue();
        assertThat(trusting.allows(headers("Origin", "https://evil.example", "Host", "app-1:8080",
                "X-Forwarded-Host", "shop.example", "X-Forwarded-Proto", "https"), "ws")).isFalse();
        assertThat(trusting.allows(headers("Origin", "http://shop.example", "Host", "app-1:8080",
                "X-Forwarded-Host", "shop.example", "X-Forwarded-Proto", "https"), "ws")).as("scheme from the proxy")
                .isFalse();
        assertThat(trusting.allows(headers("Origin", "http://app-1:8080", "Host", "app-1:8080"), "ws"))
                .as("no forwarded headers: the request's own").isTrue();
        assertThat(trusting.allows(headers("Origin", "https://shop.example", "Host", "app-1:8080",
                "x-forwarded-host", "evil.example, shop.example", "x-forwarded-proto", "http, https"), "ws"))
                .as("of a list, the last entry: the one the nearest proxy set").isTrue();
        assertThat(trusting.allows(headers("Origin", "https://shop.example:8443", "Host", "app-1:8080",
                "X-Forwarded-Host", "shop.example:8443", "X-Forwarded-Proto", "https"), "ws")).isTrue();
    }

    @Test
    void forwardedPerRfc7239() {
        OriginPolicy trusting = new OriginPolicy(List.of(), true);
        assertThat(trusting.allows(headers("Origin", "https://shop.example", "Host", "app-1:8080",
                "Forwarded", "for=192.0.2.60;proto=https;host=shop.example"), "ws")).isTrue();
        assertThat(trusting.allows(headers("Origin", "https://shop.example:8443", "Host", "app-1:8080",
                "Forwarded", "for=\"[2001:db8::1]\";Proto=HTTPS;Host=\"shop.example:8443\""), "ws")).isTrue();
        assertThat(trusting.allows(headers("Origin", "https://shop.example", "Host", "app-1:8080",
                "Forwarded", "host=evil.example;proto=http, for=192.0.2.60;proto=https;host=shop.example"), "ws"))
                .as("the last element").isTrue();
        assertThat(trusting.allows(headers("Origin", "https://shop.example", "Host", "app-1:8080",
                "Forwarded", "for=192.0.2.60;proto=https;host=evil.example",
                "X-Forwarded-Host", "shop.example"), "ws")).as("Forwarded wins over X-Forwarded-*").isFalse();
        assertThat(trusting.allows(headers("Origin", "https://shop.example", "Host", "shop.example",
                "Forwarded", "for=192.0.2.60;proto=https"), "ws")).as("host from Host, proto from Forwarded").isTrue();
    }

    @Test
    void severalOriginOrHostHeadersAreRefused() {
        assertThat(SAME_ORIGIN.allows(headers("Origin", "http://a.example", "Origin", "http://a.example",
                "Host", "a.example"), "ws")).isFalse();
        assertThat(SAME_ORIGIN.allows(headers("Origin", "http://a.example", "Host", "a.example", "Host", "b.example"),
                "ws")).isFalse();
    }
}
