package dev.onlinenow.live;

import dev.onlinenow.MutableClock;
import dev.onlinenow.testing.Await;
import dev.onlinenow.testing.LiveServer;
import dev.onlinenow.testing.WsClient;
import jakarta.json.JsonObject;
import jakarta.servlet.ServletContainerInitializer;
import org.apache.tomcat.websocket.server.WsSci;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The live endpoint on Tomcat's own WebSocket implementation. */
class TomcatLiveIT extends LiveEndpointITBase {

    @Override
    ServletContainerInitializer websocketImplementation() {
        return new WsSci();
    }

    @Override
    Set<Class<?>> handlesTypes() {
        return null;
    }

    /*
     * Tomcat only: Tomcat completes an async send when the socket took the bytes, so a reader that
     * stops makes frames wait in the library's queue, where cursors frames merge. Tyrus in this rig
     * (TyrusOnTomcat) completed sends with at most one frame ever waiting here and then lost the
     * socket after some 4 MB; that is the rig's writer, not what GlassFish does, and not tested.
     */
    @Test
    void aClientThatFellBehindGetsTheNewestCursorsInOneFrameNotABacklog() throws Exception {
        // a server of its own whose queue bounds the socket buffers reach first, however slowly the
        // writer runs beside the test on a loaded machine: frames then wait because the reader
        // stopped, and never because the bound was reached first (which drops the socket)
        MutableClock c = new MutableClock();
        try (LiveServer s = LiveServer.builder()
                .websocket(websocketImplementation(), handlesTypes())
                .inProcess(b -> b.clock(c).ticker(c.ticker()).sendQueueSize(2048).sendQueueBytes(256 << 20),
                        live -> live.autoTick(false))
                .start();
             WsClient alice = s.connectAs("alice");
             WsClient slow = s.connectAs("laggard")) {
            fellBehind(s, alice, slow);
        }
    }

    /*
     * Whether the user's send queue keeps all of its `queued` frames for `window`: a socket whose
     * buffers are full sends nothing until its reader reads again. This is a settle window, not a
     * bound on speed: a socket that still takes bytes shows it sooner or later, and then the test
     * only adds more blobs.
     */
    private static boolean nothingLeavesTheQueueFor(LiveServer server, String user, int queued, java.time.Duration window) {
        long end = System.nanoTime() + window.toNanos();
        while (System.nanoTime() < end) {
            if (server.live().queuedFor(user) < queued) {
                return false;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(10_000_000L);
        }
        return server.live().queuedFor(user) >= queued;
    }

    private void fellBehind(LiveServer server, WsClient alice, WsClient slow) {
        String r = "behind-" + room;
        alice.join(r);
        alice.next("state");
        slow.join(r);
        slow.next("state");
        alice.next("join");
        slow.stopReading();
        // fill the socket's buffers (loopback's take megabytes) until nothing leaves the server's
        // queue for it: 24 blobs in a row that each stay queued (a socket that still takes bytes
        // sends a queued frame as soon as the one before it is written), and then none leaves the
        // queue for two seconds. Without that second check a writer thread that a loaded machine
        // did not schedule for a moment looked like a full socket, and cursor frames it then sent
        // reached the reader before the merged one (seen in a run beside busy loops)
        String big = "y".repeat(64 * 1024);
        int blobs = 0;
        int stayed = 0;
        int waiting = 0;
        boolean full = false;
        while (!full && blobs < 1500) {
            server.live().broadcast(r, "blob", Map.of("i", blobs++, "data", big));
            server.live().flushCursors(); // returns when the room's thread has handed the blob to the sockets
            assertThat(server.live().connectionsOf("laggard")).as("within the queue's bounds").isEqualTo(1);
            int now = server.live().queuedFor("laggard");
            stayed = now == waiting + 1 ? stayed + 1 : 0;
            waiting = now;
            if (stayed >= 24) {
                full = nothingLeavesTheQueueFor(server, "laggard", waiting, java.time.Duration.ofSeconds(2));
                stayed = 0;
                waiting = server.live().queuedFor("laggard");
            }
        }
        assertThat(full).as("frames wait for the slow reader").isTrue();
        long mergedBefore = server.online().stats().cursorFramesMerged();

        for (int i = 1; i <= 40; i++) {
            server.live().setCursor(r, "mover", i, i);
            server.live().flushCursors();
        }
        // each tick's frame reaches the sockets from the room's thread after the flush returns:
        // wait for the last one, then for the merges it made
        assertThat(alice.next("cursors", f -> f.getJsonArray("cursors").getJsonObject(0).getInt("x") == 40)
                .getJsonArray("cursors")).as("a reader that keeps up still gets every tick's frame").hasSize(1);
        Await.untilAsserted(() -> assertThat(server.online().stats().cursorFramesMerged() - mergedBefore)
                .isGreaterThanOrEqualTo(39));
        assertThat(server.live().queuedFor("laggard")).as("40 ticks add one waiting frame")
                .isLessThanOrEqualTo(waiting + 1);

        slow.resumeReading();
        for (int i = 0; i < blobs; i++) {
            assertThat(slow.next("event").getJsonObject("payload").getInt("i")).isEqualTo(i);
        }
        JsonObject cursors = slow.next("cursors");
        assertThat(cursors.getJsonArray("cursors")).hasSize(1);
        assertThat(cursors.getJsonArray("cursors").getJsonObject(0).getString("id")).isEqualTo("mover");
        assertThat(cursors.getJsonArray("cursors").getJsonObject(0).getInt("x"))
                .as("the newest position, not the first stale one").isEqualTo(40);
        assertThat(ofType(slow.drainUntilPong(), "cursors")).as("no backlog of stale frames behind it").isEmpty();
        assertThat(slow.isClosed()).isFalse();
    }

}
