package dev.onlinenow.store;

import dev.onlinenow.MutableClock;
import dev.onlinenow.internal.HealthRecorder;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class StoreHealthTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

    @Test
    void downSinceIsTheOutagesStartAndTheCauseHidesPasswords() {
        StoreHealth health = new StoreHealth("redis", clock);
        HealthRecorder store = HealthRecorder.of(health); // what the library's stores write through
        assertThat(health.isUp()).isTrue();
        assertThat(health.downSince()).isEmpty();
        store.down(new IllegalStateException("connection refused: redis://:secret@db:6379"));
        assertThat(health.isUp()).isFalse();
        assertThat(health.countingAlone()).isTrue();
        assertThat(health.downSince()).contains(clock.instant());
        assertThat(health.cause()).contains("connection refused").doesNotContain("secret");
        assertThat(health.nodesAlive()).as("down: this server alone").isEqualTo(1);
        clock.advance(Duration.ofSeconds(5));
        store.down(new IllegalStateException("again"));
        assertThat(health.downSince()).as("the outage's start").contains(clock.instant().minusSeconds(5));
        store.up();
        assertThat(health.downSince()).isEmpty();
        assertThat(health.cause()).isNull();
        assertThat(health.nodesAlive()).as("not measured").isEqualTo(-1);
        store.nodesAlive(3);
        assertThat(health.nodesAlive()).isEqualTo(3);
    }

    @Test
    void anInProcessStoreIsUpAndAlone() {
        StoreHealth h = StoreHealth.inProcess("ehcache");
        assertThat(h.isUp()).isTrue();
        assertThat(h.countingAlone()).isFalse();
        assertThat(h.nodesAlive()).isEqualTo(1);
        assertThat(h.store()).isEqualTo("ehcache");
    }
}
