package dev.tandem.peers;

import java.util.List;

/**
 * The witness lease in the S3 store (ADR 0014 §5.1). {@code ttl} and {@code safetyMargin} are
 * durations, not an expiry: each reader judges age on its own monotonic clock. {@code renewal} and
 * {@code writeId} change the bytes of every write, so a renewal is visible as a new ETag and a
 * writer can tell after an ambiguous answer whether its own write landed.
 *
 * @param syncStandby the member every commit waits for, or null: only it may take the lease automatically
 */
public record Lease(
        String cluster,
        String holder,
        long epoch,
        long renewal,
        long ttl,
        long safetyMargin,
        String syncStandby,
        Replication replication,
        boolean allowDataLoss,
        List<String> failsafeMembers,
        long committedIndex,
        String writeId,
        String writtenBy) {

    public Lease {
        failsafeMembers = List.copyOf(failsafeMembers);
    }
}
