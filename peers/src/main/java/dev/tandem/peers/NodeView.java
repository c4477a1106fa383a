package dev.tandem.peers;

/**
 * What a node shows of itself: the status, the peers endpoint, the metrics and the simulation's
 * checks read it.
 *
 * @param syncStandby on the active, the standby its commits wait for
 * @param syncKnown the sync standby as this node last learnt it (from the lease or the log)
 * @param knownMissing committed entries this node knows exist and does not hold
 */
public record NodeView(
        String name,
        State state,
        long epoch,
        String epochActive,
        long firstIndex,
        long lastIndex,
        Checksum lastChecksum,
        long commitIndex,
        ServedId served,
        boolean serving,
        String servingReason,
        String syncStandby,
        String syncKnown,
        boolean failsafe,
        boolean probeOk,
        long knownMissing,
        int pendingWrites) {}
