package dev.onlinenow.redis;

import dev.onlinenow.OnlineNowStats;
import dev.onlinenow.testing.Await;
import dev.onlinenow.testing.LiveServer;
import dev.onlinenow.testing.WsClient;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import org.junit.jupiter.api.Test;

import javax.management.ObjectName;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Rooms across nodes: embedded Tomcats with the live endpoint and {@code store=redis} on one
 * real Redis, real WebSocket clients. Node failure runs the second node in its own JVM and kills
 * it hard.
 */
class RedisLiveIT extends RedisITBase {

    private Map<String, String> params() {
        Map<String, String> p = redisParams(uri);
        p.put("nodeTimeout", "PT5S"); // a liveness beat every 1.7 s: a loaded machine stalls no thread that long
        return p;
    }

    /** One server of the load-balanced web app, with these context-params. */
    private static LiveServer app(Map<String, String> params) throws Exception {
        return LiveServer.builder().contextParams(params).start();
    }

    private static Object attribute(ObjectName name, String attribute) {
        try {
            return ManagementFactory.getPlatformMBeanServer().getAttribute(name, attribute);
        } catch (Exception e) {
            throw new AssertionError("reading " + attribute + " of " + name + ": " + e, e);
        }
    }

    private static List<String> ids(JsonObject state) {
        List<String> out = new ArrayList<>();
        for (JsonValue v : state.getJsonArray("presences")) {
            out.add(v.asJsonObject().getString("id"));
        }
        return out;
    }

    @Test
    void usersOnTwoNodesSeeEachOtherJoinMoveChangeAndLeave() throws Exception {
        LiveServer a = closeLater(app(params()));
        LiveServer b = closeLater(app(params()));
        assertThat(a.live().backend()).isInstanceOf(RedisLiveBackend.class);
        assertThat(a.live().backend().nodeId()).isNotEqualTo(b.live().backend().nodeId());

        WsClient alice = closeLater(a.connectAs("alice"));
        alice.join("board");
        assertThat(ids(alice.next("state"))).containsExactly("alice");

        WsClient bob = closeLater(b.connectAs("bob"));
        bob.join("board");
        // bob's node knows alice from Redis
        assertThat(ids(bob.next("state"))).containsExactly("alice", "bob");
        // and alice hears of bob through pub/sub
        JsonObject join = alice.next("join");
        assertThat(join.getJsonObject("presence").getString("id")).isEqualTo("bob");

        // a second tab of alice, on the other node: one presence, two connections, no second join
        WsClient alice2 = closeLater(b.connectAs("alice"));
        alice2.join("board");
        JsonObject state = alice2.next("state");
        assertThat(ids(state)).containsExactly("alice", "bob");
        assertThat(state.getJsonArray("presences").getJsonObject(0).getInt("connections")).isEqualTo(2);
        assertThat(a.live().list("board")).hasSize(2);

        bob.send("{\"type\":\"cursor\",\"room\":\"board\",\"x\":10.5,\"y\":20}");
        JsonObject cursors = alice.next("cursors", o -> o.getJsonArray("cursors").stream()
                .anyMatch(c -> c.asJsonObject().getString("id").equals("bob")));
        JsonObject c = cursors.getJsonArray("cursors").getJsonObject(0);
        assertThat(c.getJsonNumber("x").doubleValue()).isEqualTo(10.5);
        assertThat(a.live().cursors("board")).anyMatch(k -> k.getId().equals("bob"));

        bob.send("{\"type\":\"meta\",\"room\":\"board\",\"meta\":{\"color\":\"red\"}}");
        JsonObject meta = alice.next("meta", o -> o.getJsonObject("presence").getString("id").equals("bob"));
        assertThat(meta.getJsonObject("presence").getJsonObject("meta").getString("color")).isEqualTo("red");

        a.live().broadcast("board", "saved", JsonValue.TRUE);
        assertThat(bob.next("event").getString("event")).isEqualTo("saved");

        // alice closes one tab: nobody hears a leave; then her last: bob does
        alice.close();
        bob.leave("board");
        JsonObject left = alice2.next("leave");
        assertThat(left.getString("id")).isEqualTo("bob");
        // node A's view hears of bob's leave through pub/sub, after alice2's node B
        // and alice's closed tab reaches A's view once Redis has answered A's leave
        Await.untilAsserted(() -> {
            assertThat(a.live().list("board")).extracting(p -> p.getId()).containsExactly("alice");
            assertThat(a.live().list("board").get(0).getConnections()).isEqualTo(1);
        });
    }

