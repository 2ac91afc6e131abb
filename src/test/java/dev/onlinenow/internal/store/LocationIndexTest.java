package dev.onlinenow.internal.store;

import dev.onlinenow.store.LastSeen;
import dev.onlinenow.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The in-process index by location: exact counts, kept as people move, leave and expire. */
class LocationIndexTest {

    private final MutableClock clock = new MutableClock();
    private final EhcachePresenceStore store = new EhcachePresenceStore("t", Duration.ofMinutes(15), 10_000, clock);

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void countsAndListsByLocationAsPeopleMove() {
        store.touch("ann");
        store.touch("bob");
        assertThat(store.locate("ann", "/board/1")).isTrue();
        clock.advance(Duration.ofSeconds(2));
        store.touch("bob");
        assertThat(store.locate("bob", "/board/1")).isTrue();
        assertThat(store.countAt("/board/1")).isEqualTo(2);
        assertThat(store.recentAt("/board/1", 10)).extracting(LastSeen::id).containsExactly("bob", "ann");
        assertThat(store.recentAt("/board/1", 1)).extracting(LastSeen::id).containsExactly("bob");
        assertThat(store.recent(10)).extracting(LastSeen::location).containsExactly("/board/1", "/board/1");

        store.locate("ann", "/board/2");
        assertThat(store.countAt("/board/1")).isEqualTo(1);
        assertThat(store.countAt("/board/2")).isEqualTo(1);
        store.locate("ann", new String("/board/2")); // there already
        assertThat(store.countAt("/board/2")).isEqualTo(1);
        assertThat(store.locate("nobody", "/board/1")).isFalse();
        assertThat(store.countAt("/board/3")).isZero();
        assertThat(store.recentAt("/board/3", 10)).isEmpty();
    }

    @Test
    void crowdedAndQuietLocationsListTheSameNewestWhicheverWayTheyAreRead() {
        for (int i = 0; i < 200; i++) {
            store.touch("u" + i);
            store.locate("u" + i, i % 4 == 0 ? "/quiet" : "/crowded");
            clock.advance(Duration.ofMillis(1500));
        }
        for (int i = 0; i < 200; i += 7) { // some come back, out of order
            store.touch("u" + i);
            clock.advance(Duration.ofMillis(1500));
        }
        for (String where : new String[] {"/crowded", "/quiet"}) {
            for (int limit : new int[] {1, 10, 50, 500}) {
                List<LastSeen> expected = store.recent(1000).stream().filter(s -> where.equals(s.location()))
                        .limit(limit).toList();
                assertThat(store.recentAt(where, limit)).as(where + ", " + limit).extracting(LastSeen::id)
                        .containsExactlyElementsOf(expected.stream().map(LastSeen::id).toList());
            }
        }
    }

    @Test
    void everyoneAtALocationSharesOneStringOfIt() {
        store.touch("ann");
        store.touch("bob");
        store.locate("ann", new String("/board/7"));
        store.locate("bob", new String("/board/7"));
        List<LastSeen> both = store.recent(2);
        assertThat(both.get(0).location()).isSameAs(both.get(1).location());
    }

    @Test
    void leavingAndExpiringTakesPeopleOffTheirLocation() {
        store.touch("ann");
        store.locate("ann", "/a");
        store.touch("bob");
        store.locate("bob", "/a");
        store.remove("ann");
        assertThat(store.countAt("/a")).isEqualTo(1);
        clock.advance(Duration.ofMinutes(15));
        assertThat(store.countAt("/a")).isZero();
        assertThat(store.locations()).as("empty locations leave the index").isZero();
        // back again: a new entry, no location until one is recorded
        store.touch("bob");
        assertThat(store.recent(1).get(0).location()).isNull();
        assertThat(store.countAt("/a")).isZero();
    }

    @org.junit.jupiter.api.RepeatedTest(20)
    void movesRacingWithLogoutsAndExpiryLeaveNoGhosts() throws Exception {
        String[] ids = new String[64];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = "u" + i;
        }
        int threads = 4;
        CountDownLatch done = new CountDownLatch(threads);
        List<Throwable> failures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int me = t;
            Thread th = new Thread(() -> {
                try {
                    ThreadLocalRandom r = ThreadLocalRandom.current();
                    for (int i = 0; i < 20_000; i++) {
                        String id = ids[r.nextInt(ids.length)];
                        switch (me == 0 ? r.nextInt(3) : r.nextInt(2)) {
                            case 0 -> store.touch(id);
                            case 1 -> store.locate(id, "/l" + r.nextInt(4));
                            default -> store.remove(id);
                        }
                    }
                } catch (Throwable e) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                } finally {
                    done.countDown();
                }
            });
            th.start();
        }
        assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
        assertThat(failures).isEmpty();
        long located = 0;
        for (int l = 0; l < 4; l++) {
            located += store.countAt("/l" + l);
        }
        assertThat(located).as("each online id at one location at most").isLessThanOrEqualTo(store.count());
        assertThat(located).as("exactly the online ids that have a location")
                .isEqualTo(store.recent(ids.length).stream().filter(s -> s.location() != null).count());
        for (String id : ids) {
            store.remove(id);
        }
        assertThat(store.count()).isZero();
        assertThat(store.locations()).as("nobody left indexed").isZero();
    }
}
