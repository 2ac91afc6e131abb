package dev.onlinenow;

import dev.onlinenow.internal.StatsRecorder;
import dev.onlinenow.live.LivePresence;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.servlet.ServletContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

/** The Micrometer meters read the index's stats and health, with one tag value per reason. */
class OnlineNowMetricsTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final OnlineNow online = OnlineNow.inProcess(OnlineNowSettings.builder().clock(clock)
            .threshold(Duration.ofMinutes(15)).build());
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @AfterEach
    void close() {
        online.close();
        registry.close();
    }

    private double gauge(String name) {
        return registry.get(name).gauge().value();
    }

    private double counter(String name, String... tags) {
        return registry.get(name).tags(tags).functionCounter().count();
    }

    @Test
    void gaugesShowWhoIsOnlineAndTheLiveLayer() {
        try (LivePresence live = LivePresence.builder(online).autoTick(false).build()) {
            new OnlineNowMetrics(online, live).bindTo(registry);
            assertThat(gauge("onlinenow.users.online")).isZero();
            online.touch("alice");
            online.touch("bob");
            online.touchGuest("g1");
            assertThat(gauge("onlinenow.users.online")).isEqualTo(2);
            assertThat(gauge("onlinenow.guests.online")).isEqualTo(1);
            assertThat(gauge("onlinenow.live.connections")).isZero();
            assertThat(gauge("onlinenow.live.rooms")).isZero();
            assertThat(gauge("onlinenow.nodes.alive")).as("in-process: this server").isEqualTo(1);
            assertThat(gauge("onlinenow.store.up")).isEqualTo(1);
            clock.advance(Duration.ofMinutes(16));
            assertThat(gauge("onlinenow.users.online")).as("past the threshold").isZero();
        }
    }

    @Test
    void countersHaveOneSeriesPerReasonAndCountOnlyTheirOwn() {
        new OnlineNowMetrics(online, null).bindTo(registry);
        StatsRecorder s = StatsRecorder.of(online.stats()); // what the library writes through
        for (OnlineNowStats.LeaveReason r : OnlineNowStats.LeaveReason.values()) {
            assertThat(counter("onlinenow.live.leaves", "reason", r.tag())).as(r.tag()).isZero();
        }
        s.joined();
        s.joined();
        s.left(OnlineNowStats.LeaveReason.CLOSED);
        s.left(OnlineNowStats.LeaveReason.HEARTBEAT_TIMEOUT);
        s.left(OnlineNowStats.LeaveReason.HEARTBEAT_TIMEOUT);
        s.left(OnlineNowStats.LeaveReason.SESSION_ENDED);
        s.dropped(OnlineNowStats.DropReason.TOO_SLOW);
        s.dropped(OnlineNowStats.DropReason.RATE_LIMITED);
        s.dropped(OnlineNowStats.DropReason.RATE_LIMITED);
        s.dropped(OnlineNowStats.DropReason.BAD_FRAMES);
        s.redisFailure();
        s.cursorFrameMerged();
        s.cursorFrameMerged();
        s.cursorFrameMerged();

        assertThat(counter("onlinenow.live.joins")).isEqualTo(2);
        assertThat(counter("onlinenow.live.leaves", "reason", "closed")).isEqualTo(1);
        assertThat(counter("onlinenow.live.leaves", "reason", "heartbeat_timeout")).isEqualTo(2);
        assertThat(counter("onlinenow.live.leaves", "reason", "session_ended")).isEqualTo(1);
        assertThat(counter("onlinenow.live.leaves", "reason", "node_down")).isZero();
        assertThat(counter("onlinenow.live.connections.dropped", "reason", "too_slow")).isEqualTo(1);
        assertThat(counter("onlinenow.live.connections.dropped", "reason", "rate_limited")).isEqualTo(2);
        assertThat(counter("onlinenow.live.connections.dropped", "reason", "bad_frames")).isEqualTo(1);
        assertThat(counter("onlinenow.live.connections.dropped", "reason", "limits")).isZero();
        assertThat(counter("onlinenow.redis.failures")).isEqualTo(1);
        assertThat(counter("onlinenow.live.cursors.merged")).isEqualTo(3);
        assertThat(registry.get("onlinenow.live.leaves").functionCounters()).hasSize(4);
        assertThat(registry.get("onlinenow.live.connections.dropped").functionCounters()).hasSize(4);
    }

    @Test
    void refusalsGetOneCounterPerCodeFromTheFirstOneCounted() {
        StatsRecorder.of(online.stats()).refused("bad_json"); // before binding
        new OnlineNowMetrics(online, null).bindTo(registry);
        StatsRecorder.of(online.stats()).refused("bad_json");
        StatsRecorder.of(online.stats()).refused("rate_limited");
        StatsRecorder.of(online.stats()).refused("rate_limited");
        StatsRecorder.of(online.stats()).refused("rate_limited");
        StatsRecorder.of(online.stats()).refused("Not A Code\n"); // never a tag value of a client's choosing

        assertThat(counter("onlinenow.live.frames.refused", "code", "bad_json")).isEqualTo(2);
        assertThat(counter("onlinenow.live.frames.refused", "code", "rate_limited")).isEqualTo(3);
        assertThat(counter("onlinenow.live.frames.refused", "code", OnlineNowStats.OTHER)).isEqualTo(1);
        assertThat(registry.get("onlinenow.live.frames.refused").functionCounters()
                .stream().map(c -> c.getId().getTag("code")).collect(Collectors.toSet()))
                .containsExactlyInAnyOrder("bad_json", "rate_limited", "other");
    }

    @Test
    void distinctCodesAreBounded() {
        new OnlineNowMetrics(online, null).bindTo(registry);
        for (int i = 0; i < 100; i++) {
            StatsRecorder.of(online.stats()).refused("code_" + i);
        }
        assertThat(registry.get("onlinenow.live.frames.refused").functionCounters())
                .hasSizeLessThanOrEqualTo(OnlineNowStats.MAX_CODES + 1);
        assertThat(online.stats().refusals()).isEqualTo(100);
    }

    @Test
    void timersReadCountAndTotalTimeInBaseUnits() {
        new OnlineNowMetrics(online, null).bindTo(registry);
        StatsRecorder.of(online.stats()).fanout(TimeUnit.MICROSECONDS.toNanos(300));
        StatsRecorder.of(online.stats()).fanout(TimeUnit.MICROSECONDS.toNanos(700));
        StatsRecorder.of(online.stats()).redisRoundTrip(TimeUnit.MILLISECONDS.toNanos(2));
        FunctionTimer fanout = registry.get("onlinenow.live.fanout").functionTimer();
        assertThat(fanout.count()).isEqualTo(2);
        assertThat(fanout.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(1.0);
        FunctionTimer redis = registry.get("onlinenow.redis.commands").functionTimer();
        assertThat(redis.count()).isEqualTo(1);
        assertThat(redis.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(2.0);
    }

    @Test
    void boundToAContextBeforeTheIndexStartsTheMetersReadZeroThenFollowIt() {
        Map<String, Object> attributes = new HashMap<>();
        ServletContext ctx = mock(ServletContext.class);
        when(ctx.getAttribute(anyString())).thenAnswer(i -> attributes.get(i.getArgument(0, String.class)));
        doAnswer(i -> attributes.put(i.getArgument(0), i.getArgument(1))).when(ctx).setAttribute(anyString(), any());
        new OnlineNowMetrics(ctx, Tags.of("app", "shop")).bindTo(registry);
        assertThat(gauge("onlinenow.users.online")).isZero();
        assertThat(counter("onlinenow.live.joins")).isZero();

        attributes.put(OnlineNow.CONTEXT_ATTRIBUTE, online); // what the filter does when it starts
        online.touch("alice");
        StatsRecorder.of(online.stats()).refused("forbidden");
        assertThat(gauge("onlinenow.users.online")).isEqualTo(1);
        assertThat(counter("onlinenow.live.frames.refused", "code", "forbidden")).isEqualTo(1);
        for (Meter m : registry.getMeters()) {
            assertThat(m.getId().getTag("app")).as(m.getId().getName()).isEqualTo("shop");
            assertThat(m.getId().getName()).matches("onlinenow(\\.[a-z]+)+");
        }
    }
}
