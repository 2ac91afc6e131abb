package dev.onlinenow.redis;

import dev.onlinenow.testing.Await;
import dev.onlinenow.MutableClock;
import dev.onlinenow.OnlineNow;
import dev.onlinenow.OnlineNowSettings;
import dev.onlinenow.UserResolver;
import org.junit.jupiter.api.Test;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two embedded Tomcats ("servers behind a load balancer") with OnlineNowFilter and
 * {@code store=redis} on one real Redis: both show the same online users, requests do not reach
 * Redis, and an outage fails open and heals without a restart.
 */
class RedisFilterIT extends RedisITBase {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final MBeanServer JMX = ManagementFactory.getPlatformMBeanServer();

    private Map<String, String> params(URI redis) {
        Map<String, String> p = redisParams(redis);
        p.put("redisTimeout", "PT2S"); // past any round trip of a loaded machine; an outage is a refused connection, seen at once
        return p;
    }

    private EmbeddedApp app(Map<String, String> params, OnlineNow installed) throws Exception {
        return closeLater(new EmbeddedApp(params, installed));
    }

    @Test
    void everyServerShowsTheUsersOfEveryServer() throws Exception {
        EmbeddedApp a = app(params(uri), null);
        EmbeddedApp b = app(params(uri), null);
        EmbeddedApp.Browser alice = a.signIn("alice");
        EmbeddedApp.Browser bob = b.signIn("bob");
        EmbeddedApp.Browser carol = b.signIn("carol");

        // each sees themselves at once, before any flush
        assertThat(alice.who(a).ids()).contains("alice");

        AtomicReference<EmbeddedApp.Who> seen = new AtomicReference<>();
        Await.until("alice on A to see bob and carol of B", PATIENCE, () -> {
            seen.set(uncheckedWho(alice, a));
            return seen.get().count() == 3;
        });
        assertThat(seen.get().ids()).containsExactlyInAnyOrder("alice", "bob", "carol");
        Await.until("bob on B to see alice of A", PATIENCE, () -> {
            seen.set(uncheckedWho(bob, b));
            return seen.get().count() == 3;
        });
        assertThat(seen.get().ids()).containsExactlyInAnyOrder("alice", "bob", "carol");
        assertThat(carol.who(b).ids()).containsExactlyInAnyOrder("alice", "bob", "carol");

        // both filters run on Redis stores of two distinct nodes
        RedisPresenceStore storeA = (RedisPresenceStore) a.online().users();
        RedisPresenceStore storeB = (RedisPresenceStore) b.online().users();
        assertThat(storeA.node().id()).isNotEqualTo(storeB.node().id());
        assertThat(a.online().guests()).isInstanceOf(RedisPresenceStore.class);
        assertThat(((RedisPresenceStore) a.online().guests()).node()).isSameAs(storeA.node());
    }

