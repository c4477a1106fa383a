package dev.tandem.appliance.store;

import java.time.Instant;

/**
 * A log entry this node held past the fork with a new active's log, moved aside when it rejoined
 * (ADR 0014 §3.8): never acknowledged in sync mode, kept until an operator clears it.
 *
 * @param revision the revision the entry would have stored, 0 for other kinds
 */
public record DivergedEntry(
        long epoch, long index, String kind, long revision, long replacedByEpoch, Instant writtenAt, Instant movedAt) {}
