package dev.onlinenow.store;

import java.time.Instant;

/** One id, when it was last active (in epoch milliseconds), and where (null if unknown). */
public record LastSeen(String id, long epochMilli, String location) {

    public LastSeen(String id, long epochMilli) {
        this(id, epochMilli, null);
    }

    public Instant instant() {
        return Instant.ofEpochMilli(epochMilli);
    }
}
