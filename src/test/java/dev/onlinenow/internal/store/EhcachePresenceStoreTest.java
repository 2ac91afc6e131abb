package dev.onlinenow.internal.store;

import dev.onlinenow.store.LastSeen;
import dev.onlinenow.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

class EhcachePresenceStoreTest {

    private final MutableClock clock = new MutableClock();
    private final EhcachePresenceStore store = new EhcachePresenceStore("test", Duration.ofMinutes(15), 1000, clock);

    @AfterEach
    void close() {
        store.close();
    }

    private static List<String> ids(List<LastSeen> seen) {
        return seen.stream().map(LastSeen::id).collect(Collectors.toList());
    }

    @Test
    void aTouchedIdIsOnlineUntilTheThreshold() {
        store.touch("alice");
        assertThat(store.count()).isEqualTo(1);
        assertThat(store.lastSeen("alice")).contains(clock.instant());

        clock.advance(Duration.ofMinutes(15).minusMillis(1));
        assertThat(store.count()).isEqualTo(1);
        assertThat(ids(store.recent(10))).containsExactly("alice");

        clock.advance(Duration.ofMillis(1));
        assertThat(store.count()).isZero();
        assertThat(store.recent(10)).isEmpty();
        assertThat(store.lastSeen("alice")).isEmpty();
    }

    @Test
    void recentIsMostRecentFirstAndLimited() {
        for (String id : List.of("a", "b", "c", "d")) {
            store.touch(id);
            clock.advance(Duration.ofSeconds(5));
        }
        store.touch("b");
        assertThat(ids(store.recent(10))).containsExactly("b", "d", "c", "a");
        assertThat(ids(store.recent(2))).containsExactly("b", "d");
        assertThat(store.count()).isEqualTo(4);
    }

    @Test
    void countIsExactBeyondAnyListLimit() {
        IntStream.range(0, 500).forEach(i -> store.touch("u" + i));
        assertThat(store.count()).isEqualTo(500);
        assertThat(store.recent(50)).hasSize(50);
    }

    @Test
    void touchesWithinASecondAreNotWritten() {
        Instant first = clock.instant();
        store.touch("alice");
        clock.advance(Duration.ofMillis(999));
        store.touch("alice");
        assertThat(store.lastSeen("alice")).contains(first);
        clock.advance(Duration.ofMillis(1));
        store.touch("alice");
        Instant written = clock.instant();
        assertThat(store.lastSeen("alice")).contains(written);
        clock.advance(Duration.ofMillis(500));
        store.touch("alice"); // coalesced without reading Ehcache
        assertThat(store.lastSeen("alice")).contains(written);
        clock.advance(Duration.ofMillis(500));
        store.touch("alice");
        assertThat(store.lastSeen("alice")).contains(clock.instant());
        assertThat(store.count()).isEqualTo(1);
    }

    @Test
    void removeTakesAnIdOffAtOnce() {
        store.touch("alice");
        store.touch("bob");
        assertThat(store.remove("alice")).isTrue();
        assertThat(store.remove("alice")).isFalse();
        assertThat(store.count()).isEqualTo(1);
        assertThat(ids(store.recent(10))).containsExactly("bob");
    }

    @Test
    void aReturningUserIsCountedOnce() {
        store.touch("alice");
        clock.advance(Duration.ofMinutes(20));
        store.touch("alice");
        assertThat(store.count()).isEqualTo(1);
        assertThat(ids(store.recent(10))).containsExactly("alice");
    }

    @Test
    void logoutAndLoginInTheSameMillisecondKeepTheUser() {
        store.touch("alice");
        store.touch("alice"); // found in Ehcache: remembered in the slots, where the next would find it
        store.remove("alice");
        store.touch("alice");
        assertThat(store.count()).isEqualTo(1);
        assertThat(ids(store.recent(10))).containsExactly("alice");
    }

    @Test
    void maxTrackedBoundsMemoryAndKeepsCountingWhatIsKept() {
        try (EhcachePresenceStore small = new EhcachePresenceStore("small", Duration.ofMinutes(15), 100, clock)) {
            for (int i = 0; i < 300; i++) {
                small.touch("u" + i);
                clock.advance(Duration.ofSeconds(1));
            }
            assertThat(small.count()).isLessThanOrEqualTo(100).isEqualTo(small.recent(1000).size());
            assertThat(ids(small.recent(1))).containsExactly("u299");
        }
    }

    @Test
    void ehcachesOwnExpiryAndTheSweepAgreeOnTheCount() {
        store.touch("alice");
        store.touch("bob");
        clock.advance(Duration.ofMinutes(15));
        // Ehcache still holds alice (its idle time is a margin longer); the look-up goes by her time
        assertThat(store.lastSeen("alice")).isEmpty();
        assertThat(store.count()).isZero();
        assertThat(store.recent(10)).isEmpty();
        store.touch("alice");
        assertThat(store.count()).isEqualTo(1);
        assertThat(ids(store.recent(10))).containsExactly("alice");
    }

    @Test
    void aUserPastTheThresholdIsNotCountedNorListedThoughEhcacheStillHoldsThem() {
        store.touch("alice");
        clock.advance(Duration.ofSeconds(30));
        store.touch("bob");
        clock.advance(Duration.ofMinutes(15).minusSeconds(30).plusMillis(1)); // alice: threshold + 1 ms
        assertThat(store.cached("alice")).as("Ehcache's backstop is a margin later").isTrue();
        assertThat(store.lastSeen("alice")).isEmpty();
        assertThat(ids(store.recent(10))).containsExactly("bob");
        assertThat(store.count()).isEqualTo(1);
        // the sweep behind count() and recent() took her out of Ehcache too
        assertThat(store.cached("alice")).isFalse();
    }

    @Test
    void ehcacheDropsAnEntryNobodySweptAMarginAfterTheThreshold() {
        store.touch("alice");
        clock.advance(Duration.ofMinutes(15).plus(EhcachePresenceStore.EXPIRY_MARGIN).minusMillis(1));
        assertThat(store.cached("alice")).isTrue(); // nothing swept: no touch, count or list since
        clock.advance(Duration.ofMillis(1));
        assertThat(store.cached("alice")).as("Ehcache's own expiry, without our sweep").isFalse();
        assertThat(store.count()).isZero();
        assertThat(store.recent(10)).isEmpty();
    }

    @Test
    void aUserWhoKeepsWritingIsNeverDroppedByEhcache() {
        // writes every 2 s go through SeenSlots (Ehcache is read once a margin); now and then a
        // gap longer than the margin sends the write through Ehcache again
        Instant start = clock.instant();
        for (int i = 0; i < 1200; i++) {
            store.touch("alice");
            assertThat(store.cached("alice")).isTrue();
            clock.advance(i % 100 == 99 ? EhcachePresenceStore.EXPIRY_MARGIN.plusSeconds(1) : Duration.ofSeconds(2));
        }
        assertThat(clock.instant()).isAfter(start.plus(Duration.ofMinutes(15).plus(EhcachePresenceStore.EXPIRY_MARGIN)));
        store.touch("alice");
        assertThat(store.lastSeen("alice")).contains(clock.instant());
        assertThat(store.count()).isEqualTo(1);
        // and then, untouched, she leaves at the threshold by her own time
        clock.advance(Duration.ofMinutes(15));
        assertThat(store.count()).isZero();
    }
}