    @Test
    void aNodeKilledHardLeavesNoGhosts() throws Exception {
        LiveServer a = closeLater(app(params()));
        Process nodeB = startNodeInItsOwnJvm();
        int portB = portOf(nodeB);

        WsClient alice = closeLater(a.connectAs("alice"));
        alice.join("board");
        alice.next("state");
        WsClient bob = closeLater(LiveServer.connectAs(HttpClient.newHttpClient(), portB, "bob"));
        bob.join("board");
        assertThat(ids(bob.next("state"))).containsExactly("alice", "bob");
        alice.next("join", o -> o.getJsonObject("presence").getString("id").equals("bob"));
        ObjectName beanA = a.online().mbeanName();
        Await.until("A to see two nodes alive", Duration.ofSeconds(30), () -> attribute(beanA, "NodesAlive").equals(2));

        nodeB.destroyForcibly();
        nodeB.waitFor(20, TimeUnit.SECONDS);

        // nodeTimeout is 5 s: the key expires within 5 s, A looks every second
        JsonObject leave = alice.next("leave");
        assertThat(leave.getString("id")).isEqualTo("bob");
        Await.until("A to count bob's leave as node_down", Duration.ofSeconds(30), () ->
                a.online().stats().leaves(OnlineNowStats.LeaveReason.NODE_DOWN) == 1);
        Await.until("A to see one node alive", Duration.ofSeconds(30), () -> attribute(beanA, "NodesAlive").equals(1));
        assertThat(a.live().list("board")).extracting(p -> p.getId()).containsExactly("alice");
        WsClient carol = closeLater(a.connectAs("carol"));
        carol.join("board");
        assertThat(ids(carol.next("state"))).containsExactly("alice", "carol");
        // nothing of B is left in Redis
        assertThat(peek.keys(ns)).noneMatch(k -> k.contains(":node:") && !k.contains(a.live().backend().nodeId()));
    }

    @Test
    void missedMessagesAreReconciledAndUnknownDeadNodesReaped() throws Exception {
        LiveServer a = closeLater(app(params()));
        WsClient alice = closeLater(a.connectAs("alice"));
        alice.join("board");
        alice.next("state");

        // carol joined on a node whose messages never arrived (as if published while A's
        // subscription was reconnecting), and that node is gone without a trace but its entry
        String ghost = "0badc0de-0000-0000-0000-000000000000";
        String room = ns + ":room:board";
        peek.redis.hset(room, Map.of("p:carol", "Carol", "m:carol", "{\"color\":\"blue\"}", "j:carol", "1",
                "t:carol", "1", "n:" + ghost + ":carol", "1", "c:" + ghost, "1"));
        peek.redis.sadd(ns + ":node:" + ghost + ":rooms", "board");

        JsonObject join = alice.next("join");
        assertThat(join.getJsonObject("presence").getString("id")).isEqualTo("carol");
        assertThat(join.getJsonObject("presence").getJsonObject("meta").getString("color")).isEqualTo("blue");

        // the ghost node now shows up among the nodes, without a liveness key: it is reaped
        peek.redis.zadd(ns + ":nodes", 1, ghost);
        JsonObject leave = alice.next("leave");
        assertThat(leave.getString("id")).isEqualTo("carol");
        Await.untilAsserted(() -> assertThat(peek.redis.hexists(room, "p:carol")).isFalse());
        Await.until("the reaper to forget the ghost node", Duration.ofSeconds(20),
                () -> peek.redis.zscore(ns + ":nodes", ghost) == null
                        && peek.redis.exists(ns + ":node:" + ghost + ":rooms") == 0);
    }

