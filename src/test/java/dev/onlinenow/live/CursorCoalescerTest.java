package dev.onlinenow.live;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class CursorCoalescerTest {

    @Test
    void keepsOnlyTheLastMovePerUserAndRoom() {
        CursorCoalescer c = new CursorCoalescer();
        for (int i = 0; i < 1000; i++) {
            c.move("r", "bob", i, -i, i, true);
        }
        c.move("r", "alice", 5, 5, 7, true);
        c.move("other", "bob", 1, 1, 8, true);

        Map<String, List<CursorCoalescer.Entry>> drained = c.drain();
        assertThat(drained).containsOnlyKeys("r", "other");
        assertThat(drained.get("r")).containsExactly(
                new CursorCoalescer.Entry("bob", 999, -999, 999, false, true),
                new CursorCoalescer.Entry("alice", 5, 5, 7, false, true));
        assertThat(c.drain()).as("a drain starts a new tick").isEmpty();
        assertThat(c.isEmpty()).isTrue();
    }

    @Test
    void goneReplacesAMoveAndAMoveReplacesGone() {
        CursorCoalescer c = new CursorCoalescer();
        c.move("r", "bob", 1, 2, 3, true);
        c.gone("r", "bob");
        assertThat(c.drain().get("r")).extracting(CursorCoalescer.Entry::gone).containsExactly(true);
        c.gone("r", "bob");
        c.move("r", "bob", 4, 5, 6, false);
        assertThat(c.drain().get("r")).containsExactly(new CursorCoalescer.Entry("bob", 4, 5, 6, false, false));
    }

    @Test
    void forgetDropsWhatIsPendingForAUser() {
        CursorCoalescer c = new CursorCoalescer();
        c.move("r", "bob", 1, 2, 3, true);
        c.move("r", "alice", 1, 2, 3, true);
        c.forget("r", "bob");
        c.forget("nowhere", "bob");
        assertThat(c.drain().get("r")).extracting(CursorCoalescer.Entry::id).containsExactly("alice");
        c.move("r", "bob", 1, 2, 3, true);
        c.forget("r", "bob");
        assertThat(c.isEmpty()).isTrue();
    }

    @Test
    void concurrentMovesAreNeitherLostNorDuplicated() throws Exception {
        CursorCoalescer c = new CursorCoalescer();
        int users = 8;
        int moves = 20_000;
        Thread[] movers = new Thread[users];
        for (int u = 0; u < users; u++) {
            String id = "u" + u;
            movers[u] = new Thread(() -> {
                for (int i = 1; i <= moves; i++) {
                    c.move("r", id, i, i, i, true);
                }
            });
            movers[u].start();
        }
        Map<String, Double> last = new java.util.HashMap<>();
        boolean running = true;
        while (running) {
            running = false;
            for (Thread t : movers) {
                running |= t.isAlive();
            }
            for (List<CursorCoalescer.Entry> es : c.drain().values()) {
                java.util.Set<String> seen = new java.util.HashSet<>();
                for (CursorCoalescer.Entry e : es) {
                    assertThat(seen.add(e.id())).as("one entry per user and tick").isTrue();
                    Double before = last.put(e.id(), e.x());
                    assertThat(before == null || before < e.x()).as("positions only move forward").isTrue();
                }
            }
        }
        for (List<CursorCoalescer.Entry> es : c.drain().values()) {
            es.forEach(e -> last.put(e.id(), e.x()));
        }
        assertThat(last).hasSize(users).allSatisfy((id, x) -> assertThat(x).isEqualTo(moves));
    }
}
