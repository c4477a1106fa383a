package dev.tandem.peers;

import java.util.Arrays;

/**
 * One entry of the replicated log (ADR 0014 §3.1). The payload is opaque to the machine except for
 * the kinds it writes itself ({@link EntryKinds}); it is stored and sent as the bytes the checksum
 * covers, never re-serialized.
 *
 * @param revision the revision number for a {@code revision} entry, else 0
 */
public record LogEntry(long epoch, long index, String kind, long revision, byte[] payload, Checksum checksum) {

    public static LogEntry create(Checksum prev, long epoch, long index, String kind, long revision, byte[] payload) {
        return new LogEntry(
                epoch, index, kind, revision, payload, Checksum.next(prev, epoch, index, kind, revision, payload));
    }

    /** Whether the checksum is what this entry's fields give after {@code prev}. */
    public boolean follows(Checksum prev) {
        return checksum.equals(Checksum.next(prev, epoch, index, kind, revision, payload));
    }

    public EntryMeta meta() {
        return new EntryMeta(epoch, index, kind, revision, checksum);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof LogEntry that
                && epoch == that.epoch
                && index == that.index
                && revision == that.revision
                && kind.equals(that.kind)
                && Arrays.equals(payload, that.payload)
                && checksum.equals(that.checksum);
    }

    @Override
    public int hashCode() {
        return checksum.hashCode();
    }

    @Override
    public String toString() {
        return "LogEntry[" + epoch + "/" + index + " " + kind + (revision > 0 ? " r" + revision : "") + " " + checksum
                + "]";
    }
}