    @Test
    void roomsLostByRedisAreRegisteredAgainByTheirNodes() throws Exception {
        LiveServer a = closeLater(app(params()));
        LiveServer b = closeLater(app(params()));
        WsClient alice = closeLater(a.connectAs("alice"));
        alice.join("board");
        alice.next("state");
        WsClient bob = closeLater(b.connectAs("bob"));
        bob.join("board");
        bob.next("state");
        alice.next("join");

        peek.clean(ns); // what a restart without persistence, a FLUSHALL or a fail-over does

        // each node notices its liveness key gone and puts its members back
        Await.until("both nodes to register their room members again", Duration.ofSeconds(20),
                () -> peek.redis.hexists(ns + ":room:board", "p:alice")
                        && peek.redis.hexists(ns + ":room:board", "p:bob"));
        WsClient carol = closeLater(b.connectAs("carol"));
        carol.join("board");
        assertThat(ids(carol.next("state"))).containsExactly("alice", "bob", "carol");
        // and nobody was told that anyone left meanwhile
        assertThat(alice.drainUntilPong()).noneMatch(f -> "leave".equals(f.getString("type")));
    }

    @Test
    void duringARedisOutageEachNodeServesItsOwnSocketsAndCatchesUpAfter() throws Exception {
        RedisTestSupport.OwnRedis own = RedisTestSupport.OwnRedis.start();
        closeLater(own);
        Map<String, String> p = params();
        p.put("redisUri", own.uri().toString());
        LiveServer a = closeLater(app(p));
        LiveServer b = closeLater(app(p));
        WsClient alice = closeLater(a.connectAs("alice"));
        alice.join("board");
        alice.next("state");
        WsClient bob = closeLater(b.connectAs("bob"));
        bob.join("board");
        bob.next("state");
        alice.next("join");
        ObjectName beanA = a.online().mbeanName();
        assertThat(attribute(beanA, "StoreHealthy")).isEqualTo(true);
        assertThat(attribute(beanA, "LiveConnections")).isEqualTo(1);
        assertThat(attribute(beanA, "LiveRooms")).isEqualTo(1);

        own.stop();
        Await.until("A's bean to say the store is down", Duration.ofSeconds(30), () ->
                Boolean.FALSE.equals(attribute(beanA, "StoreHealthy")));
        Await.untilAsserted(() -> assertThat(attribute(beanA, "StoreDownSince")).isNotNull());
        // a join while Redis is down works, from the node's own members
        WsClient carol = closeLater(a.connectAs("carol"));
        carol.join("board");
        assertThat(ids(carol.next("state"))).contains("alice", "carol");
        assertThat(alice.next("join").getJsonObject("presence").getString("id")).isEqualTo("carol");

        own.startProcess(); // empty
        // A puts alice and carol back, B puts bob back; bob hears of carol
        JsonObject join = bob.next("join", o -> o.getJsonObject("presence").getString("id").equals("carol"));
        assertThat(join.getString("room")).isEqualTo("board");
        Await.until("Redis to have all three again", Duration.ofSeconds(30), () -> {
            try (RedisTestSupport.Peek q = new RedisTestSupport.Peek(own.uri())) {
                return q.redis.hkeys(ns + ":room:board").containsAll(List.of("p:alice", "p:bob", "p:carol"));
            }
        });
        Await.until("A's bean to say the store is up again", Duration.ofSeconds(30), () ->
                Boolean.TRUE.equals(attribute(beanA, "StoreHealthy")));
        Await.untilAsserted(() -> assertThat(attribute(beanA, "StoreDownSince")).isNull());
        WsClient dave = closeLater(b.connectAs("dave"));
        dave.join("board");
        assertThat(ids(dave.next("state"))).containsExactlyInAnyOrder("alice", "bob", "carol", "dave");
    }

    private Process startNodeInItsOwnJvm() throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(LiveNodeMain.class.getName());
        params().forEach((k, v) -> cmd.add(k + "=" + v));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        closeLater(() -> p.destroyForcibly());
        return p;
    }

    private static int portOf(Process p) throws Exception {
        CompletableFuture<Integer> port = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith("PORT ")) {
                        port.complete(Integer.parseInt(line.substring(5).trim()));
                    }
                }
                port.completeExceptionally(new AssertionError("node B ended without a port"));
            } catch (Exception e) {
                port.completeExceptionally(e);
            }
        }, "node-b-output");
        reader.setDaemon(true);
        reader.start();
        return port.get(60, TimeUnit.SECONDS);
    }
}
