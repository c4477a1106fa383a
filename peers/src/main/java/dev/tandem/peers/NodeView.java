package dev.tandem.peers;

import java.util.List;

/**
 * What a node shows of itself: the status, the peers endpoint, the metrics and the simulation's
 * checks read it.
 *
 * @param syncStandby on the active, the standby its commits wait for
 * @param syncKnown the sync standby as this node last learnt it (from the lease or the log)
 * @param knownMissing committed entries this node knows exist and does not hold
 * @param progress on the active, each standby's replication; empty elsewhere
 * @param heardActiveAgoMs on a standby, how long ago the active last said it may commit; -1 never
 * @param lease the lease as this node last held or watched it; null when none is known
 * @param probeFailure what the last conditional-write probe of the lease store found wrong; null when it
 *     passed or has not run
 * @param probeRefused the store answered the probe and got a condition wrong (not a store that did not answer)
 * @param authorityLeftMs on the writer with a lease store, how long its authority lasts without a renewal
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
        String probeFailure,
        boolean probeRefused,
        long knownMissing,
        int pendingWrites,
        List<MemberProgress> progress,
        long heardActiveAgoMs,
        Lease lease,
        long authorityLeftMs) {}
