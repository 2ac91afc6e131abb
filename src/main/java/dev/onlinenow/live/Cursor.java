package dev.onlinenow.live;

import java.util.Objects;

/**
 * The last known cursor position of one user in one room. Coordinates are whatever the page
 * sends (page pixels or normalized), finite and within ±{@value #MAX_COORDINATE}.
 */
public final class Cursor {

    /** The largest absolute coordinate accepted. */
    public static final double MAX_COORDINATE = 1e6;

    private final String id;
    private final double x;
    private final double y;
    private final long movedAt;

    public Cursor(String id, double x, double y, long movedAtMillis) {
        this.id = Objects.requireNonNull(id, "id");
        this.x = x;
        this.y = y;
        this.movedAt = movedAtMillis;
    }

    /** True if {@code v} is a coordinate the live layer accepts. */
    public static boolean validCoordinate(double v) {
        return Double.isFinite(v) && Math.abs(v) <= MAX_COORDINATE;
    }

    public String getId() {
        return id;
    }

    public double getX() {
        return x;
    }

    public double getY() {
        return y;
    }

    /** When the cursor last moved, epoch millis by the live layer's clock. */
    public long getMovedAt() {
        return movedAt;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Cursor)) {
            return false;
        }
        Cursor c = (Cursor) o;
        return id.equals(c.id) && x == c.x && y == c.y && movedAt == c.movedAt;
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, x, y, movedAt);
    }

    @Override
    public String toString() {
        return "Cursor{" + id + " " + x + "," + y + "}";
    }
}
