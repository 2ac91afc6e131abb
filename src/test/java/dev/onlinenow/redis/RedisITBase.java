package dev.onlinenow.redis;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What every test against the shared Redis starts and ends with: before each test, the Redis
 * ({@link RedisTestSupport#requireRedis()}: skipped without one, failed in CI), a namespace of its
 * own and a {@link RedisTestSupport.Peek} at it; after each, what the test handed to
 * {@link #closeLater} is closed, newest first (all of it, even when one close fails), and the
 * namespace's keys are deleted.
 */
abstract class RedisITBase {

    /** The shared Redis. */
    URI uri;
    /** This test's namespace: {@code redisNamespace} for what it starts, the key prefix for what it reads. */
    String ns;
    /** A plain client on the shared Redis. */
    RedisTestSupport.Peek peek;
    private final List<AutoCloseable> closing = new ArrayList<>();

    @BeforeEach
    void redis() {
        uri = RedisTestSupport.requireRedis();
        ns = RedisTestSupport.namespace();
        peek = new RedisTestSupport.Peek(uri);
    }

    /**
     * The context-params ({@code online-now.} prefix left out) of a web app on this Redis in this
     * test's namespace; a new map, for the test to add to.
     */
    Map<String, String> redisParams(URI redis) {
        Map<String, String> p = new HashMap<>();
        p.put("store", "redis");
        p.put("redisUri", redis.toString());
        p.put("redisNamespace", ns);
        return p;
    }

    /** Closes {@code c} after the test, before everything handed here earlier; returns it. */
    <T extends AutoCloseable> T closeLater(T c) {
        closing.add(0, c);
        return c;
    }

    @AfterEach
    void cleanUp() throws Exception {
        Exception failure = null;
        for (AutoCloseable c : closing) {
            try {
                c.close();
            } catch (Exception e) {
                // keep closing the rest; the first failure is reported below
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        closing.clear();
        if (peek != null) {
            peek.clean(ns);
            peek.close();
        }
        if (failure != null) {
            throw failure;
        }
    }
}
