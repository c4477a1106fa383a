package dev.tandem.appliance.revisions;

import java.time.Instant;

/**
 * Whether the current revision is served: its snapshots set for every node group. A revision is
 * stored before it is published, so a failed publish leaves it stored (its number is never reused)
 * and retried until it succeeds or a newer revision replaces it.
 *
 * @param revision the current revision (0: none stored)
 * @param published every node group's snapshot is set
 * @param error     why the last attempt failed, in words (with a reference the log has the cause
 *                  under); null when published or while the first attempt is under way
 * @param attempts  publish attempts of this revision so far
 * @param since     when this state began
 */
public record Publication(long revision, boolean published, String error, int attempts, Instant since) {

    static Publication nothingStored(Instant now) {
        return new Publication(0, true, null, 0, now);
    }

    /** Attempt {@code attempt} under way; a retry keeps the error of the attempt before it. */
    static Publication publishing(long revision, int attempt, String lastError, Instant now) {
        return new Publication(revision, false, lastError, attempt, now);
    }

    /** The publish failed and is being retried: not ready, alerted on. A publish under way is not failing. */
    public boolean failing() {
        return !published && error != null;
    }
}
