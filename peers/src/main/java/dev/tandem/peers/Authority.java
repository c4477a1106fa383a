package dev.tandem.peers;

import static dev.tandem.peers.Node.MS;
import static dev.tandem.peers.Node.NEVER;

/**
 * Authority (§2.5, T10, T37): the one predicate that lets a node write. The lease writes that land,
 * the failsafe rounds and a forced promote move its bounds; the check before every input fences a
 * writer whose authority ran out or whose process was suspended.
 */
final class Authority extends NodePart {
    /** Send time of the last lease write that landed + ttl − safetyMargin. */
    long authUntil = NEVER;
    /** Promoted by force (T27): the epoch alone fences, until the lease is claimed (T36). */
    boolean forced;
    /** The earliest local time at which this node may commit (§2.4, T26). */
    long writeNotBefore = NEVER;
    /** The last lease write failed because the store was unreachable, not because it refused (§2.5). */
    boolean lastLeaseFailureUnreachable;

    Authority(Node node) {
        super(node);
    }

    boolean authorisedAt(long mono) {
        if (!settings.leaseStore() || forced) {
            return true;
        }
        if (mono < authUntil) {
            return true;
        }
        if (settings.alone()) {
            return lastLeaseFailureUnreachable;
        }
        return node.failsafe.mode && lastLeaseFailureUnreachable && mono < node.failsafe.until;
    }

    /** §2.5: a node that may commit is a writer; the simulation's I1 counts them. */
    boolean mayCommitAt(long mono) {
        return node.state.writerState() && authorisedAt(mono) && mono >= writeNotBefore;
    }

    boolean acceptsWritesAt(long mono) {
        return (node.state == State.STANDALONE || node.state == State.ACTIVE) && mayCommitAt(mono);
    }

    boolean mayCommit() {
        return mayCommitAt(node.now);
    }

    /** Before every input, with the clocks of the one before it. */
    void check(long lastTickMono, long lastTickWall) {
        if (node.state.writerState() && !authorisedAt(node.now)) {
            node.roles.fence("self-fenced: the lease was not renewed in time");
        }
        boolean suspended = lastTickMono != NEVER
                && (node.wallNow - lastTickWall) * MS > (node.now - lastTickMono) + timing.safetyMargin();
        if (suspended && node.state.writerState() && settings.leaseStore()) {
            authUntil = NEVER;
            node.failsafe.until = NEVER;
            node.roles.fence("suspend detected: the wall clock moved " + (node.wallNow - lastTickWall)
                    + " ms while the monotonic clock moved " + (node.now - lastTickMono) / MS + " ms");
        }
    }

    /** A lease write sent at {@code sentAt} landed: the authority counts from when it was sent. */
    void grantedBy(long sentAt) {
        authUntil = sentAt + timing.ttl() - timing.safetyMargin();
    }

    /** T12: a node that stops leading gives up every bound of its authority. */
    void revoke() {
        authUntil = NEVER;
        forced = false;
        writeNotBefore = NEVER;
    }
}
