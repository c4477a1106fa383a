package dev.tandem.peers;

/**
 * Where a state transfer stands (ADR 0014 §3.7): the sender's log base and its position at the
 * snapshot. The transfer carries the replicated tables as of {@code snapshotIndex} and the sender's
 * retained entries after {@code base}, so the receiver can go on numbering, serving and checking
 * the chain exactly as the sender would.
 */
public record StateSummary(
        LogBase base, long snapshotIndex, long snapshotEntryEpoch, Checksum snapshotChecksum, long commitIndex) {}
