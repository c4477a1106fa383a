package dev.tandem.peers;

import java.util.Comparator;

/**
 * What a node publishes (ADR 0014 §3.6): the revision and the epoch that stamps it, ordered by epoch
 * then revision, plus the log index it was taken at. A node never publishes a lower one (I3).
 */
public record ServedId(long epoch, long revision, long index) implements Comparable<ServedId> {
    public static final ServedId NONE = new ServedId(0, 0, 0);

    private static final Comparator<ServedId> ORDER =
            Comparator.comparingLong(ServedId::epoch).thenComparingLong(ServedId::revision);

    @Override
    public int compareTo(ServedId other) {
        return ORDER.compare(this, other);
    }

    public boolean isNewerThan(ServedId other) {
        return compareTo(other) > 0;
    }

    @Override
    public String toString() {
        return "(" + epoch + ", r" + revision + " @" + index + ")";
    }
}
