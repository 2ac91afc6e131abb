package dev.onlinenow;

import java.time.Instant;
import java.util.Date;

/**
 * The most people (users and guests; robots not) ever online at once, and when
 * ({@code ${onlineNowRecord.count}}, {@code <fmt:formatDate value="${onlineNowRecord.date}"/>}).
 * Immutable; JavaBean getters for EL.
 */
public final class OnlineRecord {

    /** No record yet: nobody has been online. */
    public static final OnlineRecord NONE = new OnlineRecord(0, 0);

    private final long count;
    private final long epochMilli;

    public OnlineRecord(long count, long epochMilli) {
        if (count < 0) {
            throw new IllegalArgumentException("count " + count);
        }
        this.count = count;
        this.epochMilli = epochMilli;
    }

    /** How many people were online at once. */
    public long getCount() {
        return count;
    }

    /** When, as a {@link Date} (for JSTL's {@code <fmt:formatDate>}); null when there is no record yet. */
    public Date getDate() {
        return count == 0 ? null : new Date(epochMilli);
    }

    /** When, in epoch milliseconds (0 when there is no record yet). */
    public long getMillis() {
        return epochMilli;
    }

    public Instant getInstant() {
        return count == 0 ? null : Instant.ofEpochMilli(epochMilli);
    }

    /** True if this record beats {@code other}: more people, or as many earlier (the first time counts). */
    boolean beats(OnlineRecord other) {
        return count > other.count || (count == other.count && count > 0 && epochMilli < other.epochMilli);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OnlineRecord r && r.count == count && r.epochMilli == epochMilli;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(count) * 31 + Long.hashCode(epochMilli);
    }

    @Override
    public String toString() {
        return count + " at " + (count == 0 ? "-" : Instant.ofEpochMilli(epochMilli).toString());
    }
}
