package dev.onlinenow.store;

import dev.onlinenow.store.EhcachePresenceStore.Seen;
import org.junit.jupiter.api.Test;

import java.util.List;
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

        Seen never = new Seen("n", 10);
        assertThat(list.remove(never)).isFalse();
        assertThat(list.refresh(never, 10, 20)).isFalse();
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