    @Test
    void requestsCostRedisNothingUntilTheNextFlushRound() throws Exception {
        // the clock stands still: on a loaded machine the sign-ins and 200 requests can take longer
        // than the prune interval (10 s), and the round below is then a prune round too, with its
        // ZREMRANGEBYSCORE, PEXPIRE and locations prune for both stores (seen once as 12 commands
        // instead of 4; a 10.5 s pause among the requests gives 12 every time with the real clock)
        OnlineNowSettings settings = OnlineNowSettings.builder().apply(params(uri)).apply(Map.of("userId", "session:user"))
                .clock(new MutableClock()).build();
        RedisStoreFactory factory = new RedisStoreFactory(RedisNode.Options.manual());
        OnlineNow online = OnlineNow.create(settings, factory.create("users", settings),
                factory.create("guests", settings), UserResolver.ID_AS_NAME);
        EmbeddedApp a = app(Map.of(), online);
        closeLater(online); // before the server stops, so Tomcat sees no thread left behind
        RedisNode node = factory.node();

        List<EmbeddedApp.Browser> browsers = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            browsers.add(a.signIn("user" + i));
        }
        node.tick();
        long before = node.commandsSent();
        int requests = 0;
        for (int round = 0; round < 10; round++) {
            for (EmbeddedApp.Browser browser : browsers) {
                assertThat(browser.who(a).count()).isEqualTo(20);
                requests++;
            }
        }
        assertThat(node.commandsSent() - before).as("commands during " + requests + " requests").isZero();
        node.tick();
        // the round: one ZADD for the 20 users and one EVAL for their locations, then ZCOUNT and
        // ZREVRANGEBYSCORE for the view
        assertThat(node.commandsSent() - before).isEqualTo(4);
    }

    @Test
    void redisOutageFailsOpenAndBothServersRegisterAgainWhenItIsBack() throws Exception {
        RedisTestSupport.OwnRedis own = RedisTestSupport.OwnRedis.start();
        closeLater(own);
        EmbeddedApp a = app(params(own.uri()), null);
        EmbeddedApp b = app(params(own.uri()), null);
        EmbeddedApp.Browser alice = a.signIn("alice");
        EmbeddedApp.Browser bob = b.signIn("bob");
        Await.until("A to see bob", PATIENCE, () -> uncheckedWho(alice, a).count() == 2);
        ObjectName beanA = a.online().mbeanName();
        ObjectName beanB = b.online().mbeanName();
        assertThat(beanA).as("two root apps in one JVM: two beans").isNotNull().isNotEqualTo(beanB);
        assertThat(JMX.getAttribute(beanA, "StoreHealthy")).isEqualTo(true);
        assertThat(JMX.getAttribute(beanA, "Store")).isEqualTo("redis");
        assertThat(JMX.getAttribute(beanA, "StoreDownSince")).isNull();

        own.stop();
        // every request still completes, and each server still counts its own users
        EmbeddedApp.Browser carol = a.signIn("carol");
        Await.until("A to notice the outage", PATIENCE, () -> {
            uncheckedWho(alice, a);
            return !((RedisPresenceStore) a.online().users()).node().healthy();
        });
        for (int i = 0; i < 20; i++) {
            assertThat(carol.who(a).ids()).contains("carol", "alice");
            assertThat(bob.who(b).ids()).contains("bob");
        }
        assertThat(carol.who(a).count()).isEqualTo(2);
        assertThat(JMX.getAttribute(beanA, "StoreHealthy")).as("A counts alone").isEqualTo(false);
        assertThat(JMX.getAttribute(beanA, "StoreDownSince")).isNotNull();
        assertThat(JMX.getAttribute(beanA, "NodesAlive")).as("this server alone").isEqualTo(1);
        assertThat(a.online().storeHealth().countingAlone()).isTrue();
        Await.until("B to notice the outage too", PATIENCE, () -> {
            uncheckedWho(bob, b);
            return Boolean.FALSE.equals(attribute(beanB, "StoreHealthy"));
        });

        own.startProcess(); // empty: no persistence
        Await.until("A and B to register their users again and see each other's", PATIENCE, () ->
                uncheckedWho(alice, a).count() == 3 && uncheckedWho(bob, b).count() == 3);
        assertThat(bob.who(b).ids()).containsExactlyInAnyOrder("alice", "bob", "carol");
        Await.until("both beans healthy again", PATIENCE, () ->
                Boolean.TRUE.equals(attribute(beanA, "StoreHealthy")) && Boolean.TRUE.equals(attribute(beanB, "StoreHealthy")));
        assertThat(JMX.getAttribute(beanA, "StoreDownSince")).isNull();
        assertThat((Long) JMX.getAttribute(beanA, "RedisFailures")).as("commands failed during the outage").isPositive();
        try (RedisTestSupport.Peek p = new RedisTestSupport.Peek(own.uri())) {
            assertThat(p.redis.zrange(ns + ":users", 0, -1)).containsExactlyInAnyOrder("alice", "bob", "carol");
        }
    }

    private static Object attribute(ObjectName name, String attribute) {
        try {
            return JMX.getAttribute(name, attribute);
        } catch (Exception e) {
            throw new AssertionError("reading " + attribute + " of " + name + ": " + e, e);
        }
    }

    private static EmbeddedApp.Who uncheckedWho(EmbeddedApp.Browser browser, EmbeddedApp app) {
        try {
            return browser.who(app);
        } catch (Exception e) {
            throw new AssertionError("a request failed: " + e, e);
        }
    }
}
