package dev.tandem.appliance.revisions;

import java.time.Instant;

/**
 * Whether the current revision is served: its snapshots set for every node group. A revision is
 * stored before it is published, so a failed publish leaves it stored (its number is never reused)
 * and retried until it succeeds or a newer revision replaces it.
 *
 * @param revision the current revision (0: none stored)
 * @param published every node group's snapshot is set
 * @param error     why it is not, in words; null when published
 * @param attempts  publish attempts of this revision so far
 * @param since     when this state began
 */
public record Publication(long revision, boolean published, String error, int attempts, Instant since) {

    static Publication nothingStored(Instant now) {
        return new Publication(0, true, null, 0, now);
    }

    static Publication publishing(long revision, int attempts, Instant now) {
        return new Publication(revision, false, "being published", attempts, now);
    }
}
