package dev.onlinenow.internal.store;

import dev.onlinenow.internal.store.EhcachePresenceStore.Seen;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SeenSlotsTest {

    private final SeenSlots slots = new SeenSlots(1_000);

    @Test
    void findsASeenByTheSameStringOrAnEqualOne() {
        Seen a = new Seen("alice", 10);
        slots.put(a);
        assertThat(slots.get("alice")).isSameAs(a);
        assertThat(slots.get(new String("alice".toCharArray()))).isSameAs(a);
        assertThat(slots.get("bob")).isNull();
    }

    @Test
    void aSlotHoldsTheLastSeenPutThereAndNeverAnswersForAnotherId() {
        // find two ids that share a slot
        String first = "u0";
        String second = null;
        for (int i = 1; second == null; i++) {
            SeenSlots probe = new SeenSlots(1_000);
            Seen s = new Seen(first, 1);
            probe.put(s);
            probe.put(new Seen("u" + i, 1));
            if (probe.get(first) == null) {
                second = "u" + i;
            }
        }
        Seen a = new Seen(first, 1);
        Seen b = new Seen(second, 2);
        slots.put(a);
        slots.put(b);
        assertThat(slots.get(first)).isNull();
        assertThat(slots.get(second)).isSameAs(b);
        slots.remove(a); // not there any more: leaves b alone
        assertThat(slots.get(second)).isSameAs(b);
        slots.remove(b);
        assertThat(slots.get(second)).isNull();
    }

    @Test
    void growsWithTheTrackedIdsUpToFourSlotsPerMaxTracked() {
        assertThat(slots.length()).isEqualTo(SeenSlots.MIN_SLOTS);
        slots.sizeFor(SeenSlots.MIN_SLOTS / 2); // half full: not yet
        assertThat(slots.length()).isEqualTo(SeenSlots.MIN_SLOTS);
        slots.put(new Seen("kept?", 1));
        slots.sizeFor(700);
        assertThat(slots.length()).isEqualTo(4096); // between two and four slots per id
        assertThat(slots.get("kept?")).isNull(); // a grown table starts empty
        slots.sizeFor(1_000_000);
        assertThat(slots.length()).isEqualTo(4096); // capped: four slots per maxTracked (1,000)
        slots.clear();
        assertThat(slots.length()).isEqualTo(SeenSlots.MIN_SLOTS);
    }
}
