package dev.onlinenow.internal.store;

import dev.onlinenow.store.LastSeen;
import dev.onlinenow.internal.store.EhcachePresenceStore.Seen;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

class RecencyListTest {

    private final RecencyList list = new RecencyList();

    private List<String> ids() {
        return list.newest(100, Long.MIN_VALUE).stream().map(LastSeen::id).collect(Collectors.toList());
    }

    @Test
    void newestFirstEvenWhenClockReadingsCross() {
        list.add(new Seen("a", 10));
        list.add(new Seen("c", 30));
        list.add(new Seen("b", 20)); // read the clock before c did, linked after it
        assertThat(ids()).containsExactly("c", "b", "a");
        assertThat(list.oldestAt()).isEqualTo(10);
    }

    @Test
    void refreshMovesToTheFrontAndWritesTheTime() {
        Seen a = new Seen("a", 10);
        list.add(a);
        list.add(new Seen("b", 20));
        assertThat(list.refresh(a, 10, 30)).isTrue();
        assertThat(a.at).isEqualTo(30);
        assertThat(ids()).containsExactly("a", "b");
        assertThat(list.oldestAt()).isEqualTo(20);
    }

    @Test
    void refreshAfterAnotherTouchLeavesTheNewerTime() {
        Seen a = new Seen("a", 10);
        list.add(a);
        assertThat(list.refresh(a, 10, 40)).isTrue();
        assertThat(list.refresh(a, 10, 30)).isTrue(); // read 10 before the first refresh
        assertThat(a.at).isEqualTo(40);
    }

    @Test
    void aSeenThatLeftIsDeadForGood() {
        Seen a = new Seen("a", 10);
        list.add(a);
        assertThat(list.remove(a)).isTrue();
        assertThat(list.remove(a)).isFalse();
        assertThat(list.refresh(a, 10, 20)).isFalse();
        assertThat(ids()).isEmpty();
        assertThat(list.oldestAt()).isEqualTo(Long.MIN_VALUE);

        Seen never = new Seen("n", 10); // a Seen whose put lost to another: removed before linked
        list.remove(never);
        assertThat(list.refresh(never, 10, 20)).isFalse();
        assertThat(ids()).isEmpty();
    }

    @Test
    void aTouchThatMovedTheTimeButHasNotQueuedItYetIsPutInPlaceBySweepNotSwept() {
        Seen a = new Seen("a", 10);
        Seen b = new Seen("b", 20);
        list.add(a);
        list.add(b);
        list.add(new Seen("c", 40));
        a.at = 30; // what a touch does first; it queues the move a moment later
        assertThat(list.pollOldestAtOrBefore(25)).isSameAs(b);
        assertThat(b.at).isEqualTo(RecencyList.DEAD);
        assertThat(list.pollOldestAtOrBefore(25)).isNull();
        assertThat(ids()).containsExactly("c", "a");
        assertThat(list.oldestAt()).isEqualTo(30);
    }

    @Test
    void theWriterThatFillsTheQueueDrainsIt() {
        List<Seen> seen = new ArrayList<>();
        for (int i = 0; i < RecencyList.DRAIN_AT + 10; i++) {
            Seen s = new Seen("u" + i, i);
            seen.add(s);
            list.add(s);
        }
        for (int i = 0; i < RecencyList.DRAIN_AT - 1; i++) {
            assertThat(list.refresh(seen.get(i), i, 1_000 + i)).isTrue();
        }
        assertThat(list.oldestAt()).isZero(); // moves queued, none made yet
        assertThat(list.refresh(seen.get(RecencyList.DRAIN_AT - 1), RecencyList.DRAIN_AT - 1, 2_000)).isTrue();
        assertThat(list.oldestAt()).isEqualTo(RecencyList.DRAIN_AT); // all made by that last refresh
        assertThat(list.newest(2, Long.MIN_VALUE)).extracting(LastSeen::id)
                .containsExactly("u" + (RecencyList.DRAIN_AT - 1), "u" + (RecencyList.DRAIN_AT - 2));
    }

    @Test
    void aQueuedSeenThatLeavesIsNotPutBack() {
        Seen a = new Seen("a", 10);
        list.add(a);
        list.add(new Seen("b", 20));
        assertThat(list.refresh(a, 10, 30)).isTrue();
        assertThat(list.remove(a)).isTrue();
        assertThat(ids()).containsExactly("b");
        assertThat(list.refresh(a, 30, 40)).isFalse();
        assertThat(ids()).containsExactly("b");
    }

    @Test
    void concurrentRefreshesEndInOneSortedListOfEveryEntryAtItsTime() throws Exception {
        int users = 1_000;
        List<Seen> seen = new ArrayList<>();
        for (int i = 0; i < users; i++) {
            Seen s = new Seen("u" + i, 0);
            seen.add(s);
            list.add(s);
        }
        AtomicLong clock = new AtomicLong();
        AtomicBoolean unsorted = new AtomicBoolean();
        int writers = 4;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(writers + 1);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < writers; t++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    for (int i = 0; i < 200_000; i++) {
                        Seen s = seen.get(random.nextInt(users));
                        long at = s.at;
                        assertThat(list.refresh(s, at, clock.incrementAndGet())).isTrue();
                    }
                    return null;
                }));
            }
            futures.add(pool.submit(() -> {
                start.await();
                for (int i = 0; i < 2_000; i++) {
                    List<LastSeen> top = list.newest(50, Long.MIN_VALUE);
                    for (int k = 1; k < top.size(); k++) {
                        if (top.get(k).epochMilli() > top.get(k - 1).epochMilli()) {
                            unsorted.set(true);
                        }
                    }
                }
                return null;
            }));
            start.countDown();
            for (Future<?> f : futures) {
                f.get(2, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(unsorted).isFalse();
        List<LastSeen> all = list.newest(users * 2, Long.MIN_VALUE);
        assertThat(all).hasSize(users);
        for (int i = 1; i < all.size(); i++) {
            assertThat(all.get(i).epochMilli()).isLessThan(all.get(i - 1).epochMilli()); // times are unique
        }
        for (LastSeen s : all) {
            assertThat(seen.get(Integer.parseInt(s.id().substring(1))).at).isEqualTo(s.epochMilli());
        }
        assertThat(list.oldestAt()).isEqualTo(all.get(users - 1).epochMilli());
    }

    @Test
    void pollTakesTheOldestOnlyWhenItIsOldEnough() {
        Seen a = new Seen("a", 10);
        list.add(a);
        list.add(new Seen("b", 20));
        assertThat(list.pollOldestAtOrBefore(9)).isNull();
        assertThat(list.pollOldestAtOrBefore(10)).isSameAs(a);
        assertThat(list.refresh(a, 10, 30)).isFalse();
        assertThat(ids()).containsExactly("b");
    }

    @Test
    void newestStopsAtTheExpiredAndAtTheLimit() {
        for (int i = 1; i <= 5; i++) {
            list.add(new Seen("u" + i, i * 10));
        }
        assertThat(list.newest(2, Long.MIN_VALUE)).extracting(LastSeen::id).containsExactly("u5", "u4");
        assertThat(list.newest(10, 30)).extracting(LastSeen::id).containsExactly("u5", "u4");
    }
}
