package dev.tandem.peers;

import static dev.tandem.peers.Node.NEVER;

import dev.tandem.peers.Action.WriteLease;
import dev.tandem.peers.Condition.Matches;
import dev.tandem.peers.LeaseAnswer.Found;
import dev.tandem.peers.LeaseAnswer.Missing;
import dev.tandem.peers.LeaseAnswer.Unverifiable;
import dev.tandem.peers.LeaseKeeper.ReadPurpose;
import dev.tandem.peers.WriteAnswer.Ambiguous;
import dev.tandem.peers.WriteAnswer.Written;

/**
 * The lease writes L1 to L9 (§5.2), one at a time, and how each answer is resolved (R2, T11, T17,
 * T23): a refused or ambiguous write is decided by reading the object again, by its writeId.
 */
final class LeaseWrites extends NodePart {
    enum WriteKind {
        /** L1: the first active creates the lease. */
        CREATE,
        /** L2 to L4: the holder renews, or changes the sync standby, at its own epoch. */
        HOLDER,
        /** L5: the old active names the switch target at epoch + 1. */
        HANDOVER,
        /** L6: a standby takes a lease it saw unchanged for W. */
        TAKEOVER,
        /** L7: an operator's promote. */
        PROMOTE,
        /** L8: the target of a switch counts its authority from a write it sent. */
        CONFIRM,
        /** L9: a node promoted while the store was down claims the lease at its epoch. */
        CLAIM
    }

    record LeaseOp(WriteKind kind, long requestId, Lease lease, String replacedEtag, long sentAt) {}

    private LeaseOp leaseWrite;
    private LeaseOp resolving;
    /**
     * A handover write whose answer was lost: it may still land after a read shows the lease
     * unchanged, so the switch is aborted only once a renewal has replaced the version it was
     * conditional on (then it can no longer land).
     */
    private LeaseOp handoverInDoubt;

    LeaseWrites(Node node) {
        super(node);
    }

    /** A write is on its way or being resolved: the next waits for it. */
    boolean inFlight() {
        return leaseWrite != null || resolving != null;
    }

    boolean writing() {
        return leaseWrite != null;
    }

    boolean handoverInDoubt() {
        return handoverInDoubt != null;
    }

    /** A takeover or a promote of this node is on its way: it cannot promise the active anything (T25). */
    boolean taking() {
        return leaseWrite != null && (leaseWrite.kind() == WriteKind.TAKEOVER || leaseWrite.kind() == WriteKind.PROMOTE)
                || resolving != null
                        && (resolving.kind() == WriteKind.TAKEOVER || resolving.kind() == WriteKind.PROMOTE);
    }

    /** T12: a node that stops leading forgets its writes; their answers are ignored. */
    void forget() {
        leaseWrite = null;
        resolving = null;
        handoverInDoubt = null;
    }

    private String newWriteId() {
        return node.bootId + "-" + node.nextSequence();
    }

    Lease lease(String holder, long epoch, long renewal, String sync) {
        return new Lease(
                settings.cluster(),
                holder,
                epoch,
                renewal,
                timing.ttl(),
                timing.safetyMargin(),
                sync,
                settings.replication(),
                settings.allowDataLoss(),
                settings.members(),
                node.commitIndex,
                newWriteId(),
                settings.self());
    }

    /** L8: renews the version that names this node, so that its authority counts from a write it sent. */
    Lease confirmLease(Lease written) {
        return lease(settings.self(), node.currentEpoch, written.renewal() + 1, written.syncStandby());
    }

    void writeLease(WriteKind kind, Lease lease, Condition condition) {
        long id = node.nextSequence();
        String replaced = condition instanceof Matches matches ? matches.etag() : null;
        leaseWrite = new LeaseOp(kind, id, lease, replaced, node.now);
        out.add(new WriteLease(id, lease, condition));
    }

    /** L9: this node claims the lease at its own epoch (T36), keeping its sync standby. */
    void claim(Condition condition) {
        writeLease(WriteKind.CLAIM, lease(settings.self(), node.currentEpoch, 0, node.syncStandby), condition);
    }

    void leaseWritten(long requestId, WriteAnswer answer) {
        LeaseOp op = leaseWrite;
        if (op == null || op.requestId() != requestId) {
            return;
        }
        leaseWrite = null;
        switch (answer) {
            case Written written -> landed(op, written.etag());
            case WriteAnswer.Unreachable unreachable -> notDelivered(op, unreachable.detail());
            case WriteAnswer.Refused refused -> resolve(op);
            case Ambiguous ambiguous -> {
                if (op.kind() == WriteKind.HANDOVER) {
                    handoverInDoubt = op;
                }
                resolve(op);
            }
        }
    }

    private void resolve(LeaseOp op) {
        resolving = op;
        node.lease.read(ReadPurpose.RESOLVE);
    }

