package dev.onlinenow.redis;

import dev.onlinenow.testing.LiveServer;

import java.util.HashMap;
import java.util.Map;

/**
 * A second node in its own JVM, for tests that kill it hard: starts a {@link LiveServer} with the
 * settings given as {@code key=value} arguments, prints {@code PORT n}, and runs until killed.
 */
public final class LiveNodeMain {

    private LiveNodeMain() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> params = new HashMap<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            params.put(a.substring(0, eq), a.substring(eq + 1));
        }
        LiveServer app = LiveServer.builder().contextParams(params).start();
        System.out.println("PORT " + app.port());
        System.out.flush();
        Thread.currentThread().join();
    }
}
