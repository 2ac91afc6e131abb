package dev.onlinenow;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OnlineNowSettingsTest {

    @Test
    void defaultsAreThoseOfTheContract() {
        OnlineNowSettings s = OnlineNowSettings.defaults();
        assertThat(s.threshold()).isEqualTo(Duration.ofMinutes(15));
        assertThat(s.maxCount()).isEqualTo(50);
        assertThat(s.userId().isPrincipal()).isTrue();
        assertThat(s.trackAnonymous()).isFalse();
        assertThat(s.exclude().isEmpty()).isTrue();
        assertThat(s.store()).isEqualTo(OnlineNowSettings.StoreKind.EHCACHE);
        assertThat(s.redisUri()).hasToString("redis://localhost:6379");
        assertThat(s.wsPath()).isEqualTo("/online-now/ws");
        assertThat(s.compression()).isEqualTo(OnlineNowSettings.Compression.OFF);
    }

    @Test
    void thresholdTakesIso8601OrWholeSeconds() {
        assertThat(OnlineNowSettings.parse(Map.of("threshold", "PT5M")).threshold()).isEqualTo(Duration.ofMinutes(5));
        assertThat(OnlineNowSettings.parse(Map.of("threshold", "900")).threshold()).isEqualTo(Duration.ofMinutes(15));
        assertThat(OnlineNowSettings.parse(Map.of("threshold", " pt1h ")).threshold()).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void everyContractKeyParses() {
        OnlineNowSettings s = OnlineNowSettings.parse(Map.of(
                "threshold", "PT10M", "maxCount", "20", "userId", "session:user.login", "trackAnonymous", "true",
                "exclude", "/static/*, *.css,/health", "store", "ehcache", "redisUri", "redis://cache:6380/2"));
        assertThat(s.maxCount()).isEqualTo(20);
        assertThat(s.userId()).hasToString("session:user.login");
        assertThat(s.trackAnonymous()).isTrue();
        assertThat(s.exclude().matches("/static/app.js")).isTrue();
        assertThat(s.exclude().matches("/static")).isTrue();
        assertThat(s.exclude().matches("/css/site.css")).isTrue();
        assertThat(s.exclude().matches("/health")).isTrue();
        assertThat(s.exclude().matches("/healthz")).isFalse();
        assertThat(s.exclude().matches("/index.jsp")).isFalse();
        assertThat(s.redisUri()).hasToString("redis://cache:6380/2");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "threshold|15 minutes|an ISO-8601 duration",
            "threshold|0|at least 1 second",
            "maxCount|0|a whole number from 1 to 10000",
            "maxCount|fifty|a whole number from 1 to 10000",
            "userId|cookie:id|principal, or session:NAME",
            "trackAnonymous|yes|true or false",
            "exclude|static/**|comma-separated path patterns",
            "store|memcached|ehcache or redis",
            "redisUri|http://localhost|a Redis URI",
            "redisUri|redis://a:7000,http://b:7001|for a Redis Cluster one or more redis:// or rediss:// URIs",
            "redisUri|redis://a:7000,redis-sentinel://b:26379|for a Redis Cluster one or more redis:// or rediss:// URIs",
            "redisUri|redis://a:7000,redis-socket:///tmp/r.sock|for a Redis Cluster one or more redis:// or rediss:// URIs",
            "resolver|not a class|fully qualified name",
            "cursorTick|PT5S|from 10 ms to 1 s",
            "compression|gzip|off or permessage-deflate",
            "compression|on|off or permessage-deflate",
    })
    void aBadValueNamesTheKeyTheValueAndWhatIsAllowed(String key, String value, String allowed) {
        assertThatThrownBy(() -> OnlineNowSettings.parse(Map.of(key, value)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + key + "'")
                .hasMessageContaining("\"" + value + "\"")
                .hasMessageContaining(allowed);
    }

    @Test
    void redisUriNamesOneServerOrSeveralNodesOfACluster() {
        assertThat(OnlineNowSettings.parse(Map.of("redisUri", "redis://10.0.0.1:7000,redis://10.0.0.2:7001")).redisUri())
                .hasToString("redis://10.0.0.1:7000,redis://10.0.0.2:7001");
        // spaces after the commas are allowed and dropped
        assertThat(OnlineNowSettings.parse(Map.of("redisUri", "rediss://:pw@a:7000 , rediss://:pw@b:7001")).redisUri())
                .hasToString("rediss://:pw@a:7000,rediss://:pw@b:7001");
        // a Sentinel URI's own commas separate its sentinels: still one URI
        assertThat(OnlineNowSettings.parse(Map.of("redisUri", "redis-sentinel://s1:26379,s2:26379/0#mymaster")).redisUri())
                .hasToString("redis-sentinel://s1:26379,s2:26379/0#mymaster");
        assertThat(OnlineNowSettings.builder().redisUri(java.net.URI.create("redis://a:7000,redis://b:7001")).build()
                .redisUri()).hasToString("redis://a:7000,redis://b:7001");
    }

    @Test
    void aBadClusterUriListNamesTheKeyButNoPassword() {
        assertThatThrownBy(() -> OnlineNowSettings.parse(Map.of("redisUri", "redis://:s3cret@a:7000,http://:s3cret@b:7001")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'redisUri'")
                .hasMessageContaining("redis://***@a:7000")
                .hasMessageNotContaining("s3cret");
    }

    @Test
    void compressionIsOffOrPermessageDeflate() {
        assertThat(OnlineNowSettings.parse(Map.of("compression", "permessage-deflate")).compression())
                .isEqualTo(OnlineNowSettings.Compression.PERMESSAGE_DEFLATE);
        assertThat(OnlineNowSettings.parse(Map.of("compression", "OFF")).compression())
                .isEqualTo(OnlineNowSettings.Compression.OFF);
    }

    @Test
    void anUnknownKeyIsRefusedWithTheKnownOnes() {
        assertThatThrownBy(() -> OnlineNowSettings.parse(Map.of("treshold", "PT5M")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown setting 'treshold'")
                .hasMessageContaining("\"PT5M\"")
                .hasMessageContaining("threshold, maxCount");
    }

    @Test
    void heartbeatTimeoutMustOutlastThePingInterval() {
        assertThatThrownBy(() -> OnlineNowSettings.parse(Map.of("pingInterval", "PT30S", "heartbeatTimeout", "PT20S")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'heartbeatTimeout'")
                .hasMessageContaining("pingInterval");
    }

    @Test
    void sourceRemembersWhatWasSet() {
        OnlineNowSettings s = OnlineNowSettings.parse(Map.of("maxCount", " 7 "));
        assertThat(s.source()).containsExactly(Map.entry("maxCount", "7"));
    }

    @Test
    void userIdSourcesAreTriedInOrder() {
        UserIdSource source = OnlineNowSettings.parse(Map.of("userId", "session:user, principal")).userId();
        assertThat(source).hasToString("session:user,principal");
        assertThat(source.isPrincipal()).isFalse();
        java.security.Principal admin = () -> "admin";
        assertThat(source.userId(admin, null)).isEqualTo("admin");
        assertThat(source.userId(null, null)).isNull();
    }
}