    /** R2: after a refused or ambiguous write, the object says whether mine landed. */
    void resolveRead(LeaseAnswer answer) {
        LeaseOp op = resolving;
        resolving = null;
        if (op == null) {
            return;
        }
        switch (answer) {
            case Found found -> {
                if (handoverInDoubt != null
                        && found.lease()
                                .writeId()
                                .equals(handoverInDoubt.lease().writeId())) {
                    LeaseOp handover = handoverInDoubt;
                    handoverInDoubt = null;
                    landed(handover, found.etag());
                } else if (found.lease().writeId().equals(op.lease().writeId())) {
                    landed(op, found.etag());
                } else if (found.etag().equals(op.replacedEtag())) {
                    notLanded(op, "the lease is unchanged");
                } else {
                    otherWriter(op, found);
                }
            }
            case Missing missing -> {
                if (op.kind() == WriteKind.HOLDER && node.authority.authorisedAt(node.now)) {
                    node.event(
                            "lease-missing",
                            "detail",
                            "the lease object is gone while this node holds it: created again at epoch "
                                    + node.currentEpoch);
                    writeLease(
                            WriteKind.CREATE,
                            lease(settings.self(), node.currentEpoch, 0, node.syncStandby),
                            new Condition.Absent());
                } else {
                    notLanded(op, "the lease object is missing");
                }
            }
            case LeaseAnswer.Unreachable unreachable -> notDelivered(op, unreachable.detail());
            case Unverifiable unverifiable ->
                notLanded(op, "the lease object does not verify: " + unverifiable.detail());
        }
    }

    void resolveAfterHigherEpoch() {
        LeaseOp op = resolving;
        resolving = null;
        if (op != null) {
            failOperator(op, "another node holds a higher epoch");
        }
    }

    private void landed(LeaseOp op, String etag) {
        node.lease.wrote(etag, op.lease());
        node.authority.lastLeaseFailureUnreachable = false;
        node.failsafe.mode = false;
        switch (op.kind()) {
            case CREATE, HOLDER, CONFIRM, CLAIM -> {
                node.lease.renewFrom(op.sentAt());
                node.authority.forced = false;
                node.sync.apply(op.lease().syncStandby());
                if (handoverInDoubt != null && op.kind() == WriteKind.HOLDER) {
                    handoverInDoubt = null;
                    node.switchover.abortSwitch(
                            "the lease write naming the target did not land; a renewal has replaced the version it needed");
                }
                if (op.kind() == WriteKind.CONFIRM) {
                    node.switchover.confirmed();
                }
                if (node.state == State.FENCED || op.kind() == WriteKind.CREATE || op.kind() == WriteKind.CONFIRM) {
                    if (settings.self().equals(node.epochActive)) {
                        node.leader.lead();
                    }
                }
                if (node.state == State.DEMOTING) {
                    node.switchover.switchStep();
                }
                node.replicator.tryCommit();
            }
            case HANDOVER -> node.switchover.handedOver(etag);
            case TAKEOVER -> node.takeover.tookOver(op);
            case PROMOTE -> node.promotion.promoted(op);
        }
    }

    /** The request never reached the store: it did not land. */
    private void notDelivered(LeaseOp op, String detail) {
        node.authority.lastLeaseFailureUnreachable = true;
        switch (op.kind()) {
            case CREATE, HOLDER, CONFIRM, CLAIM -> {
                node.lease.renewSoon();
                if (op.kind() == WriteKind.HOLDER
                        && settings.failsafe()
                        && !settings.alone()
                        && !node.failsafe.mode
                        && node.state.writerState()) {
                    node.failsafe.enter(detail);
                }
                if (op.kind() == WriteKind.CONFIRM) {
                    node.lease.read(ReadPurpose.CONFIRM);
                }
            }
            case HANDOVER -> {
                // Ambiguous handovers are resolved by reading again until the store answers (T17).
                if (op.replacedEtag() != null) {
                    // The handover may have landed: never resume as the active before the store says it did not.
                    resolve(op);
                    return;
                }
                node.switchover.abortSwitch("the lease store is unreachable: " + detail);
            }
            case TAKEOVER -> node.event("takeover-failed", "detail", detail);
            case PROMOTE -> node.promotion.leaseUnreachable(detail);
        }
    }

    private void notLanded(LeaseOp op, String detail) {
        switch (op.kind()) {
            case CREATE, HOLDER, CLAIM -> node.lease.renewSoon();
            case CONFIRM -> node.lease.read(ReadPurpose.CONFIRM);
            case HANDOVER -> {
                if (handoverInDoubt != null) {
                    if (leaseWrite == null) {
                        node.lease.holderWrite();
                    }
                    return;
                }
                node.switchover.abortSwitch("the lease write naming the target did not land: " + detail);
            }
            case TAKEOVER -> node.event("takeover-failed", "detail", detail);
            case PROMOTE -> failOperator(op, detail);
        }
    }

    /** Someone else wrote the lease at my epoch or lower (the higher epoch was handled first). */
    private void otherWriter(LeaseOp op, Found found) {
        Lease lease = found.lease();
        switch (op.kind()) {
            case CREATE, HOLDER, CLAIM -> {
                if (lease.holder().equals(settings.self()) && lease.epoch() == node.currentEpoch) {
                    // An earlier incarnation of this node wrote it: adopt the version, renew again.
                    node.lease.adopt(found);
                    node.lease.renewAtNextTick();
                } else if (lease.epoch() == node.currentEpoch) {
                    node.event(
                            "alert",
                            "detail",
                            "the lease at epoch " + node.currentEpoch + " names " + lease.holder() + ", not this node");
                    if (node.state.writerState()) {
                        node.authority.authUntil = NEVER;
                        node.roles.fence("another holder at my epoch");
                    }
                } else if (settings.self().equals(node.epochActive)) {
                    claim(new Matches(found.etag()));
                }
            }
            case CONFIRM -> node.switchover.confirmRead(found);
            case HANDOVER -> node.switchover.abortSwitch("the lease changed under the switch");
            case TAKEOVER -> node.lease.observeAnew(found);
            case PROMOTE -> failOperator(op, "the lease changed while promoting: try again");
        }
    }

    private void failOperator(LeaseOp op, String detail) {
        if (op.kind() == WriteKind.PROMOTE) {
            node.promotion.leaseUnwritable(detail);
        }
    }
}
