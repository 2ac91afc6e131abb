package dev.onlinenow.redis;

import dev.onlinenow.testing.Await;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.SlotHash;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Redis Cluster of the test's own: three masters and three replicas, each a
 * {@code redis-server --cluster-enabled yes} on a free port (its cluster bus on port + 10000 free
 * too) in a temporary directory, joined by {@code redis-cli --cluster create ... --cluster-replicas 1},
 * ready once every node says {@code cluster_state:ok}. A JUnit extension
 * ({@code @RegisterExtension static RedisCluster cluster = new RedisCluster();}): started before
 * the class's tests, and its processes killed after them, whatever happened (also when starting
 * failed half-way, and by a shutdown hook should the JVM end first). Without {@code redis-server}
 * and {@code redis-cli} on the PATH the tests are skipped (failed with {@code CI=true}).
 *
 * <p>{@code cluster-node-timeout} is 2 s, so that a killed master's replica is promoted within
 * seconds.
 */
public final class RedisCluster implements BeforeAllCallback, AfterAllCallback {

    static final int NODES = 6;
    private static final Duration READY = Duration.ofSeconds(120);

    private final Map<Integer, Process> processes = new LinkedHashMap<>();
    private final List<Integer> ports = new ArrayList<>();
    private Path dir;
    private Thread hook;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        String server = binary("redis-server");
        String cli = binary("redis-cli");
        if (server == null || cli == null) {
            String message = "no redis-server and redis-cli on the PATH; the Redis Cluster tests start their own cluster";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                Assertions.fail("CI=true: " + message);
            }
            Assumptions.abort(message);
        }
        hook = new Thread(this::kill, "redis-cluster-kill");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            start(server, cli);
        } catch (Throwable t) {
            kill();
            throw t;
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        kill();
        if (hook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway
            }
        }
    }

    private void start(String server, String cli) throws IOException, InterruptedException {
        dir = Files.createTempDirectory("online-now-cluster");
        for (int i = 0; i < NODES; i++) {
            int port = freePort();
            ports.add(port);
            startNode(server, port);
        }
        for (int port : ports) {
            Await.until("redis-server on port " + port, READY, () -> RedisTestSupport.ping(uri(port)) == null);
        }
        List<String> create = new ArrayList<>(List.of(cli, "--cluster", "create"));
        for (int port : ports) {
            create.add("127.0.0.1:" + port);
        }
        create.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
        Process p = new ProcessBuilder(create).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(READY.toSeconds(), TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("redis-cli --cluster create failed:\n" + out);
        }
        for (int port : ports) {
            Await.until("cluster_state:ok on port " + port, READY, () -> clusterOk(port));
        }
        // every node knows all six (gossip may lag the create by a moment)
        for (int port : ports) {
            Await.until("port " + port + " to know all " + NODES + " nodes", READY,
                    () -> knownNodes(port) == NODES);
        }
    }

    private void startNode(String server, int port) throws IOException {
        Process p = new ProcessBuilder(server, "--port", String.valueOf(port), "--bind", "127.0.0.1",
                "--cluster-enabled", "yes", "--cluster-config-file", "nodes-" + port + ".conf",
                "--cluster-node-timeout", "2000", "--dir", dir.toString(), "--save", "", "--appendonly", "no")
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("redis-" + port + ".log").toFile())
                .start();
        processes.put(port, p);
    }

    /** The ports of the six nodes. */
    List<Integer> ports() {
        return List.copyOf(ports);
    }

    static URI uri(int port) {
        return URI.create("redis://127.0.0.1:" + port);
    }

    /** Kills the node on this port hard (SIGKILL), as a crashed machine. */
    void kill(int port) throws InterruptedException {
        Process p = processes.remove(port);
        if (p != null) {
            p.destroyForcibly();
            p.waitFor(20, TimeUnit.SECONDS);
        }
    }

    boolean running(int port) {
        Process p = processes.get(port);
        return p != null && p.isAlive();
    }

    /** The port of the master that serves this key's hash slot, as the node on {@code askPort} sees it. */
    int masterOf(String key, int askPort) {
        int slot = SlotHash.getSlot(key);
        for (String line : command(askPort, c -> c.sync().clusterNodes()).split("\n")) {
            String[] f = line.trim().split(" ");
            if (f.length < 9 || !f[2].contains("master") || f[2].contains("fail")) {
                continue;
            }
            for (int i = 8; i < f.length; i++) {
                String range = f[i];
                if (range.startsWith("[")) {
                    continue; // a slot being migrated
                }
                String[] ends = range.split("-");
                int from = Integer.parseInt(ends[0]);
                int to = ends.length > 1 ? Integer.parseInt(ends[1]) : from;
                if (slot >= from && slot <= to) {
                    String address = f[1].split("@")[0];
                    return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
                }
            }
        }
        throw new IllegalStateException("no master for slot " + slot);
    }

    /** True when the node on this port is a master and says cluster_state:ok. */
    boolean clusterOk(int port) {
        try {
            return command(port, c -> c.sync().clusterInfo()).contains("cluster_state:ok");
        } catch (RuntimeException notYet) {
            return false;
        }
    }

    /** The role of the node on this port ("master" or "slave"), or null when it does not answer. */
    String role(int port) {
        try {
            String info = command(port, c -> c.sync().info("replication"));
            for (String line : info.split("\r?\n")) {
                if (line.startsWith("role:")) {
                    return line.substring(5).trim();
                }
            }
            return null;
        } catch (RuntimeException notAnswering) {
            return null;
        }
    }

    private int knownNodes(int port) {
        try {
            String info = command(port, c -> c.sync().clusterInfo());
            for (String line : info.split("\r?\n")) {
                if (line.startsWith("cluster_known_nodes:")) {
                    return Integer.parseInt(line.substring(20).trim());
                }
            }
        } catch (RuntimeException notYet) {
            // not yet
        }
        return -1;
    }

    /** Runs one thing on a plain connection to the node on this port. */
    <T> T command(int port, java.util.function.Function<StatefulRedisConnection<String, String>, T> f) {
        RedisURI r = RedisURI.create(uri(port));
        r.setTimeout(Duration.ofSeconds(5));
        RedisClient client = RedisClient.create(r);
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            return f.apply(c);
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    private synchronized void kill() {
        for (Process p : processes.values()) {
            p.destroyForcibly();
        }
        for (Process p : processes.values()) {
            try {
                p.waitFor(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        processes.clear();
        if (dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            } catch (IOException ignored) {
                // a temporary directory
            }
            dir = null;
        }
    }

    /** A free port whose cluster bus port (+10000) is free too. */
    private static int freePort() throws IOException {
        for (int attempt = 0; attempt < 200; attempt++) {
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            if (port + 10000 > 65535) {
                continue;
            }
            try (ServerSocket bus = new ServerSocket(port + 10000)) {
                return port;
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IOException("no free port with a free cluster bus port");
    }

    private static String binary(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String d : path.split(File.pathSeparator)) {
            File f = new File(d, name);
            if (f.canExecute()) {
                return f.getAbsolutePath();
            }
        }
        return null;
    }
}
