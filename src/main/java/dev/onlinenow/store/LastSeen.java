package dev.onlinenow.store;

import java.time.Instant;

/** One id and when it was last active, in epoch milliseconds. */
public record LastSeen(String id, long epochMilli) {

    public Instant instant() {
        return Instant.ofEpochMilli(epochMilli);
    }
}
