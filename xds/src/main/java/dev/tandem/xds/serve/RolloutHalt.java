package dev.tandem.xds.serve;

import java.time.Instant;
import java.util.Set;

/**
 * A node group's halted rollout ({@code rollout.haltOnNack}): the revision that a node rejected and
 * that is therefore not sent to the group's nodes that do not have it yet.
 *
 * @param heldTypes the types the halted revision changed: only those are held back
 */
public record RolloutHalt(
        long revision, String nodeId, String type, String version, String detail, Instant at, Set<String> heldTypes) {

    public RolloutHalt {
        heldTypes = Set.copyOf(heldTypes);
    }
}
