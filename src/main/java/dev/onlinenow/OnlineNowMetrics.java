package dev.onlinenow;

import dev.onlinenow.live.LivePresence;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import jakarta.servlet.ServletContext;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * online-now's meters for Micrometer, bound by the app to its registry in one line:
 *
 * <pre>{@code
 * new OnlineNowMetrics(servletContext).bindTo(registry);
 * }</pre>
 *
 * <p>Micrometer ({@code io.micrometer:micrometer-core}) is an optional dependency: nothing else in
 * online-now refers to this class, so an app without Micrometer never loads it. Every meter reads
 * the web app's {@link OnlineNow} (its {@link OnlineNowStats} and {@link dev.onlinenow.store.StoreHealth})
 * and {@link LivePresence} when it is read, so binding may happen before the filter or the live
 * endpoint start; until they do, the meters read 0. The meters and their tags are listed in the
 * README ("Monitoring").
 */
public final class OnlineNowMetrics implements MeterBinder {

    private final Supplier<OnlineNow> online;
    private final Supplier<LivePresence> live;
    private final Tags tags;
    private final List<MeterRegistry> registries = new CopyOnWriteArrayList<>();
    private volatile OnlineNow attached;

    /** The meters of the web app whose context this is. */
    public OnlineNowMetrics(ServletContext context) {
        this(context, Tags.empty());
    }

    /** The meters of the web app whose context this is, each with these extra tags. */
    public OnlineNowMetrics(ServletContext context, Iterable<Tag> tags) {
        Objects.requireNonNull(context, "context");
        this.online = () -> OnlineNow.get(context);
        this.live = () -> LivePresence.get(context);
        this.tags = Tags.of(tags);
    }

    /** The meters of an index (and live presence, may be null) built in code. */
    public OnlineNowMetrics(OnlineNow online, LivePresence live) {
        Objects.requireNonNull(online, "online");
        this.online = () -> online;
        this.live = () -> live;
        this.tags = Tags.empty();
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        gauge(registry, "onlinenow.users.online", "users online within the threshold", o -> o.count());
        gauge(registry, "onlinenow.guests.online", "guests online within the threshold", o -> o.guestCount());
        gauge(registry, "onlinenow.robots.online", "robots (by name) active within the threshold", o -> o.robotCount());
        Gauge.builder("onlinenow.live.connections", this, m -> m.liveValue(true))
                .description("open live sockets on this server").tags(tags).register(registry);
        Gauge.builder("onlinenow.live.rooms", this, m -> m.liveValue(false))
                .description("rooms with at least one member on this server").tags(tags)
                .register(registry);
        Gauge.builder("onlinenow.nodes.alive", this, m -> m.value(o -> {
                    int n = o.storeHealth().nodesAlive();
                    return n < 0 ? Double.NaN : n;
                }))
                .description("servers of this web app alive, as this one knows (NaN: not measured)")
                .tags(tags).register(registry);
        Gauge.builder("onlinenow.store.up", this, m -> m.value(o -> o.storeHealth().isUp() ? 1 : 0))
                .description("1 while the store answers, 0 while this server counts alone (Redis down)")
                .tags(tags).register(registry);

        counter(registry, "onlinenow.live.joins", "users who entered a room", Tags.empty(), s -> s.joins());
        for (OnlineNowStats.LeaveReason r : OnlineNowStats.LeaveReason.values()) {
            counter(registry, "onlinenow.live.leaves", "users who left a room, by reason",
                    Tags.of("reason", r.tag()), s -> s.leaves(r));
        }
        for (OnlineNowStats.DropReason r : OnlineNowStats.DropReason.values()) {
            counter(registry, "onlinenow.live.connections.dropped", "connections the server closed, by reason",
                    Tags.of("reason", r.tag()), s -> s.drops(r));
        }
        counter(registry, "onlinenow.redis.failures", "Redis commands that failed", Tags.empty(),
                s -> s.redisFailures());
        counter(registry, "onlinenow.live.cursors.merged",
                "cursors frames merged into the one still waiting for a socket that fell behind", Tags.empty(),
                s -> s.cursorFramesMerged());
        for (OnlineNowStats.PubSubKind k : OnlineNowStats.PubSubKind.values()) {
            counter(registry, "onlinenow.redis.pubsub.received",
                    "room messages received from Redis pub/sub: for rooms hosted here, not hosted here, or this server's own",
                    Tags.of("kind", k.tag()), s -> s.pubSubReceived(k));
        }
        counter(registry, "onlinenow.redis.pubsub.dropped",
                "room messages from Redis pub/sub dropped because the room's delivery queue was full (then reconciled)",
                Tags.empty(), s -> s.pubSubDropped());
        FunctionTimer.builder("onlinenow.live.fanout", this,
                        m -> (long) m.stat(s -> s.fanouts()), m -> m.stat(s -> s.fanoutNanos()),
                        TimeUnit.NANOSECONDS)
                .description("handing one room message to this server's sockets in the room")
                .tags(tags).register(registry);
        FunctionTimer.builder("onlinenow.redis.commands", this,
                        m -> (long) m.stat(s -> s.redisRoundTrips()), m -> m.stat(s -> s.redisRoundTripNanos()),
                        TimeUnit.NANOSECONDS)
                .description("Redis round trips: from sending a command to its answer")
                .tags(tags).register(registry);

        /* One counter per refusal code, registered when the code is first counted: the codes are
         * the protocol's (docs/protocol.md), not repeated here. The index may not exist yet (the
         * filter starts after the app's listeners); then this happens at the first read of a meter
         * after it started. */
        registries.add(registry);
        attachCodes();
    }

    private void attachCodes() {
        if (attached != null) {
            return;
        }
        OnlineNow o = online.get();
        if (o != null && o != attached) {
            synchronized (this) {
                if (attached == null) {
                    attached = o;
                    o.stats().onRefusalCode(code -> {
                        for (MeterRegistry r : registries) {
                            refusedCounter(r, code);
                        }
                    });
                }
            }
        }
    }

    private void refusedCounter(MeterRegistry registry, String code) {
        counter(registry, "onlinenow.live.frames.refused", "client frames refused with an error, by code",
                Tags.of("code", code), s -> s.refusals(code));
    }

    private void gauge(MeterRegistry registry, String name, String description, ToDoubleFunction<OnlineNow> f) {
        Gauge.builder(name, this, m -> m.value(f)).description(description).tags(tags)
                .register(registry);
    }

    private void counter(MeterRegistry registry, String name, String description, Tags extra,
                         ToDoubleFunction<OnlineNowStats> f) {
        FunctionCounter.builder(name, this, m -> m.stat(f)).description(description).tags(tags).tags(extra)
                .register(registry);
    }

    private double value(ToDoubleFunction<OnlineNow> f) {
        attachCodes();
        OnlineNow o = online.get();
        return o == null || o.isClosed() ? 0 : f.applyAsDouble(o);
    }

    private double stat(ToDoubleFunction<OnlineNowStats> f) {
        attachCodes();
        OnlineNow o = online.get();
        return o == null ? 0 : f.applyAsDouble(o.stats());
    }

    private double liveValue(boolean connections) {
        LivePresence l = live.get();
        return l == null || l.isClosed() ? 0 : connections ? l.connections() : l.localRooms();
    }
}
