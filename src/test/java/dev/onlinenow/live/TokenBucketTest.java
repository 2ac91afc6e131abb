package dev.onlinenow.live;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TokenBucketTest {

    @Test
    void allowsABurstOfCapacityThenRefillsWithTime() {
        TokenBucket b = new TokenBucket(5, 5, 1000);
        for (int i = 0; i < 5; i++) {
            assertThat(b.tryTake(1000)).isTrue();
        }
        assertThat(b.tryTake(1000)).isFalse();
        assertThat(b.tryTake(1199)).as("0.995 tokens after 199 ms").isFalse();
        assertThat(b.tryTake(1200)).as("one token after 200 ms at 5/s").isTrue();
        assertThat(b.tryTake(1200)).isFalse();
    }

    @Test
    void neverHoldsMoreThanCapacity() {
        TokenBucket b = new TokenBucket(3, 10, 0);
        int taken = 0;
        while (b.tryTake(1_000_000)) {
            taken++;
        }
        assertThat(taken).isEqualTo(3);
    }

    @Test
    void aClockGoingBackwardsAddsNothing() {
        TokenBucket b = new TokenBucket(1, 1, 10_000);
        assertThat(b.tryTake(10_000)).isTrue();
        assertThat(b.tryTake(5_000)).isFalse();
        assertThat(b.tryTake(10_999)).isFalse();
        assertThat(b.tryTake(11_000)).isTrue();
    }

    @Test
    void sustainedRateIsTheRefillRate() {
        TokenBucket b = new TokenBucket(10, 100, 0);
        int taken = 0;
        for (long t = 0; t < 10_000; t++) { // one attempt per ms for 10 s
            if (b.tryTake(t)) {
                taken++;
            }
        }
        assertThat(taken).isBetween(1000, 1011);
    }
}
